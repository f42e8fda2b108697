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
from scheduler.dispatcher import Outcome, Sent
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
            dispatcher.dispatch(database.sessions, deliverer("a"), START),
            dispatcher.dispatch(make_session_factory(other), deliverer("b"), START),
        )
        # One pass takes at most 50 rows; a second round sends what is left.
        await asyncio.gather(*(
            dispatcher.dispatch(database.sessions, deliverer("a"), START) for _ in range(6)
        ))
    finally:
        await other.dispose()
    assert set(sent.values()) == {1} and len(sent) == ROWS  # never twice, none lost
    assert by["a"] > 0 and by["b"] > 0  # both dispatchers took rows
    async with database.sessions() as session:
        statuses = dict((await session.execute(
            select(Outbox.status, func.count()).group_by(Outbox.status)
        )).all())
    assert statuses == {OutboxStatus.SENT: ROWS}
