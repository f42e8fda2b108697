"""A day in a group, read back: shifts, who came, hours, report totals (for /today and the
daily summary)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import members, reports
from storage.attendance import minutes_since
from storage.claims import still_needed
from storage.credit import Standing, standings
from storage.duties import local_today
from storage.hours import Minutes, counts, present, tally
from storage.models import (
    Attendance,
    Claim,
    ClaimStatus,
    Duty,
    Group,
    NoShow,
    Person,
    Shift,
    ShiftStatus,
)
from storage.orgs import number_of, scopes_of_person
from storage.recognition import DEFAULT_RULES, Rules
from storage.record import PersonRecord, person_record
from storage.recurrence import to_utc
from storage.reports import TrackedProblems


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
    open_problems: int  # tracked problems open at the end of the day
    volunteers: int = 0
    person_times: int = 0
    confirmed_minutes: int = 0
    pending_minutes: int = 0
    still_in: int = 0
    walk_ins: int = 0
    tracked: TrackedProblems = field(default_factory=lambda: TrackedProblems(0, 0, []))


EARLIEST = date(2000, 1, 1)  # no figures, ledgers or certificates before this day


def month_end(first: date) -> date:
    """The last day of the month that `first` is in."""
    return (first.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """A period for /stats and the one it is compared with: a finished week, month or year
    against the whole one before; one still running against as many days from the start of
    the one before."""

    kind: str  # week, month, year
    first: date
    last: date
    previous_first: date
    previous_last: date


def span(kind: str, first: date, today: date) -> Span:
    """The period of `kind` starting on `first`, up to today, and its comparison."""
    if kind == "week":
        end, previous = first + timedelta(days=6), first - timedelta(days=7)
        previous_end = previous + timedelta(days=6)
    elif kind == "month":
        end = month_end(first)
        previous = (first - timedelta(days=1)).replace(day=1)
        previous_end = month_end(previous)
    else:
        end = first.replace(month=12, day=31)
        previous = first.replace(year=first.year - 1)
        previous_end = previous.replace(month=12, day=31)
    last = min(end, today)
    if last == end:  # a finished period against the whole one before
        return Span(kind, first, last, previous, previous_end)
    days = (last - first).days
    return Span(kind, first, last, previous, min(previous_end, previous + timedelta(days=days)))


def change(now: int, before: int) -> int | None:
    """The change in percent against `before` (None when there was nothing before)."""
    return round((now - before) * 100 / before) if before else None


def local_bounds(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """The instants local dates `first`..`last` (inclusive) begin and end, in UTC."""
    tz = ZoneInfo(zone)
    return to_utc(first, time(), tz), to_utc(last + timedelta(days=1), time(), tz)


# Built once, the values bound at each call (every /today and daily summary reads a day).
_OPEN_SHIFTS_OF_DAY = (
    select(Shift, Duty).join(Duty, Duty.id == Shift.duty_id)
    .where(Shift.group_id == bindparam("group"), Shift.local_date == bindparam("day"),
           Shift.status == ShiftStatus.OPEN)
    .order_by(Shift.start_at, Shift.id)
)
_RECORDS_OF_DAY = (
    select(Attendance)
    .where(Attendance.group_id == bindparam("group"), Attendance.local_date == bindparam("day"))
    .order_by(Attendance.checkin_at, Attendance.id)
)
_ACTIVE_CLAIMS_ON = (
    select(Claim)
    .where(Claim.shift_id.in_(bindparam("shifts", expanding=True)),
           Claim.status == ClaimStatus.ACTIVE)
    .order_by(Claim.created_at, Claim.id)
)


async def day_book(session: AsyncSession, group_id: int, day: date, zone: str) -> DayBook:
    """Read one local day of a group: hours and counts as they stand now (corrected),
    tracked problems as they stood at the end of that day."""
    the_day = {"group": group_id, "day": day}
    with_duties = (await session.execute(_OPEN_SHIFTS_OF_DAY, the_day)).all()
    shifts = [shift for shift, _duty in with_duties]
    duty_by_id = {duty.id: duty for _shift, duty in with_duties}
    attendances = (await session.scalars(_RECORDS_OF_DAY, the_day)).all()
    claims = (
        await session.scalars(_ACTIVE_CLAIMS_ON, {"shifts": [s.id for s in shifts]})
    ).all() if shifts else []
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
    tracked = await reports.tracked_problems(session, group_id, *local_bounds(day, day, zone))
    hours = tally(attendances)
    live = [a for a in attendances if present(a)]
    return DayBook(
        day=day,
        shifts=days,
        ad_hoc=[a for a in attendances if a.shift_id not in shown],
        names=names,
        reports=await reports.totals(session, group_id, day, day),
        open_problems=len(tracked.open_then),
        volunteers=len({a.person_id for a in live}),
        person_times=sum(1 + a.companions for a in live),
        confirmed_minutes=hours.confirmed,
        pending_minutes=hours.pending,
        still_in=sum(1 for a in live if a.is_open),
        walk_ins=sum(1 for a in live if a.walk_in),
        tracked=tracked,
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
    stars: list[Standing] = field(default_factory=list)  # per organisation (or lone team)
    real_name: str | None = None
    hidden: bool = False
    record: PersonRecord = field(default_factory=lambda: PersonRecord([], [], []))


async def my_record(
    session: AsyncSession, person_id: int, *, zone: str, now: datetime, limit: int = 10,
    defaults: Rules = DEFAULT_RULES,
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
    person = await session.get(Person, person_id)
    assert person is not None
    for scope in await scopes_of_person(session, person_id):
        if scope.org is not None:  # everyone serving in an organisation has a number
            await number_of(session, scope.org.id, person_id, now=now)
    return MyRecord(
        month=await minutes_since(session, person_id, month_start),
        year=await minutes_since(session, person_id, year_start),
        total=await minutes_since(session, person_id, None),
        upcoming=[(s, d, z) for s, d, z in rows],
        reports=await reports.totals(session, None, month_start, today, person_id),
        stars=await standings(session, person_id, defaults),
        real_name=person.real_name,
        hidden=person.hidden,
        record=await person_record(session, person_id),
    )


@dataclass(frozen=True)
class Figures:
    """One duty's (or one place's) figures in a period."""

    name: str | None  # None: hours entered outside the roster (or no place)
    place: str | None
    shifts_held: int  # shifts someone checked in to
    person_times: int
    hours: Minutes


@dataclass(frozen=True)
class Period:
    """A week or a month of a group: the weekly summary, /summary <month>, the monthly
    report. Hours by `hours.tally`; tracked problems as they stood at the period's end."""

    first: date
    last: date
    volunteers: int
    person_times: int
    hours: Minutes  # confirmed and pending, as every view shows them
    per_day: dict[date, int]
    top: list[tuple[str, int]]  # (display name, minutes), most first
    reports: reports.ReportTotals
    per_volunteer: list[tuple[str, Minutes]] = field(default_factory=list)
    per_duty: list[Figures] = field(default_factory=list)
    per_place: list[Figures] = field(default_factory=list)
    shifts_held: int = 0
    shifts_planned: int = 0  # shifts on the roster (not cancelled)
    shifts_filled: int = 0  # of those, with as many people signed up as they need
    no_shows: int = 0
    tracked: TrackedProblems = field(default_factory=lambda: TrackedProblems(0, 0, []))


def _figures(
    name: str | None, place: str | None, rows: list[Attendance]
) -> Figures:
    live = [a for a in rows if present(a)]
    return Figures(
        name=name, place=place,
        shifts_held=len({a.shift_id for a in live if a.shift_id is not None}),
        person_times=sum(1 + a.companions for a in live),
        hours=tally(rows),
    )


async def period(
    session: AsyncSession, group_id: int, first: date, last: date, zone: str, *, top: int = 5
) -> Period:
    """Totals of a group between two local dates (inclusive)."""
    rows = list(
        (
            await session.scalars(
                select(Attendance)
                .where(
                    Attendance.group_id == group_id, Attendance.local_date >= first,
                    Attendance.local_date <= last,
                )
                .order_by(Attendance.id)
            )
        ).all()
    )
    live = [a for a in rows if present(a)]
    per_day: dict[date, int] = {}
    for a in filter(counts, rows):
        per_day[a.local_date] = per_day.get(a.local_date, 0) + (a.minutes or 0)
    by_person: dict[int, list[Attendance]] = {}
    for a in rows:
        by_person.setdefault(a.person_id, []).append(a)
    names = await members.display_names(session, group_id, set(by_person))
    hidden = await members.hidden_among(session, set(by_person))
    ranked = sorted(
        ((p, names.get(p, "?"), tally(rs)) for p, rs in by_person.items()),
        key=lambda pnm: (-(pnm[2].confirmed + pnm[2].pending), pnm[1]),
    )
    volunteer_hours = [(n, m) for _, n, m in ranked]
    shift_ids = {a.shift_id for a in rows if a.shift_id is not None}
    duty_of: dict[int, Duty] = {}
    if shift_ids:
        for shift_id, duty in (
            await session.execute(
                select(Shift.id, Duty).join(Duty, Duty.id == Shift.duty_id)
                .where(Shift.id.in_(shift_ids))
            )
        ).all():
            duty_of[shift_id] = duty
    by_duty: dict[int | None, list[Attendance]] = {}
    by_place: dict[str | None, list[Attendance]] = {}
    for a in rows:
        of = duty_of.get(a.shift_id) if a.shift_id is not None else None
        by_duty.setdefault(of.id if of else None, []).append(a)
        by_place.setdefault(of.place if of else None, []).append(a)
    duties = {d.id: d for d in duty_of.values()}
    per_duty = [
        _figures(duties[d].name if d is not None else None,
                 duties[d].place if d is not None else None, rs)
        for d, rs in sorted(by_duty.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    ]
    per_place = [
        _figures(None, place, rs)
        for place, rs in sorted(by_place.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        if place is not None
    ]
    no_shows = await session.scalar(
        select(func.count(NoShow.id))
        .join(Shift, Shift.id == NoShow.shift_id)
        .where(NoShow.group_id == group_id, Shift.local_date >= first, Shift.local_date <= last)
    )
    planned, filled = await _roster_filled(session, group_id, first, last)
    return Period(
        first=first, last=last,
        shifts_planned=planned, shifts_filled=filled,
        volunteers=len({a.person_id for a in live}),
        person_times=sum(1 + a.companions for a in live),
        hours=tally(rows),
        per_day=per_day,
        # People who chose /me hide are counted, never named in a top list.
        top=[(n, m.confirmed + m.pending) for p, n, m in ranked if p not in hidden][:top],
        reports=await reports.totals(session, group_id, first, last),
        per_volunteer=volunteer_hours,
        per_duty=per_duty,
        per_place=per_place,
        shifts_held=len({a.shift_id for a in live if a.shift_id is not None}),
        no_shows=int(no_shows or 0),
        tracked=await reports.tracked_problems(
            session, group_id, *local_bounds(first, last, zone)
        ),
    )


async def _roster_filled(
    session: AsyncSession, group_id: int, first: date, last: date
) -> tuple[int, int]:
    """Shifts on the roster between two dates, and how many had the people they need
    (by `claims.still_needed`, the one rule for "short of people")."""
    shifts = (
        await session.scalars(
            select(Shift).where(
                Shift.group_id == group_id, Shift.local_date >= first,
                Shift.local_date <= last, Shift.status == ShiftStatus.OPEN,
            )
        )
    ).all()
    if not shifts:
        return 0, 0
    rows = await session.execute(
        select(Claim.shift_id, func.count(Claim.id))
        .where(Claim.shift_id.in_([s.id for s in shifts]), Claim.status == ClaimStatus.ACTIVE)
        .group_by(Claim.shift_id)
    )
    counts = {shift_id: n for shift_id, n in rows.all()}
    return len(shifts), sum(1 for s in shifts if not still_needed(s, counts.get(s.id, 0)))


@dataclass(frozen=True)
class OrgPeriod:
    """An organisation's period: each team's figures, and the whole (people counted once)."""

    teams: list[tuple[str, Period]]
    volunteers: int
    person_times: int
    shifts_held: int
    hours: Minutes
    reports: reports.ReportTotals


async def org_period(
    session: AsyncSession, teams: Sequence[Group], first: date, last: date
) -> OrgPeriod:
    """The figures of every team between two local dates, and their sum (the same
    `period` each team's /stats shows; a volunteer serving in two teams counts once)."""
    each = [
        (g.title, await period(session, g.id, first, last, g.timezone, top=0)) for g in teams
    ]
    people = await session.scalars(
        select(Attendance).where(
            Attendance.group_id.in_([g.id for g in teams]), Attendance.local_date >= first,
            Attendance.local_date <= last,
        )
    )
    return OrgPeriod(
        teams=each,
        volunteers=len({a.person_id for a in people.all() if present(a)}),
        person_times=sum(p.person_times for _, p in each),
        shifts_held=sum(p.shifts_held for _, p in each),
        hours=Minutes(sum(p.hours.confirmed for _, p in each),
                      sum(p.hours.pending for _, p in each)),
        reports=reports.ReportTotals.sum([p.reports for _, p in each]),
    )
