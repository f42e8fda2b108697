"""The planner: a function of (database, now) → the notifications that are due.

Each notification is named by what it is about, not how it was computed:
`reminder:<group>:<start UTC>:<lead>`, `roster:<group>:<date>`, `gap:<group>:<due UTC>:<shifts>`,
`noshow:<shift>:<start UTC>`, `summary:<group>:<date>`. The outbox's unique key makes
planning twice harmless. No sleeping, no globals: tests and the console call it with the
clock they moved.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.crash import crash_point
from scheduler.quiet import QuietHours
from storage import credit, outbox
from storage.claims import still_needed
from storage.models import (
    Attendance,
    Claim,
    ClaimStatus,
    Duty,
    Group,
    GroupStatus,
    Person,
    Shift,
    ShiftStatus,
)
from storage.outbox import Planned
from storage.recognition import DEFAULT_RULES, Rules
from storage.settings import WEEKDAYS, GroupSettings, settings_of

LOOKAHEAD = timedelta(days=2)
MONTHLY_AT = "09:00"


@lru_cache(maxsize=4096)
def iso(moment: datetime) -> str:
    """An instant in keys: UTC, to the minute (many groups share a start time: cached)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True)
class Plan:
    """What is due now, and when the next thing falls due (to wake the planner then)."""

    due: list[Planned]
    next_at: datetime | None


@lru_cache(maxsize=4096)  # the same few times of day in the same few zones
def _local(day: date, clock: str, zone: str) -> datetime:
    hour, minute = (int(x) for x in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


class _GroupPlan:
    """One group's candidates: those due now are kept, of the later ones only the first."""

    def __init__(self, group: _Group, now: datetime) -> None:
        self.group_id = group.id
        self.rules: GroupSettings = settings_of(group)
        self.zone = group.timezone
        self.now = now
        self.quiet = QuietHours.parse(self.rules.quiet_hours)
        self.items: list[Planned] = []
        self.next_at: datetime | None = None

    def consider(self, due: datetime, expires: datetime) -> bool:
        """Is a candidate due now? A later one only moves `next_at`."""
        if due > self.now:
            if self.next_at is None or due < self.next_at:
                self.next_at = due
            return False
        return self.now < expires

    def add(self, key: str, kind: str, due: datetime, expires: datetime,
            person_id: int | None = None, **payload: object) -> None:
        if self.consider(due, expires):
            self.items.append(Planned(key, self.group_id, kind, due, expires, person_id,
                                      dict(payload)))


@dataclass(frozen=True, slots=True)
class _Group:
    """What planning needs of a group (plain values: thousands are read)."""

    id: int
    timezone: str
    settings: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class _Shift:
    """What planning needs of a shift and its duty (plain values: thousands are read)."""

    id: int
    group_id: int
    local_date: date
    start_at: datetime
    end_at: datetime
    need_min: int
    reminder_lead: int | None


@dataclass(frozen=True)
class _Facts:
    """What planning reads, for every active group at once: one query per kind."""

    shifts: dict[int, list[_Shift]]  # group → open shifts in the window
    claimed: dict[int, int]  # shift → active claims
    came: dict[int, int]  # shift → attendances
    private: dict[int, list[int]]  # shift → people reminded privately
    still_in: dict[tuple[int, date], int]  # (group, local day) → open attendances


async def _facts(session: AsyncSession, now: datetime) -> _Facts:
    first, last = now - timedelta(days=1), now + LOOKAHEAD
    window = (Shift.status == ShiftStatus.OPEN, Shift.start_at >= first, Shift.start_at <= last)
    in_window = select(Shift.id).where(*window).scalar_subquery()
    shifts: dict[int, list[_Shift]] = defaultdict(list)
    rows = await session.execute(
        select(Shift.id, Shift.group_id, Shift.local_date, Shift.start_at, Shift.end_at,
               Shift.need_min, Duty.reminder_lead)
        .join(Duty, Duty.id == Shift.duty_id)
        .join(Group, Group.id == Shift.group_id)
        .where(Group.status == GroupStatus.ACTIVE, *window)
        .order_by(Shift.start_at, Shift.id)
    )
    for row in rows.all():
        shift = _Shift(*row)
        shifts[shift.group_id].append(shift)

    async def counted(column: object, *where: object) -> dict[int, int]:
        query = select(column, func.count()).where(*where).group_by(column)  # type: ignore[call-overload]
        return {int(k): int(n) for k, n in (await session.execute(query)).all()
                if k is not None}

    claimed = await counted(Claim.shift_id, Claim.shift_id.in_(in_window),
                            Claim.status == ClaimStatus.ACTIVE)
    came = await counted(Attendance.shift_id, Attendance.shift_id.in_(in_window))
    private: dict[int, list[int]] = defaultdict(list)
    reminded = await session.execute(
        select(Claim.shift_id, Person.id)
        .join(Person, Person.id == Claim.person_id)
        .where(Claim.shift_id.in_(in_window), Claim.status == ClaimStatus.ACTIVE,
               Person.remind_private, Person.private_chat)
    )
    for shift_id, person_id in reminded.all():
        private[shift_id].append(person_id)
    open_now = await session.execute(
        select(Attendance.group_id, Attendance.local_date, func.count())
        .where(Attendance.is_open)
        .group_by(Attendance.group_id, Attendance.local_date)
    )
    still_in = {(int(g), d): int(n) for g, d, n in open_now.all()}
    return _Facts(shifts, claimed, came, private, still_in)


def _plan_group(group: _Group, now: datetime, facts: _Facts) -> _GroupPlan:
    g = _GroupPlan(group, now)
    gid, rules, zone, quiet = g.group_id, g.rules, g.zone, g.quiet
    shifts = facts.shifts.get(gid, [])
    claimed, came, private = facts.claimed, facts.came, facts.private

    gaps: dict[datetime, list[_Shift]] = defaultdict(list)
    for shift in shifts:
        start = shift.start_at
        # 1. Duty reminder: one per group per start time (and lead).
        lead = shift.reminder_lead if shift.reminder_lead is not None else rules.reminder_lead
        key = f"reminder:{gid}:{iso(start)}:{lead}"
        due = start - timedelta(minutes=lead)
        g.add(key, "reminder", due, start, start=iso(start), lead=lead)
        for person_id in private.get(shift.id, []):
            g.add(f"{key}:p{person_id}", "reminder", due, start, person_id,
                  start=iso(start), lead=lead)
        # 3. Gap alert: still below the minimum some hours before. The shifts of a group
        # due at the same moment (three points at 19:00) are one message.
        if still_needed(shift, claimed.get(shift.id, 0)):
            gaps[quiet.before(start - timedelta(hours=rules.gap_alert_lead), zone)].append(shift)
        # 4. No-show alert: fewer than the minimum checked in a while after the start. The
        # dispatcher fans it out to the leaders who started the bot (or posts it in the group).
        if still_needed(shift, came.get(shift.id, 0)) and claimed.get(shift.id, 0):
            due = quiet.after(start + timedelta(minutes=rules.noshow_after), zone)
            g.add(f"noshow:{shift.id}:{iso(start)}", "noshow", due, shift.end_at,
                  shift=shift.id)

    for due, short in gaps.items():
        expires = max(s.start_at for s in short)
        if not g.consider(due, expires):
            continue  # (its key is made only when it is due: thousands of groups)
        # The set of shifts is part of the key: a shift that falls short after the first
        # alert makes a new one (the dispatcher leaves out shifts alerted today already).
        ids = sorted(s.id for s in short)
        which = hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:12]
        g.add(f"gap:{gid}:{iso(due)}:{which}", "gap", due, expires, shifts=ids)

    today = now.astimezone(ZoneInfo(zone)).date()
    for day in (today - timedelta(days=1), today):
        # 2. Day-before roster for the next day, if it has shifts.
        tomorrow = day + timedelta(days=1)
        if any(s.local_date == tomorrow for s in shifts):
            due = quiet.before(_local(day, rules.roster_time, zone), zone)
            g.add(f"roster:{gid}:{tomorrow.isoformat()}", "roster", due,
                  due + timedelta(hours=3), day=tomorrow.isoformat())
        # 6. Daily summary: at summary_time, or once everyone checked out if later, at the
        # latest at the last shift's end + checkout_late.
        nominal = _local(day, rules.summary_time, zone)
        ends = [s.end_at for s in shifts if s.local_date == day]
        latest = max(ends) + timedelta(minutes=rules.checkout_late) if ends else nominal
        still_in = facts.still_in.get((gid, day), 0)
        due = nominal if not still_in else max(nominal, latest)
        grace = timedelta(hours=rules.summary_grace)
        g.add(f"summary:{gid}:{day.isoformat()}", "summary", due,
              max(due, latest) + grace, day=day.isoformat())
        # 7. Weekly summary, after the daily one on `weekly_day`.
        if WEEKDAYS.index(rules.weekly_day) == day.weekday():
            week = day.isocalendar()
            monday = day - timedelta(days=day.weekday())
            after = due + timedelta(minutes=1)
            g.add(f"weekly:{gid}:{week.year}-W{week.week:02d}", "weekly", after,
                  max(after, latest) + grace, first=monday.isoformat(),
                  last=(monday + timedelta(days=6)).isoformat())
        # 8. Monthly report on the 1st, privately to the leaders (fanned out when sent).
        if day.day == 1:
            last_month = (day - timedelta(days=1)).replace(day=1)
            due = _local(day, MONTHLY_AT, zone)
            g.add(f"monthly:{gid}:{last_month:%Y-%m}", "monthly", due,
                  due + timedelta(hours=14), month=f"{last_month:%Y-%m}")
    return g


async def plan(session: AsyncSession, now: datetime) -> Plan:
    """Every notification due at `now` in every active group, and the next due time. The
    database is asked one query per kind of fact for all groups together, not per group."""
    rows = await session.execute(select(Group.id, Group.timezone, Group.settings)
                                 .where(Group.status == GroupStatus.ACTIVE))
    groups = [_Group(*row) for row in rows.all()]
    facts = await _facts(session, now)
    due: list[Planned] = []
    upcoming: list[datetime] = []
    for group in groups:
        planned = _plan_group(group, now, facts)
        due.extend(planned.items)
        if planned.next_at is not None:
            upcoming.append(planned.next_at)
    return Plan(due, min(upcoming) if upcoming else None)


async def plan_and_enqueue(
    session: AsyncSession, now: datetime, defaults: Rules = DEFAULT_RULES
) -> Plan:
    """Plan and write what is due into the outbox (existing keys are left alone)."""
    result = await plan(session, now)
    crash_point("before-enqueue")
    await outbox.enqueue(session, result.due, now=now)
    # 9. Star levels reached: in the summary now waiting, or on their own after a day.
    own = await credit.assign_announcements(
        session, now=now, defaults=defaults,
        quiet=lambda g: QuietHours.parse(settings_of(g).quiet_hours).contains(now, g.timezone),
    )
    await outbox.enqueue(session, own, now=now)
    crash_point("after-enqueue")  # written, not yet committed
    return result


def keys(items: Iterable[Planned]) -> set[str]:
    """The dedupe keys of planned items."""
    return {i.key for i in items}
