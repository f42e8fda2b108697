"""Duties materialise shifts ahead, idempotently, edited in place."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from storage import duties, groups
from storage.db import transaction
from storage.groups import GroupDefaults
from storage.models import Shift, ShiftStatus
from storage.recurrence import Window
from tests.conftest import START, Database


async def test_a_daily_duty_fills_the_next_two_weeks_once(database: Database) -> None:
    async with transaction(database.sessions) as session:
        group, _ = await groups.see_group(
            session, -1001, "Team", now=START, defaults=GroupDefaults("Asia/Shanghai", "zh_CN"),
            preapproved=True,
        )
        draft = duties.DutyDraft("督导", "FREQ=DAILY", date(2026, 11, 24),
                                 Window(time(19), time(21)), 2, 4, "3号投放点")
        duty, made = await duties.add_duty(session, group, draft, by=1, now=START)
    # 18:30 in Shanghai: tonight's 19:00 shift and the next 14 days.
    assert len(made.created) == 15
    first = min(made.created, key=lambda s: s.start_at)
    assert first.start_at == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    assert first.end_at - first.start_at == timedelta(hours=2)
    async with transaction(database.sessions) as session:
        again = await duties.materialise(session, duty, "Asia/Shanghai", now=START)
        assert again.created == [] and again.moved == []
        duty = await session.merge(duty)
        duty.start_time = time(18, 30)
        moved = await duties.materialise(session, duty, "Asia/Shanghai", now=START)
        assert len(moved.moved) == 14  # tonight's new 18:30 start has passed: untouched
        duty.rrule = "FREQ=WEEKLY;BYDAY=TU"
        changed = await duties.materialise(session, duty, "Asia/Shanghai", now=START)
        assert len(changed.cancelled) == 12  # three Tuesdays stay
    async with database.sessions() as session:
        open_count = await session.scalar(
            select(func.count()).select_from(Shift).where(Shift.status == ShiftStatus.OPEN)
        )
    assert open_count == 3
