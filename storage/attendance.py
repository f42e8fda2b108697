"""Attendance: check in, check out, hours by the group's rules, corrections and no-shows.

Every instant a volunteer gives (a check-in, a check-out) is the message's own date, so a
backlog handled after an outage does not shift anyone's hours. Hours from a check-in and a
check-out are confirmed by that evidence; auto-closed and hand-entered hours count as
official only once a leader confirms them, and nobody confirms or corrects their own.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeAlias

from sqlalchemy import ColumnElement, Row, Select, bindparam, event, func, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from storage import audit, hours
from storage.claims import lock_person, lock_shift
from storage.cleaning import name_key
from storage.hours import DAY_MINUTES, Minutes, tally
from storage.models import (
    Attendance,
    Claim,
    ClaimStatus,
    Duty,
    Evidence,
    Group,
    Person,
    Shift,
    ShiftStatus,
)
from storage.settings import GroupSettings, settings_of


def _flag_unsettled(target: Attendance, value: object, old: object, _: object) -> None:
    """Whatever changes what a record's confirmed minutes rest on (a check-out, a leader's
    correction, a void, a confirmation), it waits for storage.credit to credit points and
    star levels (which writes nothing when the confirmed minutes came out the same)."""
    if value != old:
        target.unsettled = True


for _column in (Attendance.minutes, Attendance.confirmed, Attendance.voided,
                Attendance.is_open):
    event.listen(_column, "set", _flag_unsettled)

MAX_COMPANIONS = 20
MAX_MINUTES = DAY_MINUTES


def snapshot(a: Attendance) -> dict[str, object]:
    """An attendance as the audit log keeps it."""
    return {
        "shift_id": a.shift_id, "date": a.local_date.isoformat(),
        "checkin_at": a.checkin_at.isoformat() if a.checkin_at else None,
        "checkout_at": a.checkout_at.isoformat() if a.checkout_at else None,
        "minutes": a.minutes, "evidence": a.evidence.value if a.evidence else None,
        "confirmed": a.confirmed, "companions": a.companions, "note": a.note,
        "voided": a.voided,
    }


# ---- a person's records never overlap -------------------------------------------------------

@dataclass(frozen=True)
class Overlaps:
    """The span asked for overlaps one of the person's records (in any group): that one."""

    attendance: Attendance
    shift: Shift | None
    duty_name: str | None
    group_title: str


@functools.cache
def _overlapping(until: bool, excepting: bool) -> Select[Attendance, str]:
    """`overlapping`'s query, built once for each form (every check-in asks)."""
    query = (
        select(Attendance, Group.title)
        .join(Group, Group.id == Attendance.group_id)
        .where(
            Attendance.person_id == bindparam("person"),
            Attendance.voided.is_(False),
            Attendance.served_from.is_not(None),
            or_(Attendance.served_until.is_(None),
                Attendance.served_until > bindparam("first")),
        )
        .order_by(Attendance.served_from, Attendance.id)
    )
    if until:
        query = query.where(Attendance.served_from < bindparam("last"))
    if excepting:
        query = query.where(Attendance.id != bindparam("except"))
    return query.limit(1)


async def overlapping(
    session: AsyncSession,
    person_id: int,
    first: datetime,
    last: datetime | None,
    *,
    except_id: int | None = None,
) -> Overlaps | None:
    """The person's live record whose credited span overlaps [first, last), if any."""
    row = (await session.execute(
        _overlapping(last is not None, except_id is not None),
        {"person": person_id, "first": first, "last": last, "except": except_id},
    )).first()
    if row is None:
        return None
    record, title = row
    shift = await session.get(Shift, record.shift_id) if record.shift_id else None
    duty = await session.get(Duty, shift.duty_id) if shift is not None else None
    return Overlaps(record, shift, duty.name if duty else None, title)


async def day_minutes(
    session: AsyncSession, person_id: int, day: date, *, except_id: int | None = None
) -> int:
    """A person's counted minutes on a local date, across their groups."""
    query = select(Attendance).where(
        Attendance.person_id == person_id, Attendance.local_date == day
    )
    if except_id is not None:
        query = query.where(Attendance.id != except_id)
    found = tally((await session.scalars(query)).all())
    return found.confirmed + found.pending


# ---- check in ------------------------------------------------------------------------------

class CheckSource(enum.StrEnum):
    """How presence was shown at one end of an attendance (Attendance.checkin_source and
    checkout_source)."""

    GROUP = "group"  # /checkin, /checkout in the group
    PRIVATE = "private"  # /checkin in the private chat, without a location there
    LEADER = "leader"  # entered by a leader (/hours)
    SCAN = "scan"  # the place's QR code, scanned (a photo of it works from anywhere)
    LOCATION = "location"  # a shared location within the place's radius (a check, not proof)
    AUTO = "auto"  # a forgotten check-out, closed by the bot


def proof_shown(rules: GroupSettings, attendance: Attendance) -> bool:
    """Did the check-in show what the team asks for its hours to stand without a leader
    (`checkin_proof`: anything; a scan of the place's code, or a location there; a location
    within the place's radius)?"""
    shown = {
        "qr": (CheckSource.SCAN, CheckSource.LOCATION), "location": (CheckSource.LOCATION,),
    }.get(rules.checkin_proof)
    return shown is None or attendance.checkin_source in shown


@dataclass(frozen=True)
class CheckedIn:
    """Attendance is open. A walk-in had no claim on the shift (recorded all the same);
    `elsewhere` are the shifts running at other places then, where it could move."""

    attendance: Attendance
    shift: Shift
    walk_in: bool
    elsewhere: list[tuple[Shift, str]] = field(default_factory=list)


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


@dataclass(frozen=True)
class NoShiftAtPlace:
    """No shift open for check-in now at the place named; `places` are those that are."""

    place: str
    places: list[str]


CheckInResult = (
    CheckedIn | AlreadyCheckedIn | AlreadyServed | NoShiftNow | Overlaps | NoShiftAtPlace
)


def place_matches(place: str | None, wanted: str) -> bool:
    """Does a duty's place answer to what someone typed (`3号点` for `3号投放点` too)?"""
    if not place:
        return False
    have, want = name_key(place), name_key(wanted)
    # From the start only: `3号点` is not `13号投放点`.
    return bool(want) and (have.startswith(want) or have.startswith(_initials(want)))


def _initials(text: str) -> str:
    # `3号点` → `3号`: the number of a collection point is what people say.
    return text[:-1] if len(text) > 2 and text.endswith("点") else text


async def _duties_of(session: AsyncSession, shifts: list[Shift]) -> dict[int, Duty]:
    known = {s.duty.id: s.duty for s in shifts if _loaded(s, "duty")}
    missing = {s.duty_id for s in shifts} - known.keys()
    if missing:
        known |= {d.id: d for d in await session.scalars(select(Duty).where(Duty.id.in_(missing)))}
    return known


def _loaded(row: object, attribute: str) -> bool:
    """Was the relationship loaded with the row (so reading it costs no query)?"""
    return attribute not in inspect(row).unloaded


async def _at_place(session: AsyncSession, shifts: list[Shift], place: str) -> list[Shift]:
    duties = await _duties_of(session, shifts)
    exact = [s for s in shifts if name_key(duties[s.duty_id].place or "") == name_key(place)]
    return exact or [s for s in shifts if place_matches(duties[s.duty_id].place, place)]


async def _places_of(
    session: AsyncSession, group_id: int, at: datetime, early: timedelta
) -> list[str]:
    shifts = list((await session.scalars(
        select(Shift).where(
            Shift.group_id == group_id, Shift.status == ShiftStatus.OPEN,
            Shift.start_at <= at + early, Shift.end_at >= at,
        )
    )).all())
    duties = await _duties_of(session, shifts)
    return sorted({duties[s.duty_id].place or "" for s in shifts} - {""})


async def place_of(session: AsyncSession, attendance: Attendance) -> str | None:
    """The place of the shift an attendance is on (None: no shift, or no place)."""
    if attendance.shift_id is None:
        return None
    return await session.scalar(
        select(Duty.place).join(Shift, Shift.duty_id == Duty.id)
        .where(Shift.id == attendance.shift_id)
    )


async def open_places(session: AsyncSession, group: Group, at: datetime) -> list[str]:
    """The places with a shift open for check-in at `at`."""
    early = timedelta(minutes=settings_of(group).checkin_early)
    return await _places_of(session, group.id, at, early)


async def most_needed(session: AsyncSession, shifts: list[Shift], at: datetime) -> Shift:
    """The shift that needs people most: the biggest shortfall of people checked in, then
    the nearest start. Where a walk-in is put when they name no place."""
    there = dict(
        (
            await session.execute(
                select(Attendance.shift_id, func.count())
                .where(
                    Attendance.shift_id.in_([s.id for s in shifts]),
                    Attendance.voided.is_(False),
                )
                .group_by(Attendance.shift_id)
            )
        ).all()
    )
    return min(
        shifts,
        key=lambda s: (-(s.need_min - int(there.get(s.id, 0))), abs(s.start_at - at), s.id),
    )


# Built once, the values bound at each call (asked on every check-in).
_RUNNING = (  # shifts one may check in to now, with their duties (for the answer)
    select(Shift)
    .join(Shift.duty).options(contains_eager(Shift.duty))
    .where(
        Shift.group_id == bindparam("group"),
        Shift.status == ShiftStatus.OPEN,
        Shift.start_at <= bindparam("opens"),
        Shift.end_at >= bindparam("at"),
    )
    .order_by(Shift.start_at, Shift.id)
)
_CLAIMED_AMONG = select(Claim.shift_id).where(
    Claim.person_id == bindparam("person"),
    Claim.status == ClaimStatus.ACTIVE,
    Claim.shift_id.in_(bindparam("shifts", expanding=True)),
)
_SERVED_AMONG = select(Attendance).where(
    Attendance.person_id == bindparam("person"),
    Attendance.shift_id.in_(bindparam("shifts", expanding=True)),
)
_OPEN_RECORDS = (
    select(Attendance, Group)
    .outerjoin(Attendance.shift).options(contains_eager(Attendance.shift))
    .join(Group, Group.id == Attendance.group_id)
    .where(Attendance.person_id == bindparam("person"), Attendance.is_open)
    .with_for_update(of=Attendance)
)


async def open_attendance(session: AsyncSession, person_id: int, *,
                          lock: bool = True) -> Attendance | None:
    """The person's open attendance (there is at most one), locked unless only looked at."""
    found = select(Attendance).where(Attendance.person_id == person_id, Attendance.is_open)
    return await session.scalar(found.with_for_update() if lock else found)


async def check_in(
    session: AsyncSession,
    group: Group,
    person: Person,
    *,
    at: datetime,
    companions: int = 0,
    place: str | None = None,
    source: CheckSource = CheckSource.GROUP,
    now: datetime,
) -> CheckInResult:
    """Open attendance on the caller's current shift (or, without a claim, as a walk-in).

    A walk-in when several shifts run is checked in at the place that needs people most
    (then the nearest start); `place` names it directly (`/checkin 3号点`).
    """
    rules = settings_of(group)
    # Lock the person so two check-ins from the same phone cannot both open one.
    await lock_person(session, person.id)
    current = await open_attendance_now(session, person.id, now=now)
    if current is not None:
        return AlreadyCheckedIn(current, current.shift)
    early = timedelta(minutes=rules.checkin_early)
    candidates = list(
        (await session.scalars(_RUNNING, {"group": group.id, "at": at, "opens": at + early})).all()
    )
    if not candidates:
        coming = select(Shift).where(
            Shift.group_id == group.id, Shift.status == ShiftStatus.OPEN, Shift.start_at > at,
        ).order_by(Shift.start_at, Shift.id)
        if place is None:
            upcoming = await session.scalar(coming.limit(1))
        else:  # the next one at the place named (a scan there)
            there = await _at_place(session, list(await session.scalars(coming.limit(50))),
                                    place)
            upcoming = there[0] if there else None
        return NoShiftNow(upcoming, upcoming.start_at - early if upcoming else None)
    if place is not None:
        candidates = await _at_place(session, candidates, place)
        if not candidates:
            return NoShiftAtPlace(place, await _places_of(session, group.id, at, early))
    among = {"person": person.id, "shifts": [s.id for s in candidates]}
    claimed = set((await session.scalars(_CLAIMED_AMONG, among)).all())
    done = {a.shift_id: a for a in (await session.scalars(_SERVED_AMONG, among)).all()}
    mine = [s for s in candidates if s.id in claimed and s.id not in done]
    fresh = [s for s in candidates if s.id not in done]
    if not fresh:
        shift = next((s for s in candidates if s.id in claimed), candidates[0])
        return AlreadyServed(done[shift.id], shift)
    shift = mine[0] if mine else await most_needed(session, fresh, at)
    # The span this check-in would be credited for, at the least.
    first = shift.start_at if rules.hours_mode == "scheduled" else max(at, shift.start_at)
    clash = await overlapping(session, person.id, first, shift.end_at)
    if clash is not None:
        return clash
    attendance = Attendance(
        group_id=group.id, person_id=person.id, shift_id=shift.id,
        local_date=shift.local_date, checkin_at=at, is_open=True,
        companions=max(0, min(companions, MAX_COMPANIONS)), walk_in=not mine,
        confirmed=False, created_at=now, served_from=first, checkin_source=source.value,
    )
    session.add(attendance)
    await session.flush()
    audit.record(
        session, at=now, action="attendance.checkin", object_type="attendance",
        object_id=attendance.id, actor=person.telegram_user_id, group_id=group.id,
        after=snapshot(attendance),
    )
    elsewhere: list[tuple[Shift, str]] = []
    if not mine:
        duties = await _duties_of(session, candidates)
        here = duties[shift.duty_id].place
        elsewhere = [
            (s, duties[s.duty_id].place or "") for s in fresh
            if s.id != shift.id and duties[s.duty_id].place and duties[s.duty_id].place != here
        ]
    return CheckedIn(attendance, shift, walk_in=not mine, elsewhere=elsewhere)


# ---- "not here?": a walk-in moves to the place they are at --------------------------------

@dataclass(frozen=True)
class Moved:
    """The walk-in's open record now belongs to `shift` (at `place`)."""

    attendance: Attendance
    shift: Shift
    place: str


@dataclass(frozen=True)
class NothingToMove:
    """The person has no open walk-in check-in in this group."""


@dataclass(frozen=True)
class NotRunningThen:
    """That shift was not open for check-in when they checked in (or is already theirs)."""


MoveResult = Moved | NothingToMove | NotRunningThen | Overlaps


async def move_walk_in(
    session: AsyncSession, group: Group, person: Person, shift_id: int, *, now: datetime
) -> MoveResult:
    """Move a walk-in's open check-in to another place's shift of the same time (audited)."""
    await lock_person(session, person.id)  # the person first, then their record and the shift
    current = await open_attendance(session, person.id)
    if current is None or current.group_id != group.id or not current.walk_in:
        return NothingToMove()
    target = await lock_shift(session, shift_id, group.id)
    rules = settings_of(group)
    checkin = current.checkin_at or now
    early = timedelta(minutes=rules.checkin_early)
    if (
        target is None or target.status is not ShiftStatus.OPEN
        or target.id == current.shift_id
        or not (target.start_at <= checkin + early and target.end_at >= checkin)
    ):
        return NotRunningThen()
    there = await session.scalar(
        select(Attendance.id).where(
            Attendance.shift_id == target.id, Attendance.person_id == person.id
        )
    )
    if there is not None:
        return NotRunningThen()
    first = target.start_at if rules.hours_mode == "scheduled" else max(checkin, target.start_at)
    clash = await overlapping(session, person.id, first, target.end_at, except_id=current.id)
    if clash is not None:
        return clash
    claimed = await session.scalar(
        select(Claim.id).where(
            Claim.shift_id == target.id, Claim.person_id == person.id,
            Claim.status == ClaimStatus.ACTIVE,
        )
    )
    before = snapshot(current)
    current.shift_id, current.local_date = target.id, target.local_date
    current.served_from, current.walk_in = first, claimed is None
    audit.record(
        session, at=now, action="attendance.move", object_type="attendance",
        object_id=current.id, actor=person.telegram_user_id, group_id=group.id,
        before=before, after=snapshot(current),
    )
    duty = await session.get(Duty, target.duty_id)
    return Moved(current, target, (duty.place if duty else None) or "")


# ---- check out -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckedOut:
    """Attendance closed with its minutes (`attendance.evidence` AUTO: forgotten).

    `too_short`: there for less than `min_presence` minutes, so nothing was credited;
    `capped`: the day's 24 hours were reached, so fewer minutes were credited.
    """

    attendance: Attendance
    shift: Shift | None
    too_short: bool = False
    capped: bool = False
    min_presence: int = 0


@dataclass(frozen=True)
class NotCheckedIn:
    """Nothing open; `last` is the latest closed attendance in this group, if any."""

    last: Attendance | None


@dataclass(frozen=True)
class CheckedInElsewhere:
    """The open attendance belongs to another group's shift."""

    attendance: Attendance


CheckOutResult = CheckedOut | NotCheckedIn | CheckedInElsewhere


async def _close(
    session: AsyncSession,
    attendance: Attendance,
    shift: Shift,
    rules: GroupSettings,
    checkout: datetime,
    *,
    forgotten: bool,
) -> CheckedOut:
    """Close with the hour rules.

    A check-out after end + checkout_late, and anything the bot closes itself, is a
    forgotten one: closed at that deadline, counted to the scheduled end (nobody saw them
    stay later), and official only once a leader confirms it. So is a walk-in's.
    """
    late = timedelta(minutes=rules.checkout_late)
    deadline = shift.end_at + late
    checkin = attendance.checkin_at or shift.start_at
    forgotten = forgotten or checkout > deadline
    attendance.is_open = False
    if forgotten:
        attendance.checkout_at = deadline
        attendance.evidence = Evidence.AUTO
        counted_to = shift.end_at
    else:
        attendance.checkout_at = checkout
        attendance.evidence = Evidence.CHECKOUT
        counted_to = checkout
    attendance.confirmed = not forgotten and not attendance.walk_in and proof_shown(
        rules, attendance)
    short = not forgotten and hours.too_short(checkin, checkout, rules.min_presence)
    first, last = hours.served_span(
        rules.hours_mode, checkin=checkin, checkout=counted_to, start=shift.start_at,
        end=shift.end_at, late=late,
    )
    minutes = 0 if short else hours.span_minutes(first, last)
    room = DAY_MINUTES - await day_minutes(
        session, attendance.person_id, attendance.local_date, except_id=attendance.id
    )
    capped = minutes > room
    attendance.minutes = max(0, min(minutes, room))
    if attendance.minutes:
        attendance.served_from, attendance.served_until = first, last
    else:
        attendance.served_from = attendance.served_until = None
    return CheckedOut(
        attendance, shift, too_short=short, capped=capped, min_presence=rules.min_presence
    )


async def check_out(
    session: AsyncSession, group: Group, person: Person, *, at: datetime, now: datetime,
    source: CheckSource = CheckSource.GROUP,
) -> CheckOutResult:
    """Close the caller's open attendance with the hours the group's rules give."""
    await lock_person(session, person.id)
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
        current.served_from = current.served_until = None
        result = CheckedOut(current, None)
    else:
        result = await _close(session, current, shift, settings_of(group), at, forgotten=False)
    current.checkout_source = source.value
    audit.record(
        session, at=now, action="attendance.checkout", object_type="attendance",
        object_id=current.id, actor=person.telegram_user_id, group_id=group.id,
        before=before, after=snapshot(current),
    )
    return result


@functools.cache
def _overdue(of_person: bool, of_group: bool) -> Select[Attendance, Shift, Group]:
    """`close_overdue`'s query, built once for each form (every /today asks)."""
    query = (
        select(Attendance, Shift, Group)
        .join(Shift, Shift.id == Attendance.shift_id)
        .join(Group, Group.id == Attendance.group_id)
        .where(Attendance.is_open, Shift.end_at < bindparam("now"))
        .with_for_update(of=Attendance)
    )
    if of_person:
        query = query.where(Attendance.person_id == bindparam("person"))
    if of_group:
        query = query.where(Attendance.group_id == bindparam("group"))
    return query


async def close_overdue(
    session: AsyncSession, *, now: datetime, person_id: int | None = None,
    group_id: int | None = None,
) -> list[Attendance]:
    """Close every forgotten check-out whose shift ended more than checkout_late ago: all of
    them (the hourly job), or only one person's or one group's (locking only those rows)."""
    if person_id is not None:
        await lock_person(session, person_id)  # the person first, then their records
    query = _overdue(person_id is not None, group_id is not None)
    found = await session.execute(query, {"now": now, "person": person_id, "group": group_id})
    return [
        attendance for attendance, shift, group in found.all()
        if await _close_if_overdue(session, attendance, shift, group, now)
    ]


async def open_attendance_now(
    session: AsyncSession, person_id: int, *, now: datetime
) -> Attendance | None:
    """The person's open attendance (at most one), locked, with its shift; one they forgot
    to close is closed first (`close_overdue` for one person, in the same query)."""
    rows = (await session.execute(_OPEN_RECORDS, {"person": person_id})).all()
    current = None
    for attendance, group in rows:
        shift = attendance.shift
        if shift is None or shift.end_at >= now or not await _close_if_overdue(
            session, attendance, shift, group, now
        ):
            current = attendance
    return current


async def _close_if_overdue(
    session: AsyncSession, attendance: Attendance, shift: Shift, group: Group, now: datetime
) -> bool:
    """Close a forgotten check-out once the shift ended more than checkout_late ago."""
    rules = settings_of(group)
    if shift.end_at + timedelta(minutes=rules.checkout_late) > now:
        return False
    before = snapshot(attendance)
    await _close(session, attendance, shift, rules, now, forgotten=True)
    attendance.checkout_source = CheckSource.AUTO.value
    audit.record(
        session, at=now, action="attendance.autoclose", object_type="attendance",
        object_id=attendance.id, actor=None, group_id=group.id, before=before,
        after=snapshot(attendance),
    )
    return True


# ---- totals --------------------------------------------------------------------------------

async def minutes_between(
    session: AsyncSession,
    *,
    person_id: int | None = None,
    group_id: int | None = None,
    group_ids: Collection[int] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> Minutes:
    """Confirmed and pending minutes of a person and/or a group (or several) between two
    local dates (inclusive; None = unbounded), by the one definition in `hours.tally`."""
    query = select(Attendance)
    if person_id is not None:
        query = query.where(Attendance.person_id == person_id)
    if group_id is not None:
        query = query.where(Attendance.group_id == group_id)
    if group_ids is not None:
        query = query.where(Attendance.group_id.in_(list(group_ids)))
    if first is not None:
        query = query.where(Attendance.local_date >= first)
    if last is not None:
        query = query.where(Attendance.local_date <= last)
    return tally((await session.scalars(query)).all())


# (id, person, is_open, voided, confirmed, minutes, companions); a string: SQLAlchemy 2.0's
# Row takes one type argument at run time.
RecordRow: TypeAlias = "Row[int, int, bool, bool, bool, int | None, int]"
SWEEP_BATCH = 5000


async def each_record(
    session: AsyncSession, *where: ColumnElement[bool], batch: int = SWEEP_BATCH
) -> AsyncIterator[RecordRow]:
    """What `hours.tally` and `hours.present` read of every record matching `where` (id,
    person, is_open, voided, confirmed, minutes, companions), a page at a time by id: a
    district's year is read with the memory of one page."""
    after = 0
    while True:
        rows = (
            await session.execute(
                select(
                    Attendance.id, Attendance.person_id, Attendance.is_open, Attendance.voided,
                    Attendance.confirmed, Attendance.minutes, Attendance.companions,
                )
                .where(Attendance.id > after, *where)
                .order_by(Attendance.id)
                .limit(batch)
            )
        ).all()
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1].id


async def minutes_since(
    session: AsyncSession, person_id: int, since: date | None
) -> Minutes:
    """A person's hours since a date (all time with None), across their groups."""
    return await minutes_between(session, person_id=person_id, first=since)


async def came_to(session: AsyncSession, shift_id: int) -> set[int]:
    """The people who checked in to the shift (any record, voided or not)."""
    rows = await session.scalars(
        select(Attendance.person_id).where(Attendance.shift_id == shift_id)
    )
    return set(rows.all())
