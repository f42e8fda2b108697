"""/healthz and /metrics, in process: what an operator's monitoring sees."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import httpx

from bot.app import build_application
from bot.config import DatabaseSettings, Settings, TelegramSettings
from bot.metrics import Metrics
from bot.web import build_web_app
from scheduler.clock import ManualClock
from storage import outbox
from storage.db import SessionFactory, make_engine, make_session_factory, transaction
from storage.outbox import Planned
from tests.conftest import Database
from tests.storage.test_members import new_group


def _client(database_url: str, *, clock: ManualClock, sessions: SessionFactory,
            stale_after: float = 180.0) -> tuple[httpx.AsyncClient, Metrics]:
    settings = Settings(telegram=TelegramSettings(token="1:x"),
                        database=DatabaseSettings(url=database_url))
    app = build_application(settings, sessions, clock)
    metrics = app.bot_data["services"].metrics
    web = build_web_app(app, sessions, metrics, stale_after=stale_after)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=web),
                             base_url="http://bot"), metrics


async def test_healthz_says_ok_then_503_when_the_dispatcher_stops_ticking(
    database: Database, clock: ManualClock
) -> None:
    client, metrics = _client(database.url, clock=clock, sessions=database.sessions)
    async with client:
        response = await client.get("/healthz")
        assert (response.status_code, response.text) == (200, "ok\n")
        metrics.health.last_tick = time.monotonic() - 500
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert "dispatcher has not ticked for 500 s" in response.text


async def test_healthz_is_503_when_the_database_does_not_answer(tmp_path: Path,
                                                                clock: ManualClock) -> None:
    missing = f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'bot.db'}"
    engine = make_engine(missing)  # disposed here: its worker thread must not outlive the loop
    client, _metrics = _client(missing, clock=clock, sessions=make_session_factory(engine))
    async with client:
        response = await client.get("/healthz")
    await engine.dispose()
    assert response.status_code == 503
    assert response.text.startswith("database does not answer")


async def test_metrics_count_the_outbox_by_status_and_kind_and_the_oldest_wait(
    database: Database, clock: ManualClock
) -> None:
    now = clock.now()
    gid = await new_group(database)
    async with transaction(database.sessions) as session:
        await outbox.enqueue(session, [
            Planned(key="a", group_id=gid, kind="reminder", due_at=now - timedelta(minutes=5),
                    expires_at=now + timedelta(hours=1)),
            Planned(key="b", group_id=gid, kind="reminder", due_at=now,
                    expires_at=now + timedelta(hours=1)),
            Planned(key="c", group_id=gid, kind="summary", due_at=now + timedelta(hours=2),
                    expires_at=now + timedelta(hours=3)),
        ], now=now)
    client, _metrics = _client(database.url, clock=clock, sessions=database.sessions)
    async with client:
        text = (await client.get("/metrics")).text
    assert 'dutybot_outbox_rows{kind="reminder",status="pending"} 2.0' in text
    assert 'dutybot_outbox_rows{kind="summary",status="pending"} 1.0' in text
    assert "dutybot_outbox_oldest_pending_seconds 300.0" in text
