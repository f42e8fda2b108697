"""Upkeep: shifts stay materialised 14 days ahead as the clock moves, idempotently."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import func, select

from scheduler.clock import ManualClock
from scheduler.jobs import keep_shifts_ahead
from storage import duties, groups
from storage.db import transaction
from storage.groups import GroupDefaults
from storage.models import Shift
from storage.recurrence import Window
from tests.conftest import START, Database


async def test_shifts_stay_two_weeks_ahead(database: Database, clock: ManualClock) -> None:
    async with transaction(database.sessions) as session:
        group, _ = await groups.see_group(
            session, -1001, "Team", now=START, defaults=GroupDefaults("Asia/Shanghai", "zh_CN"),
            preapproved=True,
        )
        draft = duties.DutyDraft("督导", "FREQ=DAILY", date(2026, 11, 24),
                                 Window(time(19), time(21)), 1, 2)
        await duties.add_duty(session, group, draft, by=1, now=START)
    clock.advance(timedelta(days=10))
    assert await keep_shifts_ahead(database.sessions, clock.now()) == 10
    assert await keep_shifts_ahead(database.sessions, clock.now()) == 0  # idempotent
    async with database.sessions() as session:
        last = await session.scalar(select(func.max(Shift.local_date)))
    assert last == date(2026, 12, 18)  # Dec 4 (today) + 14 days
