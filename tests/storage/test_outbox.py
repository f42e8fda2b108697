"""The outbox under two dispatchers at once: every row is sent exactly once.

On PostgreSQL the two claim rows with `FOR UPDATE SKIP LOCKED` while the other holds its
claim; SQLite serialises them (BEGIN IMMEDIATE), which the test tolerates but cannot prove.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from scheduler import dispatcher
from scheduler.dispatcher import NotSent, Outcome, Sent
from storage import outbox
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Outbox, OutboxStatus
from storage.outbox import Planned
from tests.conftest import START, Database
from tests.storage.test_members import new_group

ROWS = 300


@pytest.mark.race(sessions=2)
async def test_race_two_dispatchers_send_every_row_exactly_once(database: Database) -> None:
    gid = await new_group(database)
    async with transaction(database.sessions) as session:
        await outbox.enqueue(session, [
            Planned(f"test:{i}", gid, "summary", START, START + timedelta(hours=1))
            for i in range(ROWS)
        ], now=START)
    sent: Counter[int] = Counter()
    by: dict[str, int] = Counter()

    def deliverer(name: str) -> dispatcher.Deliver:
        async def deliver(row: Outbox, _now: object) -> Outcome:
            sent[row.id] += 1
            by[name] += 1
            await asyncio.sleep(0)  # let the other dispatcher run between sends
            return Sent(row.id)
        return deliver

    # Two processes' worth: each dispatcher has its own engine and connections.
    other = make_engine(database.url, search_path=database.search_path)
    try:
        await asyncio.gather(
            dispatcher.dispatch(database.sessions, deliverer("a"), START, owner="a"),
            dispatcher.dispatch(make_session_factory(other), deliverer("b"), START, owner="b"),
        )
    finally:
        await other.dispose()
    assert set(sent.values()) == {1} and len(sent) == ROWS  # never twice, none lost
    assert by["a"] > 0 and by["b"] > 0  # both dispatchers took rows
    async with database.sessions() as session:
        statuses = dict((await session.execute(
            select(Outbox.status, func.count()).group_by(Outbox.status)
        )).all())
    assert statuses == {OutboxStatus.SENT: ROWS}


async def _rows(database: Database, n: int, kind: str = "summary") -> int:
    gid = await new_group(database)
    async with transaction(database.sessions) as session:
        await outbox.enqueue(session, [
            Planned(f"{kind}:{i}", gid, kind, START, START + timedelta(hours=1))
            for i in range(n)
        ], now=START)
    return gid


async def _statuses(database: Database) -> dict[OutboxStatus, int]:
    async with database.sessions() as session:
        return dict((await session.execute(
            select(Outbox.status, func.count()).group_by(Outbox.status)
        )).all())


async def test_one_dispatch_sends_every_due_row_not_just_one_batch(database: Database) -> None:
    await _rows(database, 2 * dispatcher.BATCH + 30)
    sent: Counter[int] = Counter()

    async def deliver(row: Outbox, _now: object) -> Outcome:
        sent[row.id] += 1
        return Sent(row.id)

    stats = await dispatcher.dispatch(database.sessions, deliver, START)
    assert stats.sent == 2 * dispatcher.BATCH + 30
    assert set(sent.values()) == {1}


async def test_a_row_telegram_refused_for_now_waits_for_the_next_dispatch(
    database: Database,
) -> None:
    await _rows(database, dispatcher.BATCH + 20)
    tries: Counter[int] = Counter()

    async def refused(row: Outbox, _now: object) -> Outcome:
        tries[row.id] += 1
        return NotSent("connection refused")

    await dispatcher.dispatch(database.sessions, refused, START)
    assert len(tries) == dispatcher.BATCH + 20 and set(tries.values()) == {1}  # no hot loop
    assert await _statuses(database) == {OutboxStatus.PENDING: dispatcher.BATCH + 20}


async def test_a_stopped_dispatchers_rows_are_taken_over_when_its_lease_runs_out(
    database: Database,
) -> None:
    await _rows(database, 3)
    async with transaction(database.sessions) as session:
        first, second, third = await outbox.claim_due(session, now=START, owner="host-a:8081")
    async with transaction(database.sessions) as session:
        assert await outbox.mark_sending(session, second.id, owner="host-a:8081")
    # Another instance looks while host-a's lease runs: nothing is taken from it.
    async with transaction(database.sessions) as session:
        assert await outbox.recover(session, now=START + timedelta(minutes=1)) == 0
        assert not await outbox.mark_sending(session, third.id, owner="host-b:8082")
    assert await _statuses(database) == {OutboxStatus.CLAIMED: 2, OutboxStatus.SENDING: 1}
    # host-a died: when its lease runs out, the claimed rows go back, the sending one is
    # uncertain (it may have been sent) and is never resent.
    later = START + outbox.LEASE + timedelta(seconds=1)
    async with transaction(database.sessions) as session:
        assert await outbox.recover(session, now=later) == 1
    assert await _statuses(database) == {OutboxStatus.PENDING: 2, OutboxStatus.UNCERTAIN: 1}
    async with transaction(database.sessions) as session:
        taken = await outbox.claim_due(session, now=later, owner="host-b:8082")
    assert {r.id for r in taken} == {first.id, third.id}
    # host-a, had it only been slow, can no longer send or record them
    async with transaction(database.sessions) as session:
        assert not await outbox.mark_sending(session, first.id, owner="host-a:8081")
        await outbox.finish(session, second.id, OutboxStatus.SENT, now=later, message_id=5,
                            owner="host-a:8081")
    assert await _statuses(database) == {OutboxStatus.CLAIMED: 2, OutboxStatus.UNCERTAIN: 1}


async def test_a_dispatcher_starting_again_takes_back_its_own_rows_at_once(
    database: Database,
) -> None:
    await _rows(database, 2)
    async with transaction(database.sessions) as session:
        await outbox.claim_due(session, now=START, owner="host-a:8081", limit=1)
        await outbox.claim_due(session, now=START, owner="host-b:8082", limit=1)
    async with transaction(database.sessions) as session:
        assert await outbox.recover(session, now=START, owner="host-a:8081") == 0
    # host-a's row is pending again; host-b's (alive, lease running) stays claimed
    assert await _statuses(database) == {OutboxStatus.PENDING: 1, OutboxStatus.CLAIMED: 1}


async def test_a_district_evening_of_planned_rows_is_enqueued_whole(database: Database) -> None:
    # 5,000 groups' reminders at once: more parameters than PostgreSQL takes in a statement
    gid = await new_group(database)
    planned = [Planned(f"reminder:{i}", gid, "reminder", START, START + timedelta(hours=1))
               for i in range(3500)]
    async with transaction(database.sessions) as session:
        assert await outbox.enqueue(session, planned, now=START) == 3500
    async with transaction(database.sessions) as session:
        assert await outbox.enqueue(session, planned, now=START) == 0
    assert await _statuses(database) == {OutboxStatus.PENDING: 3500}


async def test_a_dispatcher_still_sending_renews_its_lease(database: Database) -> None:
    await _rows(database, 2)
    async with transaction(database.sessions) as session:
        first, _second = await outbox.claim_due(session, now=START, owner="host-a:8081")
        assert await outbox.mark_sending(session, first.id, owner="host-a:8081")
    # a long evening of waiting for Telegram's limits: host-a is alive and says so
    async with transaction(database.sessions) as session:
        assert await outbox.renew(session, owner="host-a:8081",
                                  lease_until=START + outbox.LEASE + timedelta(minutes=5)) == 2
    async with transaction(database.sessions) as session:
        assert await outbox.recover(session, now=START + outbox.LEASE + timedelta(minutes=1)) == 0
    assert await _statuses(database) == {OutboxStatus.SENDING: 1, OutboxStatus.CLAIMED: 1}
