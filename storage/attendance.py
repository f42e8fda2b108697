"""Attendance: check in, check out, hours by the group's rules, corrections and no-shows.

Every instant a volunteer gives (a check-in, a check-out) is the message's own date, so a
backlog handled after an outage does not shift anyone's hours. Hours from a check-in and a
check-out are confirmed by that evidence; auto-closed and hand-entered hours count as
official only once a leader confirms them, and nobody confirms or corrects their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, hours
from storage.claims import ShiftGone, lock_shift
from storage.models import (
    Attendance,
    Claim,
    ClaimStatus,
    Evidence,
    Group,
    NoShow,
    Person,
    Shift,
    ShiftStatus,
)
from storage.settings import GroupSettings, settings_of

MAX_COMPANIONS = 20
MAX_MINUTES = 24 * 60


def snapshot(a: Attendance) -> dict[str, object]:
    """An attendance as the audit log keeps it."""
    return {
        "shift_id": a.shift_id, "date": a.local_date.isoformat(),
        "checkin_at": a.checkin_at.isoformat() if a.checkin_at else None,
        "checkout_at": a.checkout_at.isoformat() if a.checkout_at else None,
        "minutes": a.minutes, "evidence": a.evidence.value if a.evidence else None,
        "confirmed": a.confirmed, "companions": a.companions, "note": a.note,
    }


# ---- check in ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckedIn:
    """Attendance is open. A walk-in had no claim on the shift (recorded all the same)."""

    attendance: Attendance
    shift: Shift
    walk_in: bool


@dataclass(frozen=True)
class AlreadyCheckedIn:
    """One open attendance per person: this one is still open."""

    attendance: Attendance
    shift: Shift | None


@dataclass(frozen=True)
class AlreadyServed:
    """They checked in and out of this shift already."""

    attendance: Attendance
    shift: Shift


@dataclass(frozen=True)
class NoShiftNow:
    """No shift of this group is open for check-in now; `next_shift` is the coming one."""

    next_shift: Shift | None
    opens_at: datetime | None


CheckInResult = CheckedIn | AlreadyCheckedIn | AlreadyServed | NoShiftNow


async def open_attendance(session: AsyncSession, person_id: int) -> Attendance | None:
    """The person's open attendance (there is at most one), locked."""
    return await session.scalar(
        select(Attendance)
        .where(Attendance.person_id == person_id, Attendance.is_open)
        .with_for_update()
    )


async def check_in(
    session: AsyncSession,
    group: Group,
    person: Person,
    *,
    at: datetime,
    companions: int = 0,
    now: datetime,
) -> CheckInResult:
    """Open attendance on the caller's current shift (or, without a claim, as a walk-in)."""
    rules = settings_of(group)
    await close_overdue(session, now=now, person_id=person.id)
    # Lock the person so two check-ins from the same phone cannot both open one.
    await session.scalar(select(Person.id).where(Person.id == person.id).with_for_update())
    current = await open_attendance(session, person.id)
    if current is not None:
        shift = await session.get(Shift, current.shift_id) if current.shift_id else None
        return AlreadyCheckedIn(current, shift)
    early = timedelta(minutes=rules.checkin_early)
    candidates = list(
        (
            await session.scalars(
                select(Shift)
                .where(
                    Shift.group_id == group.id,
                    Shift.status == ShiftStatus.OPEN,
                    Shift.start_at <= at + early,
                    Shift.end_at >= at,
                )
                .order_by(Shift.start_at, Shift.id)
            )
        ).all()
    )
    if not candidates:
        upcoming = await session.scalar(
            select(Shift)
            .where(
                Shift.group_id == group.id, Shift.status == ShiftStatus.OPEN,
                Shift.start_at > at,
            )
            .order_by(Shift.start_at, Shift.id)
            .limit(1)
        )
        return NoShiftNow(upcoming, upcoming.start_at - early if upcoming else None)
    claimed = set(
        (
            await session.scalars(
                select(Claim.shift_id).where(
                    Claim.person_id == person.id,
                    Claim.status == ClaimStatus.ACTIVE,
                    Claim.shift_id.in_([s.id for s in candidates]),
                )
            )
        ).all()
    )
    mine = [s for s in candidates if s.id in claimed]
    shift = mine[0] if mine else min(candidates, key=lambda s: abs(s.start_at - at))
    served = await session.scalar(
        select(Attendance).where(
            Attendance.shift_id == shift.id, Attendance.person_id == person.id
        )
    )
    if served is not None:
        return AlreadyServed(served, shift)
    attendance = Attendance(
        group_id=group.id, person_id=person.id, shift_id=shift.id,
        local_date=shift.local_date, checkin_at=at, is_open=True,
        companions=max(0, min(companions, MAX_COMPANIONS)), walk_in=not mine,
        confirmed=False, created_at=now,
    )
    session.add(attendance)
    await session.flush()
    audit.record(
        session, at=now, action="attendance.checkin", object_type="attendance",
        object_id=attendance.id, actor=person.telegram_user_id, group_id=group.id,
        after=snapshot(attendance),
    )
    return CheckedIn(attendance, shift, walk_in=not mine)


# ---- check out -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckedOut:
    """Attendance closed with its minutes. `auto`: the check-out came after the deadline."""

    attendance: Attendance
    shift: Shift | None


@dataclass(frozen=True)
class NotCheckedIn:
    """Nothing open; `last` is the latest closed attendance in this group, if any."""

    last: Attendance | None


@dataclass(frozen=True)
class CheckedInElsewhere:
    """The open attendance belongs to another group's shift."""

    attendance: Attendance


CheckOutResult = CheckedOut | NotCheckedIn | CheckedInElsewhere


def _close(
    attendance: Attendance, shift: Shift, rules: GroupSettings, checkout: datetime
) -> None:
    """Close with the hour rules; a check-out after end + checkout_late is a forgotten one."""
    late = timedelta(minutes=rules.checkout_late)
    deadline = shift.end_at + late
    checkin = attendance.checkin_at or shift.start_at
    attendance.is_open = False
    if checkout > deadline:
        # Forgotten: closed at the deadline, counted to the scheduled end (nobody saw them
        # stay later), and official only once a leader confirms it.
        attendance.checkout_at = deadline
        attendance.evidence = Evidence.AUTO
        attendance.confirmed = False
        attendance.minutes = hours.served_minutes(
            rules.hours_mode, checkin=checkin, checkout=shift.end_at,
            start=shift.start_at, end=shift.end_at, late=late,
        )
        return
    attendance.checkout_at = checkout
    attendance.evidence = Evidence.CHECKOUT
    attendance.confirmed = True
    attendance.minutes = hours.served_minutes(
        rules.hours_mode, checkin=checkin, checkout=checkout,
        start=shift.start_at, end=shift.end_at, late=late,
    )


async def check_out(
    session: AsyncSession, group: Group, person: Person, *, at: datetime, now: datetime
) -> CheckOutResult:
    """Close the caller's open attendance with the hours the group's rules give."""
    current = await open_attendance(session, person.id)
    if current is None:
        last = await session.scalar(
            select(Attendance)
            .where(Attendance.person_id == person.id, Attendance.group_id == group.id)
            .order_by(Attendance.created_at.desc(), Attendance.id.desc())
            .limit(1)
        )
        return NotCheckedIn(last)
    if current.group_id != group.id:
        return CheckedInElsewhere(current)
    shift = await session.get(Shift, current.shift_id) if current.shift_id else None
    before = snapshot(current)
    if shift is None:  # an open record without a shift cannot happen; close it as it stands
        current.is_open, current.checkout_at, current.minutes = False, at, 0
    else:
        _close(current, shift, settings_of(group), at)
    audit.record(
        session, at=now, action="attendance.checkout", object_type="attendance",
        object_id=current.id, actor=person.telegram_user_id, group_id=group.id,
        before=before, after=snapshot(current),
    )
    return CheckedOut(current, shift)


async def close_overdue(
    session: AsyncSession, *, now: datetime, person_id: int | None = None
) -> list[Attendance]:
    """Close every forgotten check-out whose shift ended more than checkout_late ago."""
    query = (
        select(Attendance, Shift, Group)
        .join(Shift, Shift.id == Attendance.shift_id)
        .join(Group, Group.id == Attendance.group_id)
        .where(Attendance.is_open, Shift.end_at < now)
        .with_for_update(of=Attendance)
    )
    if person_id is not None:
        query = query.where(Attendance.person_id == person_id)
    closed = []
    for attendance, shift, group in (await session.execute(query)).all():
        rules = settings_of(group)
        if shift.end_at + timedelta(minutes=rules.checkout_late) > now:
            continue
        before = snapshot(attendance)
        _close(attendance, shift, rules, now)
        audit.record(
            session, at=now, action="attendance.autoclose", object_type="attendance",
            object_id=attendance.id, actor=None, group_id=group.id, before=before,
            after=snapshot(attendance),
        )
        closed.append(attendance)
    return closed


# ---- leaders: hours by hand, confirmation ----------------------------------------------------

@dataclass(frozen=True)
class HoursSet:
    """A record was added (`before` None) or corrected; confirmed by the leader who did it."""

    attendance: Attendance
    before: dict[str, object] | None


@dataclass(frozen=True)
class OwnHours:
    """Nobody enters, corrects or confirms their own hours."""


@dataclass(frozen=True)
class WhichRecord:
    """Several records that day: the leader must give the time (`19:00-21:00`)."""

    records: list[Attendance]


SetHoursResult = HoursSet | OwnHours | WhichRecord


async def records_of_day(
    session: AsyncSession, group_id: int, person_id: int, day: date
) -> list[Attendance]:
    """The person's attendances in the group on a local date."""
    rows = await session.scalars(
        select(Attendance)
        .where(
            Attendance.group_id == group_id, Attendance.person_id == person_id,
            Attendance.local_date == day,
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
    group_id: int,
    person: Person,
    *,
    day: date,
    minutes: int,
    span: tuple[datetime, datetime] | None,
    note: str | None,
    actor: int,
    now: datetime,
) -> SetHoursResult:
    """Add hours for a day (ad-hoc service too) or correct that day's record."""
    if actor == person.telegram_user_id:
        return OwnHours()
    records = await records_of_day(session, group_id, person.id, day)
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
    before = snapshot(target) if target is not None else None
    if target is None:
        target = Attendance(
            group_id=group_id, person_id=person.id, shift_id=None, local_date=day,
            companions=0, walk_in=False, created_at=now,
        )
        session.add(target)
    target.is_open = False
    target.minutes = max(0, min(minutes, MAX_MINUTES))
    target.evidence = Evidence.MANUAL
    target.confirmed, target.confirmed_by, target.confirmed_at = True, actor, now
    if span is not None:
        target.checkin_at, target.checkout_at = span
    target.note = note or target.note
    await session.flush()
    audit.record(
        session, at=now, action="hours.correct" if before else "hours.add",
        object_type="attendance", object_id=target.id, actor=actor, group_id=group_id,
        before=before, after=snapshot(target), note=note,
    )
    return HoursSet(target, before)


@dataclass(frozen=True)
class DayConfirmed:
    """How many records a leader confirmed; their own wait for another leader."""

    confirmed: int
    own_skipped: int
    still_open: int


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
                Attendance.confirmed.is_(False),
            )
            .with_for_update(of=Attendance)
        )
    ).all()
    confirmed, own, still_open = [], 0, 0
    for attendance, telegram_id in rows:
        if attendance.is_open:
            still_open += 1
        elif telegram_id == actor:
            own += 1
        else:
            attendance.confirmed, attendance.confirmed_by = True, actor
            attendance.confirmed_at = now
            confirmed.append(attendance.id)
    if confirmed:
        audit.record(
            session, at=now, action="hours.confirm", object_type="group", object_id=group_id,
            actor=actor, group_id=group_id, after={"date": day.isoformat(), "ids": confirmed},
        )
    return DayConfirmed(len(confirmed), own, still_open)


# ---- no-shows ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoShowMarked:
    """Recorded; `count` is the person's no-shows in this group so far."""

    shift: Shift
    count: int


@dataclass(frozen=True)
class NoShowAlready:
    """Marked before."""

    shift: Shift
    count: int


@dataclass(frozen=True)
class NotStartedYet:
    """A no-show can only be marked once the shift has started."""

    shift: Shift


@dataclass(frozen=True)
class NotClaimed:
    """The person had no place on the shift."""

    shift: Shift


@dataclass(frozen=True)
class CameAfterAll:
    """They checked in: not a no-show."""

    shift: Shift


NoShowResult = NoShowMarked | NoShowAlready | NotStartedYet | NotClaimed | CameAfterAll | ShiftGone


async def no_show_count(session: AsyncSession, group_id: int, person_id: int) -> int:
    """How many no-shows a person has in a group (for leaders' eyes only)."""
    return int(
        await session.scalar(
            select(func.count()).select_from(NoShow).where(
                NoShow.group_id == group_id, NoShow.person_id == person_id
            )
        ) or 0
    )


async def mark_no_show(
    session: AsyncSession,
    group_id: int,
    shift_id: int,
    person: Person,
    *,
    reason: str | None,
    actor: int,
    now: datetime,
) -> NoShowResult:
    """A leader records that a claimed volunteer did not come."""
    shift = await lock_shift(session, shift_id, group_id)
    if shift is None or shift.status is not ShiftStatus.OPEN:
        return ShiftGone()
    if shift.start_at > now:
        return NotStartedYet(shift)
    existing = await session.scalar(
        select(NoShow).where(NoShow.shift_id == shift.id, NoShow.person_id == person.id)
    )
    if existing is not None:
        return NoShowAlready(shift, await no_show_count(session, group_id, person.id))
    came = await session.scalar(
        select(Attendance.id).where(
            Attendance.shift_id == shift.id, Attendance.person_id == person.id
        )
    )
    if came is not None:
        return CameAfterAll(shift)
    claimed = await session.scalar(
        select(Claim.id).where(
            Claim.shift_id == shift.id, Claim.person_id == person.id,
            Claim.status == ClaimStatus.ACTIVE,
        )
    )
    if claimed is None:
        return NotClaimed(shift)
    row = NoShow(
        group_id=group_id, shift_id=shift.id, person_id=person.id, reason=reason,
        marked_by=actor, marked_at=now,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session, at=now, action="noshow.mark", object_type="shift", object_id=shift.id,
        actor=actor, group_id=group_id, after={"person_id": person.id, "reason": reason},
    )
    return NoShowMarked(shift, await no_show_count(session, group_id, person.id))


# ---- totals --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Minutes:
    """Confirmed (official) and pending (awaiting a leader) minutes."""

    confirmed: int = 0
    pending: int = 0


async def minutes_since(
    session: AsyncSession, person_id: int, since: date | None
) -> Minutes:
    """A person's closed hours since a date (all time with None), across their groups."""
    query = (
        select(Attendance.confirmed, func.coalesce(func.sum(Attendance.minutes), 0))
        .where(Attendance.person_id == person_id, Attendance.is_open.is_(False))
        .group_by(Attendance.confirmed)
    )
    if since is not None:
        query = query.where(Attendance.local_date >= since)
    sums = {bool(c): int(m or 0) for c, m in (await session.execute(query)).all()}
    return Minutes(confirmed=sums.get(True, 0), pending=sums.get(False, 0))
