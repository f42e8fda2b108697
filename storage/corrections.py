"""Leaders' corrections: hours entered or corrected by hand, voids (作废), confirmations.

Nobody enters, corrects or confirms their own hours; every change is audited with before and
after; a record never overlaps another of the person's, in any group, and a day never holds
more than 24 hours (the rules live in `storage.attendance` and `storage.hours`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.attendance import (
    CheckSource,
    Overlaps,
    day_minutes,
    overlapping,
    snapshot,
)
from storage.claims import lock_person
from storage.duties import local_today
from storage.hours import DAY_MINUTES
from storage.models import Attendance, Evidence, Group, Person, Shift
from storage.settings import settings_of


@dataclass(frozen=True)
class HoursSet:
    """A record was added (`before` None) or corrected; confirmed by the leader who did it."""

    attendance: Attendance
    before: dict[str, object] | None


@dataclass(frozen=True)
class Voided:
    """The record is marked 作废: it stays in the ledger and counts nowhere."""

    attendance: Attendance
    before: dict[str, object]


@dataclass(frozen=True)
class OwnHours:
    """Nobody enters, corrects or confirms their own hours."""


@dataclass(frozen=True)
class WhichRecord:
    """Several records that day: the leader must give the time (`19:00-21:00`)."""

    records: list[Attendance]


@dataclass(frozen=True)
class FutureDay:
    """Hours cannot be entered for a day still ahead."""

    today: date


@dataclass(frozen=True)
class TooFarBack:
    """Older than the group's `hours_backdate_days`: `earliest` is the first day allowed."""

    earliest: date
    days: int


@dataclass(frozen=True)
class ZeroNothingToVoid:
    """0 hours adds nothing: there is no record that day to void."""


@dataclass(frozen=True)
class VoidNeedsReason:
    """Voiding a record (0 hours) needs a reason, for the ledger."""

    attendance: Attendance


@dataclass(frozen=True)
class DayFull:
    """The person's day would pass 24 hours: `other` minutes are recorded already."""

    other: int


@dataclass(frozen=True)
class NotMemberThen:
    """A former member: only records from when they were a member may be corrected."""


SetHoursResult = (
    HoursSet | Voided | OwnHours | WhichRecord | FutureDay | TooFarBack | ZeroNothingToVoid
    | VoidNeedsReason | DayFull | Overlaps | NotMemberThen
)


def hours_day_problem(day: date, today: date, backdate_days: int) -> FutureDay | TooFarBack | None:
    """May a leader enter or correct hours for this day? Not ahead, not too far back."""
    if day > today:
        return FutureDay(today)
    earliest = today - timedelta(days=backdate_days)
    if day < earliest:
        return TooFarBack(earliest, backdate_days)
    return None


async def records_of_day(
    session: AsyncSession, group_id: int, person_id: int, day: date
) -> list[Attendance]:
    """The person's live (not voided) attendances in the group on a local date."""
    rows = await session.scalars(
        select(Attendance)
        .where(
            Attendance.group_id == group_id, Attendance.person_id == person_id,
            Attendance.local_date == day, Attendance.voided.is_(False),
        )
        .order_by(Attendance.checkin_at, Attendance.id)
    )
    return list(rows.all())


def _overlaps(a: Attendance, shift: Shift | None, first: datetime, last: datetime) -> bool:
    begin = shift.start_at if shift else a.checkin_at
    end = shift.end_at if shift else a.checkout_at
    return begin is not None and end is not None and begin < last and end > first


async def set_hours(
    session: AsyncSession,
    group: Group,
    person: Person,
    *,
    day: date,
    minutes: int,
    span: tuple[datetime, datetime] | None,
    note: str | None,
    actor: int,
    now: datetime,
    former_member: bool = False,
) -> SetHoursResult:
    """Add hours for a day (ad-hoc service too), correct that day's record, or void it (0).

    The rules, in order: never one's own; not ahead and not older than
    `hours_backdate_days`; a former member's existing records only; 0 voids a record (with a
    reason) and adds nothing; the span may not overlap another of the person's records in
    any group; a day never holds more than 24 hours.
    """
    if actor == person.telegram_user_id:
        return OwnHours()
    rules = settings_of(group)
    today = local_today(group.timezone, now)
    problem = hours_day_problem(day, today, rules.hours_backdate_days)
    if problem is not None:
        return problem
    if span is not None and span[1] > now:
        return FutureDay(today)  # hours are recorded after the service, not for tonight
    await lock_person(session, person.id)
    records = await records_of_day(session, group.id, person.id, day)
    target: Attendance | None
    if span is not None:
        shifts = {s.id: s for s in [await session.get(Shift, r.shift_id)
                                   for r in records if r.shift_id] if s}
        matching = [
            r for r in records
            if _overlaps(r, shifts.get(r.shift_id or 0), span[0], span[1])
        ]
        if len(matching) > 1:
            return WhichRecord(matching)
        target = matching[0] if matching else None
    elif len(records) > 1:
        return WhichRecord(records)
    else:
        target = records[0] if records else None
    if target is None and former_member:
        return NotMemberThen()
    if minutes <= 0:
        if target is None:
            return ZeroNothingToVoid()
        if not note:
            return VoidNeedsReason(target)
        return _void(session, group.id, target, note=note, actor=actor, now=now)
    if target is not None and target.is_open:
        return WhichRecord([target])
    if span is not None:
        clash = await overlapping(
            session, person.id, span[0], span[1],
            except_id=target.id if target is not None else None,
        )
        if clash is not None:
            return clash
    other = await day_minutes(
        session, person.id, day, except_id=target.id if target is not None else None
    )
    if other + minutes > DAY_MINUTES:
        return DayFull(other)
    before = snapshot(target) if target is not None else None
    if target is None:
        target = Attendance(
            group_id=group.id, person_id=person.id, shift_id=None, local_date=day,
            companions=0, walk_in=False, created_at=now,
            checkin_source=CheckSource.LEADER.value, checkout_source=CheckSource.LEADER.value,
        )
        session.add(target)
    target.is_open = False
    target.minutes = minutes
    target.evidence = Evidence.MANUAL
    target.confirmed, target.confirmed_by, target.confirmed_at = True, actor, now
    if span is not None:
        target.checkin_at, target.checkout_at = span
        target.served_from, target.served_until = span
    elif target.served_from is not None and target.served_until is not None:
        # The span stays where it was; only the hours changed.
        pass
    target.note = note or target.note
    await session.flush()
    audit.record(
        session, at=now, action="hours.correct" if before else "hours.add",
        object_type="attendance", object_id=target.id, actor=actor, group_id=group.id,
        before=before, after=snapshot(target), note=note,
    )
    return HoursSet(target, before)


def _void(
    session: AsyncSession, group_id: int, target: Attendance, *, note: str, actor: int,
    now: datetime,
) -> Voided:
    before = snapshot(target)
    target.voided = True
    target.is_open = False
    target.note = note
    target.confirmed_by, target.confirmed_at = actor, now
    audit.record(
        session, at=now, action="hours.void", object_type="attendance", object_id=target.id,
        actor=actor, group_id=group_id, before=before, after=snapshot(target), note=note,
    )
    return Voided(target, before)


@dataclass(frozen=True)
class DayConfirmed:
    """The records a leader confirmed; their own wait for another leader."""

    records: list[Attendance]
    own_skipped: int
    still_open: int

    @property
    def confirmed(self) -> int:
        """How many were confirmed."""
        return len(self.records)


async def confirm_day(
    session: AsyncSession, group_id: int, day: date, *, actor: int, now: datetime
) -> DayConfirmed:
    """Confirm a day's unconfirmed (auto-closed) records, except the leader's own."""
    rows = (
        await session.execute(
            select(Attendance, Person.telegram_user_id)
            .join(Person, Person.id == Attendance.person_id)
            .where(
                Attendance.group_id == group_id, Attendance.local_date == day,
                Attendance.confirmed.is_(False), Attendance.voided.is_(False),
            )
            .order_by(Attendance.id)
            .with_for_update(of=Attendance)
        )
    ).all()
    confirmed: list[Attendance] = []
    own, still_open = 0, 0
    for attendance, telegram_id in rows:
        if attendance.is_open:
            still_open += 1
        elif telegram_id == actor:
            own += 1
        else:
            attendance.confirmed, attendance.confirmed_by = True, actor
            attendance.confirmed_at = now
            confirmed.append(attendance)
    if confirmed:
        audit.record(
            session, at=now, action="hours.confirm", object_type="group", object_id=group_id,
            actor=actor, group_id=group_id,
            after={"date": day.isoformat(), "ids": [a.id for a in confirmed]},
        )
    return DayConfirmed(confirmed, own, still_open)


