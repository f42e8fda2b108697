"""Duties and their shifts: describe once, materialise occurrences ahead, edit in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, standing
from storage.cleaning import strip_invisible
from storage.models import (
    Attendance,
    Claim,
    ClaimStatus,
    Duty,
    DutyStatus,
    Group,
    GroupStatus,
    Membership,
    Person,
    Shift,
    ShiftStatus,
)
from storage.recurrence import Occurrence, Rule, Window, occurrences

HORIZON_DAYS = 14


@dataclass(frozen=True)
class DutyDraft:
    """A duty as parsed from a leader's words, before it is stored."""

    name: str
    rrule: str | None
    first_date: date
    window: Window
    need_min: int
    need_max: int
    place: str | None = None


@dataclass
class Materialised:
    """What bringing a duty's shifts up to date changed."""

    created: list[Shift] = field(default_factory=list)
    moved: list[Shift] = field(default_factory=list)
    cancelled: list[Shift] = field(default_factory=list)
    shrunk: list[Shift] = field(default_factory=list)  # fewer places than before
    # person ids taken off a shift: because it was cancelled, or because `need` went down
    dropped: dict[int, list[int]] = field(default_factory=dict)


def rule_of(duty: Duty) -> Rule:
    """The duty's recurrence as the recurrence module understands it."""
    return Rule(
        rrule=duty.rrule,
        first_date=duty.first_date,
        exdates=frozenset(date.fromisoformat(d) for d in duty.exdates),
        rdates=frozenset(date.fromisoformat(d) for d in duty.rdates),
    )


def window_of(duty: Duty) -> Window:
    """The duty's local wall-clock window."""
    return Window(duty.start_time, duty.end_time)


# More duties than this is no longer a team's roster (a day would need several pages).
MAX_DUTIES = 60


async def room_for_another(session: AsyncSession, group_id: int) -> bool:
    """May the group add a duty? Active and paused ones count; removed ones do not."""
    count = await session.scalar(
        select(func.count()).select_from(Duty).where(
            Duty.group_id == group_id, Duty.status != DutyStatus.ARCHIVED
        )
    )
    return int(count or 0) < MAX_DUTIES


def one_off_over(draft: DutyDraft, zone: str, now: datetime) -> bool:
    """A one-off whose only shift has already ended: adding it would plan nothing."""
    if draft.rrule is not None:
        return False
    found = occurrences(
        Rule(None, draft.first_date), draft.window, zone, draft.first_date, draft.first_date
    )
    return all(o.end <= now for o in found)


def local_today(zone: str, now: datetime) -> date:
    """Today's date where the group lives."""
    return now.astimezone(ZoneInfo(zone)).date()


def _snapshot(duty: Duty) -> dict[str, object]:
    return {
        "name": duty.name,
        "rrule": duty.rrule,
        "first_date": duty.first_date.isoformat(),
        "start": duty.start_time.strftime("%H:%M"),
        "end": duty.end_time.strftime("%H:%M"),
        "need": [duty.need_min, duty.need_max],
        "place": duty.place,
        "exdates": list(duty.exdates),
        "rdates": list(duty.rdates),
        "status": duty.status.value,
    }


async def add_duty(
    session: AsyncSession, group: Group, draft: DutyDraft, *, by: int | None, now: datetime
) -> tuple[Duty, Materialised]:
    """Store a new duty and materialise its shifts for the coming days."""
    duty = Duty(
        group_id=group.id,
        name=draft.name,
        rrule=draft.rrule,
        first_date=draft.first_date,
        start_time=draft.window.start,
        end_time=draft.window.end,
        need_min=draft.need_min,
        need_max=draft.need_max,
        place=draft.place,
        exdates=[],
        rdates=[],
        status=DutyStatus.ACTIVE,
        created_at=now,
        created_by=by,
    )
    session.add(duty)
    await session.flush()
    audit.record(
        session, at=now, action="duty.add", object_type="duty", object_id=duty.id, actor=by,
        group_id=group.id, after=_snapshot(duty),
    )
    changes = await materialise(session, duty, group.timezone, now=now)
    return duty, changes


UNDO_WINDOW = timedelta(minutes=10)


async def undoable(session: AsyncSession, duty: Duty, now: datetime) -> bool:
    """May the Undo button under `/duty add` still remove the duty? Only for a few minutes,
    and only while nobody claimed or served any of its shifts (later: `/duty remove`)."""
    if now - duty.created_at > UNDO_WINDOW:
        return False
    claimed = await session.scalar(
        select(Claim.id).join(Shift, Shift.id == Claim.shift_id)
        .where(Shift.duty_id == duty.id).limit(1)
    )
    served = await session.scalar(
        select(Attendance.id).join(Shift, Shift.id == Attendance.shift_id)
        .where(Shift.duty_id == duty.id).limit(1)
    )
    return claimed is None and served is None


# Built once, the values bound at each call (every /shift and tap reads them).
_DUTIES_OF = select(Duty).where(
    Duty.group_id == bindparam("group"), Duty.status != DutyStatus.ARCHIVED,
).order_by(Duty.id)
_MADE_UNTIL = select(Shift.duty_id, func.max(Shift.local_date)).where(
    Shift.group_id == bindparam("group")).group_by(Shift.duty_id)


async def duties_of(session: AsyncSession, group_id: int) -> list[Duty]:
    """A group's duties that are not archived, oldest first."""
    return list((await session.scalars(_DUTIES_OF, {"group": group_id})).all())


def horizon_end(zone: str, now: datetime, days: int = HORIZON_DAYS) -> date:
    """The last local day shifts are made for ahead of time."""
    return local_today(zone, now) + timedelta(days=days)


async def bring_ahead(
    session: AsyncSession, group_id: int, zone: str, *, now: datetime
) -> dict[int, Duty]:
    """A group's duties that are not archived, by id, each with its shifts made up to the
    horizon if the hourly job has not done so yet (after downtime). A duty whose rule has no
    day past its last shift within the horizon is not materialised again (no shifts read)."""
    found = await duties_of(session, group_id)
    reach = {
        duty_id: last
        for duty_id, last in await session.execute(_MADE_UNTIL, {"group": group_id})
    }
    until = horizon_end(zone, now)
    for duty in found:
        if duty.status is not DutyStatus.ACTIVE:
            continue
        made_until = reach.get(duty.id)
        if made_until is not None and not occurrences(
            rule_of(duty), window_of(duty), zone, made_until + timedelta(days=1), until
        ):
            continue
        await materialise(session, duty, zone, now=now)
    return {duty.id: duty for duty in found}


async def by_ids(session: AsyncSession, duty_ids: set[int]) -> dict[int, Duty]:
    """Duties by id (for rendering shifts)."""
    if not duty_ids:
        return {}
    rows = await session.scalars(select(Duty).where(Duty.id.in_(duty_ids)))
    return {d.id: d for d in rows.all()}


async def duty_in_group(session: AsyncSession, group_id: int, duty_id: int) -> Duty | None:
    """A duty, only if it belongs to this group (ids come from users)."""
    duty = await session.get(Duty, duty_id)
    if duty is None or duty.group_id != group_id:
        return None
    return duty


async def materialise(
    session: AsyncSession,
    duty: Duty,
    zone: str,
    *,
    now: datetime,
    horizon_days: int = HORIZON_DAYS,
) -> Materialised:
    """Make the duty's future shifts match its rule: idempotent, keyed by (duty, date).

    Existing shifts are edited in place (claims stay); occurrences that disappeared are
    cancelled; shifts that already started are never touched.
    """
    result = Materialised()
    today = local_today(zone, now)
    until = horizon_end(zone, now, horizon_days)
    wanted: dict[date, Occurrence] = {}
    if duty.status is DutyStatus.ACTIVE:
        wanted = {
            o.local_date: o for o in occurrences(rule_of(duty), window_of(duty), zone, today, until)
        }
    rows = await session.scalars(
        select(Shift).where(
            Shift.duty_id == duty.id, Shift.local_date >= today, Shift.local_date <= until
        )
    )
    existing = {s.local_date: s for s in rows.all()}
    for day, occurrence in sorted(wanted.items()):
        shift = existing.pop(day, None)
        if occurrence.start <= now:
            continue
        if shift is None:
            shift = Shift(
                duty_id=duty.id, group_id=duty.group_id, local_date=day,
                start_at=occurrence.start, end_at=occurrence.end,
                need_min=duty.need_min, need_max=duty.need_max, status=ShiftStatus.OPEN,
            )
            session.add(shift)
            result.created.append(shift)
            continue
        if shift.start_at <= now:
            continue
        if shift.status is ShiftStatus.CANCELLED and shift.cancel_reason in (None, "rule"):
            shift.status = ShiftStatus.OPEN
            shift.cancel_reason = None
        if (shift.start_at, shift.end_at) != (occurrence.start, occurrence.end):
            shift.start_at, shift.end_at = occurrence.start, occurrence.end
            result.moved.append(shift)
        if duty.need_max < shift.need_max:
            result.shrunk.append(shift)  # fewer places now: the newest claims will be dropped
        shift.need_min, shift.need_max = duty.need_min, duty.need_max
    for shift in existing.values():
        if shift.status is ShiftStatus.OPEN and shift.start_at > now:
            shift.status = ShiftStatus.CANCELLED
            shift.cancel_reason = "rule"
            result.cancelled.append(shift)
    await session.flush()
    await _drop_claims(session, result, now=now)
    await standing.fill_new_shifts(session, duty, result.created, now=now)
    return result


async def _drop_claims(session: AsyncSession, result: Materialised, *, now: datetime) -> None:
    """Cancelled shifts lose all their claims; shifts whose `need` went down lose the newest."""
    cancelled = {s.id for s in result.cancelled}
    for shift_id in cancelled:
        await _drop(session, shift_id, keep=0, reason="cancelled", now=now, into=result)
    for shift in result.shrunk:
        await _drop(session, shift.id, keep=shift.need_max, reason="need", now=now, into=result)


async def _drop(
    session: AsyncSession, shift_id: int, *, keep: int, reason: str, now: datetime,
    into: Materialised,
) -> None:
    live = (
        await session.scalars(
            select(Claim)
            .where(Claim.shift_id == shift_id, Claim.status == ClaimStatus.ACTIVE)
            .order_by(Claim.created_at, Claim.id)
        )
    ).all()
    for claim in live[keep:]:
        claim.status, claim.ended_at, claim.ended_reason = ClaimStatus.DROPPED, now, reason
        into.dropped.setdefault(shift_id, []).append(claim.person_id)
    if keep == 0:
        waiting = await session.scalars(
            select(Claim).where(Claim.shift_id == shift_id, Claim.status == ClaimStatus.WAITING)
        )
        for claim in waiting.all():
            claim.status, claim.ended_at, claim.ended_reason = ClaimStatus.DROPPED, now, reason


# Built once, the values bound at each call (every roster and its re-renderings).
_UPCOMING_WHERE = (
    Shift.group_id == bindparam("group"),
    Shift.status == ShiftStatus.OPEN,
    Shift.end_at > bindparam("now"),
    Shift.start_at < bindparam("until"),
)
_ON_ROSTER = (ClaimStatus.ACTIVE, ClaimStatus.WAITING)  # the claims a roster shows
_UPCOMING = select(Shift).where(*_UPCOMING_WHERE).order_by(Shift.start_at, Shift.id)
_CLAIMS_ON = (
    select(Claim)
    .where(
        Claim.shift_id.in_(bindparam("shifts", expanding=True)),
        Claim.status.in_(_ON_ROSTER),
    )
    .order_by(Claim.created_at, Claim.id)
)
_Rows = TypeVar("_Rows", bound="Select[*tuple[Any, ...]]")


def _on_roster(statement: _Rows) -> _Rows:
    """A roster's rows: each upcoming shift with its duty, one row per claim the roster shows
    (a shift with none: one row with no claim), each with the claimant's name in the group."""
    return (
        statement.join(Duty, Duty.id == Shift.duty_id)
        .outerjoin(Claim, and_(Claim.shift_id == Shift.id, Claim.status.in_(_ON_ROSTER)))
        .outerjoin(Membership, and_(Membership.group_id == Shift.group_id,
                                    Membership.person_id == Claim.person_id))
        .where(*_UPCOMING_WHERE)
    )


_ROSTER = _on_roster(
    select(Shift, Duty, Claim.id, Claim.status, Membership.display_name)
).order_by(Shift.start_at, Shift.id, Claim.created_at, Claim.id)
# What a roster shows of each shift (its day, times, needs, the duty's name and place) with
# each claim on it (id, status, the claimant's name; a shift with none: three Nones), in the
# order `_shown` lists it for a rendering.
_ROSTER_STATE = _on_roster(
    select(Shift.id, Shift.local_date, Shift.start_at, Shift.end_at, Shift.need_min,
           Shift.need_max, Duty.name, Duty.place, Claim.id, Claim.status,
           Membership.display_name)
)


def _shown(shift: Shift, duty: Duty, claim: tuple[object, ...]) -> tuple[object, ...]:
    return (shift.id, shift.local_date, shift.start_at, shift.end_at, shift.need_min,
            shift.need_max, duty.name, duty.place, *claim)


# What a rendering read (`roster`), compared with `roster_state` read later.
RosterState = frozenset[tuple[object, ...]]


@dataclass
class RosterShift:
    """An upcoming shift as its roster shows it: its duty, and its claims in the order they
    came (each one's status and the claimant's name in the group, None if not found)."""

    shift: Shift
    duty: Duty
    claims: list[tuple[ClaimStatus, str | None]]


async def roster(
    session: AsyncSession, group_id: int, *, now: datetime, days: int
) -> tuple[list[RosterShift], RosterState]:
    """A group's roster in one query: open shifts that have not ended, in the next `days`
    days, with their duties, the claims on them and the claimants' names; and its state."""
    rows = (await session.execute(
        _ROSTER, {"group": group_id, "now": now, "until": now + timedelta(days=days)}
    )).all()
    shifts: dict[int, RosterShift] = {}
    state = []
    for shift, duty, claim_id, status, name in rows:
        entry = shifts.setdefault(shift.id, RosterShift(shift, duty, []))
        if claim_id is not None:
            entry.claims.append((status, name))
        state.append(_shown(shift, duty, (claim_id, status, name)))
    return list(shifts.values()), frozenset(state)


async def upcoming_shifts(
    session: AsyncSession, group_id: int, *, now: datetime, days: int
) -> list[tuple[Shift, list[Claim]]]:
    """Open shifts that have not ended, in the next `days` days, each with its live claims."""
    shifts = (
        await session.scalars(
            _UPCOMING, {"group": group_id, "now": now, "until": now + timedelta(days=days)}
        )
    ).all()
    if not shifts:
        return []
    claims = (await session.scalars(_CLAIMS_ON, {"shifts": [s.id for s in shifts]})).all()
    by_shift: dict[int, list[Claim]] = {s.id: [] for s in shifts}
    for claim in claims:
        by_shift[claim.shift_id].append(claim)
    return [(s, by_shift[s.id]) for s in shifts]


async def roster_state(
    session: AsyncSession, group_id: int, *, now: datetime, days: int
) -> RosterState:
    """The state of a group's roster now, in one small query: unchanged since a rendering,
    the rendering still shows every claim and shift as they are (a new, released, ended or
    moved-up claim, a claimant renamed, a shift added, cancelled, over, moved or needing
    other numbers, or its duty renamed or moved to another place changes it)."""
    rows = await session.execute(
        _ROSTER_STATE, {"group": group_id, "now": now, "until": now + timedelta(days=days)}
    )
    return frozenset(tuple(row) for row in rows.all())


@dataclass(frozen=True)
class DutyEdit:
    """Fields a leader changes with /duty edit; None leaves a field as it is."""

    name: str | None = None
    rrule: tuple[str | None, date] | None = None
    window: Window | None = None
    need: tuple[int, int] | None = None
    place: str | None = None


async def change_duty(
    session: AsyncSession,
    duty: Duty,
    zone: str,
    *,
    by: int,
    now: datetime,
    edit: DutyEdit | None = None,
    skip: tuple[date, ...] = (),
    extra: tuple[date, ...] = (),
    status: DutyStatus | None = None,
) -> Materialised:
    """Edit, skip dates (EXDATE), add dates (RDATE), pause/resume/remove; shifts follow."""
    before = _snapshot(duty)
    if edit is not None:
        if edit.name is not None:
            duty.name = edit.name
        if edit.rrule is not None:
            duty.rrule, duty.first_date = edit.rrule
        if edit.window is not None:
            duty.start_time, duty.end_time = edit.window.start, edit.window.end
        if edit.need is not None:
            duty.need_min, duty.need_max = edit.need
        if edit.place is not None:
            duty.place = edit.place
    if skip:
        duty.exdates = sorted({*duty.exdates, *(d.isoformat() for d in skip)})
        duty.rdates = [d for d in duty.rdates if date.fromisoformat(d) not in skip]
    if extra:
        duty.rdates = sorted({*duty.rdates, *(d.isoformat() for d in extra)})
        duty.exdates = [d for d in duty.exdates if date.fromisoformat(d) not in extra]
    if status is not None:
        duty.status = status
    after = _snapshot(duty)
    audit.record(
        session, at=now, action="duty.change", object_type="duty", object_id=duty.id, actor=by,
        group_id=duty.group_id, before=before, after=after,
    )
    return await materialise(session, duty, zone, now=now)


async def cancel_shift(
    session: AsyncSession, group_id: int, shift_id: int, reason: str | None, *, by: int,
    now: datetime,
) -> Materialised | None:
    """Cancel one occurrence: its people are taken off; nobody gets hours or a no-show."""
    shift = await session.scalar(select(Shift).where(Shift.id == shift_id).with_for_update())
    if (
        shift is None
        or shift.group_id != group_id
        or shift.status is not ShiftStatus.OPEN
        or shift.start_at <= now
    ):
        return None
    shift.status = ShiftStatus.CANCELLED
    shift.cancel_reason = (strip_invisible(reason or "") or "leader")[:200]
    audit.record(
        session, at=now, action="shift.cancel", object_type="shift", object_id=shift.id,
        actor=by, group_id=group_id, before={"status": "open"},
        after={"status": "cancelled", "reason": reason},
    )
    result = Materialised(cancelled=[shift])
    await _drop(session, shift.id, keep=0, reason="cancelled", now=now, into=result)
    return result


async def affected_people(
    session: AsyncSession, group_id: int, made: Materialised
) -> dict[int, list[tuple[int, str]]]:
    """Per shift id: (telegram id, display name) of people dropped, or still on a moved shift."""
    wanted: dict[int, list[int]] = {k: list(v) for k, v in made.dropped.items()}
    for shift in made.moved:
        live = await session.scalars(
            select(Claim.person_id)
            .where(Claim.shift_id == shift.id, Claim.status == ClaimStatus.ACTIVE)
            .order_by(Claim.created_at, Claim.id)
        )
        wanted.setdefault(shift.id, []).extend(live.all())
    ids = {p for people in wanted.values() for p in people}
    if not ids:
        return {}
    rows = await session.execute(
        select(Person.id, Person.telegram_user_id, Membership.display_name)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group_id, Person.id.in_(ids))
    )
    names = {pid: (tid, name) for pid, tid, name in rows.all()}
    return {sid: [names[p] for p in people if p in names] for sid, people in wanted.items()}


async def materialise_all(
    session: AsyncSession, *, now: datetime, horizon_days: int = HORIZON_DAYS
) -> int:
    """Bring every active duty of every active group up to date; returns shifts created."""
    rows = await session.execute(
        select(Duty, Group.timezone)
        .join(Group, Group.id == Duty.group_id)
        .where(Duty.status == DutyStatus.ACTIVE, Group.status == GroupStatus.ACTIVE)
        .order_by(Duty.id)
    )
    created = 0
    for duty, zone in rows.all():
        made = await materialise(session, duty, zone, now=now, horizon_days=horizon_days)
        created += len(made.created)
    return created

async def open_shift(session: AsyncSession, shift_id: int) -> tuple[Shift | None, Duty | None]:
    """The shift and its duty while it is open; (None, None) once it is gone or cancelled."""
    shift = await session.get(Shift, shift_id)
    if shift is None or shift.status is not ShiftStatus.OPEN:
        return None, None
    return shift, await session.get(Duty, shift.duty_id)


async def of_shift(session: AsyncSession, shift: Shift | None) -> Duty | None:
    """The duty a shift belongs to (None for none)."""
    return await session.get(Duty, shift.duty_id) if shift is not None else None
