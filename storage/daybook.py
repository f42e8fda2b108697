"""A day in a group, read back: shifts, who came, hours, report totals (for /today and the
daily summary)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import members, reports
from storage.attendance import Minutes, minutes_since
from storage.duties import local_today
from storage.models import (
    Attendance,
    Claim,
    ClaimStatus,
    Duty,
    Group,
    Problem,
    ProblemStatus,
    Shift,
    ShiftStatus,
)


@dataclass(frozen=True)
class ShiftDay:
    """One shift of the day: who had a place, who came (attendances, walk-ins included)."""

    shift: Shift
    duty: Duty
    claimed: list[int]  # person ids with a place
    came: list[Attendance]


@dataclass(frozen=True)
class DayBook:
    """Everything /today shows."""

    day: date
    shifts: list[ShiftDay]
    ad_hoc: list[Attendance]  # hours entered outside the roster
    names: dict[int, str]
    reports: reports.ReportTotals
    open_problems: int
    volunteers: int = 0
    person_times: int = 0
    confirmed_minutes: int = 0
    pending_minutes: int = 0
    still_in: int = 0
    walk_ins: int = 0


async def day_book(session: AsyncSession, group_id: int, day: date) -> DayBook:
    """Read one local day of a group."""
    shifts = (
        await session.scalars(
            select(Shift)
            .where(
                Shift.group_id == group_id, Shift.local_date == day,
                Shift.status == ShiftStatus.OPEN,
            )
            .order_by(Shift.start_at, Shift.id)
        )
    ).all()
    attendances = (
        await session.scalars(
            select(Attendance)
            .where(Attendance.group_id == group_id, Attendance.local_date == day)
            .order_by(Attendance.checkin_at, Attendance.id)
        )
    ).all()
    claims = (
        await session.scalars(
            select(Claim)
            .where(
                Claim.shift_id.in_([s.id for s in shifts]),
                Claim.status == ClaimStatus.ACTIVE,
            )
            .order_by(Claim.created_at, Claim.id)
        )
    ).all() if shifts else []
    duty_rows = await session.scalars(
        select(Duty).where(Duty.id.in_({s.duty_id for s in shifts}))
    ) if shifts else None
    duty_by_id = {d.id: d for d in duty_rows.all()} if duty_rows is not None else {}
    people = {a.person_id for a in attendances} | {c.person_id for c in claims}
    names = await members.display_names(session, group_id, people)
    days = [
        ShiftDay(
            s, duty_by_id[s.duty_id],
            [c.person_id for c in claims if c.shift_id == s.id],
            [a for a in attendances if a.shift_id == s.id],
        )
        for s in shifts
    ]
    shown = {s.id for s in shifts}
    open_problems = await session.scalar(
        select(func.count(Problem.id)).where(
            Problem.group_id == group_id, Problem.status == ProblemStatus.OPEN
        )
    )
    closed = [a for a in attendances if not a.is_open]
    return DayBook(
        day=day,
        shifts=days,
        ad_hoc=[a for a in attendances if a.shift_id not in shown],
        names=names,
        reports=await reports.totals(session, group_id, day, day),
        open_problems=int(open_problems or 0),
        volunteers=len({a.person_id for a in attendances}),
        person_times=sum(1 + a.companions for a in attendances),
        confirmed_minutes=sum(a.minutes or 0 for a in closed if a.confirmed),
        pending_minutes=sum(a.minutes or 0 for a in closed if not a.confirmed),
        still_in=sum(1 for a in attendances if a.is_open),
        walk_ins=sum(1 for a in attendances if a.walk_in),
    )


async def missing_names(session: AsyncSession, shift: Shift) -> list[str]:
    """Display names of the people with a place on a shift who have not checked in."""
    came = select(Attendance.person_id).where(Attendance.shift_id == shift.id)
    rows = await session.scalars(
        select(Claim.person_id).where(
            Claim.shift_id == shift.id, Claim.status == ClaimStatus.ACTIVE,
            Claim.person_id.not_in(came),
        )
    )
    names = await members.display_names(session, shift.group_id, set(rows.all()))
    return sorted(names.values())


@dataclass(frozen=True)
class MyRecord:
    """What /me shows a volunteer: hours, coming shifts (with their group's zone), reports."""

    month: Minutes
    year: Minutes
    total: Minutes
    upcoming: list[tuple[Shift, Duty, str]]
    reports: reports.ReportTotals


async def my_record(
    session: AsyncSession, person_id: int, *, zone: str, now: datetime, limit: int = 10
) -> MyRecord:
    """A person's own numbers, across every team they serve in."""
    today = local_today(zone, now)
    month_start, year_start = today.replace(day=1), today.replace(month=1, day=1)
    rows = (
        await session.execute(
            select(Shift, Duty, Group.timezone)
            .join(Claim, Claim.shift_id == Shift.id)
            .join(Duty, Duty.id == Shift.duty_id)
            .join(Group, Group.id == Shift.group_id)
            .where(
                Claim.person_id == person_id,
                Claim.status.in_([ClaimStatus.ACTIVE, ClaimStatus.WAITING]),
                Shift.status == ShiftStatus.OPEN,
                Shift.start_at > now,
            )
            .order_by(Shift.start_at)
            .limit(limit)
        )
    ).all()
    return MyRecord(
        month=await minutes_since(session, person_id, month_start),
        year=await minutes_since(session, person_id, year_start),
        total=await minutes_since(session, person_id, None),
        upcoming=[(s, d, z) for s, d, z in rows],
        reports=await reports.totals(session, None, month_start, today, person_id),
    )


@dataclass(frozen=True)
class Period:
    """A week or a month of a group, for the weekly summary and the monthly report."""

    first: date
    last: date
    volunteers: int
    person_times: int
    minutes: int  # closed records, confirmed or not
    pending: int  # of which a leader has yet to confirm
    per_day: dict[date, int]
    top: list[tuple[str, int]]  # (display name, minutes), most first
    reports: reports.ReportTotals


async def period(
    session: AsyncSession, group_id: int, first: date, last: date, *, top: int = 5
) -> Period:
    """Totals of a group between two local dates (inclusive)."""
    rows = (
        await session.scalars(
            select(Attendance).where(
                Attendance.group_id == group_id, Attendance.local_date >= first,
                Attendance.local_date <= last,
            )
        )
    ).all()
    closed = [a for a in rows if not a.is_open]
    per_day: dict[date, int] = {}
    per_person: dict[int, int] = {}
    for a in closed:
        per_day[a.local_date] = per_day.get(a.local_date, 0) + (a.minutes or 0)
        per_person[a.person_id] = per_person.get(a.person_id, 0) + (a.minutes or 0)
    best = sorted(per_person.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    names = await members.display_names(session, group_id, {p for p, _ in best})
    return Period(
        first=first, last=last,
        volunteers=len({a.person_id for a in rows}),
        person_times=sum(1 + a.companions for a in rows),
        minutes=sum(a.minutes or 0 for a in closed),
        pending=sum(a.minutes or 0 for a in closed if not a.confirmed),
        per_day=per_day,
        top=[(names.get(p, "?"), m) for p, m in best],
        reports=await reports.totals(session, group_id, first, last),
    )
