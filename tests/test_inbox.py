"""The webhook's inbox: an update answered to Telegram is stored until it has been handled, so
an instance that dies loses none of its queue, and none is handled twice."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlalchemy import select, text
from telegram import Bot, Update

from bot.app import DutyApplication, build_application
from bot.config import DatabaseSettings, Settings, TelegramSettings
from bot.inbox import Inbox
from bot.metrics import Metrics
from bot.web import SECRET_HEADER, build_web_app
from scheduler.clock import ManualClock
from storage import inbox as stored
from storage.db import SessionFactory, at_once, reading
from storage.models import InboxUpdate
from tests.conftest import Database

SECRET = "inbox-test-secret"
BOT = Bot("1:x")


def body(update_id: int, text: str = "/today") -> str:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1764000000, "text": text,
        "chat": {"id": -100, "type": "group", "title": "Team"},
        "from": {"id": 7, "is_bot": False, "first_name": "王"}}})


async def stored_ids(sessions: SessionFactory) -> dict[int, tuple[str, bool]]:
    async with reading(sessions) as session:
        rows = (await session.execute(select(InboxUpdate.update_id, InboxUpdate.owner,
                                             InboxUpdate.started))).all()
    return {row.update_id: (row.owner, row.started) for row in rows}


def webhook(database: Database, clock: ManualClock,
            inbox_sessions: SessionFactory) -> tuple[DutyApplication, httpx.AsyncClient]:
    """The bot and a client of its webhook route, its inbox on `inbox_sessions`."""
    settings = Settings(telegram=TelegramSettings(token="1:x"),
                        database=DatabaseSettings(url=database.url))
    app = build_application(settings, database.sessions, clock)
    services = app.bot_data["services"]
    services.inbox = Inbox(inbox_sessions, "a:8443")
    web = build_web_app(app, database.sessions, services.metrics, stale_after=180,
                        webhook_path="/hook", secret_token=SECRET)
    return app, httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://bot")


class Wall:
    """The instances' wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_764_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_an_update_is_stored_once_begun_once_and_gone_when_handled(
    database: Database,
) -> None:
    inbox = Inbox(database.sessions, "a:8443", wall=Wall())
    # 1 is posted twice at once (Telegram repeats a POST the database is slow to answer)
    first = await asyncio.gather(inbox.receive(1, body(1)), inbox.receive(2, body(2)),
                                 inbox.receive(1, body(1)))
    assert list(first) == [True, True, False]  # queued once
    assert await inbox.receive(1, body(1)) is False  # posted again later: not queued
    assert await stored_ids(database.sessions) == {1: ("a:8443", False), 2: ("a:8443", False)}
    assert await inbox.begin(1) is True
    assert await inbox.begin(99) is True  # not from the webhook (polling, the console)
    assert await stored_ids(database.sessions) == {1: ("a:8443", True), 2: ("a:8443", False)}
    inbox.finish(1)
    await inbox.close()
    assert await stored_ids(database.sessions) == {2: ("a:8443", False)}


async def test_a_restarted_instance_handles_what_waited_and_drops_what_had_begun(
    database: Database,
) -> None:
    before = Inbox(database.sessions, "a:8443", wall=Wall())
    for i in (1, 2, 3):
        await before.receive(i, body(i))
    await before.begin(2)  # being handled when the process was killed
    metrics = Metrics()
    after = Inbox(database.sessions, "a:8443", metrics=metrics, wall=Wall())
    queue: asyncio.Queue[object] = asyncio.Queue()
    await after.take_over(queue, BOT, own=True)
    again = [queue.get_nowait() for _ in range(queue.qsize())]
    assert [u.update_id for u in again if isinstance(u, Update)] == [1, 3]
    assert await stored_ids(database.sessions) == {1: ("a:8443", False), 3: ("a:8443", False)}
    text = metrics.exposition().decode()
    assert 'dutybot_inbox_recovered_total{outcome="handled"} 2.0' in text
    assert 'dutybot_inbox_recovered_total{outcome="dropped"} 1.0' in text
    # handled here now, once
    assert await after.begin(1) is True
    after.finish(1)
    await after.close()
    assert await stored_ids(database.sessions) == {3: ("a:8443", False)}


async def test_another_instance_takes_over_only_when_the_lease_has_run_out(
    database: Database, other_instance: SessionFactory,
) -> None:
    wall = Wall()
    a = Inbox(database.sessions, "a:8443", wall=wall)
    b = Inbox(other_instance, "b:8444", wall=wall)
    for i in (1, 2):
        await a.receive(i, body(i))
    assert await b.recover() == []  # a holds them
    wall.now += stored.LEASE / 2
    await a.renew()
    wall.now += stored.LEASE / 2 + 1
    assert await b.recover() == []  # renewed: still a's
    wall.now += stored.LEASE  # a stopped renewing (stalled or dead)
    assert [json.loads(found)["update_id"] for found in await b.recover()] == [1, 2]
    assert await a.begin(1) is False  # b has it: not handled here
    assert await b.begin(1) is True
    wall.now += stored.LEASE + 1  # b did not renew: still, what it holds is not taken again
    assert await b.recover() == []
    assert await stored_ids(database.sessions) == {1: ("b:8444", True), 2: ("b:8444", False)}
    assert await a.begin(2) is False  # a's copy is b's now
    assert await b.begin(2) is True


async def test_a_row_an_instance_lost_track_of_runs_out_and_is_taken_back(
    database: Database,
) -> None:
    wall = Wall()
    a = Inbox(database.sessions, "a:8443", wall=wall)
    await a.receive(1, body(1))
    # Stored, but its answer was lost (the connection dropped after the commit): Telegram
    # posts it again and hears it is here already; nobody has it in a queue.
    async with at_once(database.sessions) as db:
        await stored.receive(db, [(2, body(2))], owner="a:8443", lease_until=wall.now + 60)
    assert await a.receive(2, body(2)) is False
    wall.now += stored.LEASE / 2
    await a.renew()  # renews what it holds: 1
    wall.now += stored.LEASE / 2 + 1
    assert [json.loads(found)["update_id"] for found in await a.recover()] == [2]
    assert await a.begin(1) is True and await a.begin(2) is True


async def test_the_webhook_answers_once_stored_and_a_repeat_is_not_handled_twice(
    database: Database, clock: ManualClock,
) -> None:
    app, client = webhook(database, clock, database.sessions)
    async with client:
        for _ in range(2):
            response = await client.post("/hook", content=body(5),
                                         headers={SECRET_HEADER: SECRET})
            assert response.status_code == 200
    assert app.update_queue.qsize() == 1  # queued once
    assert await stored_ids(database.sessions) == {5: ("a:8443", False)}


async def test_the_webhook_answers_503_when_it_cannot_store_so_telegram_posts_again(
    database: Database, unreachable: SessionFactory, clock: ManualClock,
) -> None:
    app, client = webhook(database, clock, unreachable)
    async with client:
        response = await client.post("/hook", content=body(6), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 503  # Telegram posts it again later
    assert app.update_queue.qsize() == 0


async def test_an_update_marked_begun_whose_answer_was_lost_is_still_handled_here(
    database: Database,
) -> None:
    inbox = Inbox(database.sessions, "a:8443", wall=Wall())
    await inbox.receive(1, body(1))
    async with at_once(database.sessions) as db:  # the mark committed, its answer was lost
        assert await stored.begin(db, [1], owner="a:8443") == {1}
    assert await inbox.begin(1) is True  # asked again: it is this instance's, begun
    assert await inbox.begin(1) is False  # a second copy is not handled twice


async def test_an_update_stored_after_the_webhook_gave_up_waiting_is_handled_once(
    database: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    if database.backend != "postgresql":
        pytest.skip("a lock another connection holds: PostgreSQL")
    monkeypatch.setattr("bot.web.DATABASE_TIMEOUT", 0.3)
    app, client = webhook(database, clock, database.sessions)
    async with client:
        async with database.engine.connect() as holder:  # the database is slow to answer
            await holder.execute(text("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE"))
            response = await client.post("/hook", content=body(7),
                                         headers={SECRET_HEADER: SECRET})
            assert response.status_code == 503  # not stored in time: Telegram posts again
            await holder.rollback()
        async with asyncio.timeout(10):
            while True:  # stored after all: queued here
                if app.update_queue.qsize():
                    break
                await asyncio.sleep(0.02)
        again = await client.post("/hook", content=body(7), headers={SECRET_HEADER: SECRET})
        assert again.status_code == 200
    assert app.update_queue.qsize() == 1  # once
    assert await stored_ids(database.sessions) == {7: ("a:8443", False)}
    async with at_once(database.sessions) as db:  # however many an instance holds
        found = await stored.recover(db, owner="b:8444", now=2e9, lease_until=2e9 + 60,
                                     held=range(100, 40_100))
    assert found.updates == [(7, body(7))]
