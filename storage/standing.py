"""Standing slots: "Tuesday nights are Mrs. Chen's" — a place on every future occurrence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.claims import AlreadyOn, Claimed, Released, claim, release
from storage.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Duty,
    DutyStatus,
    Person,
    Shift,
    ShiftStatus,
    StandingSlot,
)


@dataclass(frozen=True)
class Held:
    """The slot is the person's; `filled` shifts got them now, `missed` were full or clashed."""

    slot: StandingSlot
    filled: int
    missed: tuple[Shift, ...]


@dataclass(frozen=True)
class DutyGone:
    """No such duty here (or it is archived)."""


@dataclass(frozen=True)
class Dropped:
    """The slot is given up; `released` future places were freed."""

    released: int


async def _future_shifts(session: AsyncSession, duty_id: int, now: datetime) -> list[Shift]:
    rows = await session.scalars(
        select(Shift)
        .where(Shift.duty_id == duty_id, Shift.status == ShiftStatus.OPEN, Shift.start_at > now)
        .order_by(Shift.start_at)
    )
    return list(rows.all())


async def _fill(
    session: AsyncSession, slot: StandingSlot, shifts: Sequence[Shift], person: Person,
    group_id: int, now: datetime,
) -> tuple[int, list[Shift]]:
    filled, missed = 0, []
    for shift in shifts:
        if slot.weekday is not None and shift.local_date.weekday() != slot.weekday:
            continue
        result = await claim(
            session, shift.id, person, group_id=group_id, now=now, kind=ClaimKind.STANDING,
        )
        if isinstance(result, Claimed):
            filled += 1
        elif not isinstance(result, AlreadyOn):
            missed.append(shift)
    return filled, missed


async def hold(
    session: AsyncSession, duty_id: int, person: Person, weekday: int | None, *,
    group_id: int, now: datetime,
) -> Held | DutyGone:
    """Give a person a standing slot and put them on every coming occurrence that has room."""
    duty = await session.get(Duty, duty_id)
    if duty is None or duty.group_id != group_id or duty.status is DutyStatus.ARCHIVED:
        return DutyGone()
    slot = await session.scalar(
        select(StandingSlot).where(
            StandingSlot.duty_id == duty_id, StandingSlot.person_id == person.id,
            StandingSlot.active, StandingSlot.weekday.is_(None) if weekday is None
            else StandingSlot.weekday == weekday,
        )
    )
    if slot is None:
        slot = StandingSlot(duty_id=duty_id, person_id=person.id, weekday=weekday,
                            active=True, created_at=now)
        session.add(slot)
        await session.flush()
        audit.record(
            session, at=now, action="standing.hold", object_type="standing", object_id=slot.id,
            actor=person.telegram_user_id, group_id=group_id,
            after={"duty": duty_id, "weekday": weekday},
        )
    filled, missed = await _fill(
        session, slot, await _future_shifts(session, duty_id, now), person, group_id, now
    )
    return Held(slot, filled, tuple(missed))


async def fill_new_shifts(
    session: AsyncSession, duty: Duty, shifts: Sequence[Shift], *, now: datetime
) -> None:
    """Newly materialised shifts get their standing volunteers (capacity still holds)."""
    if not shifts:
        return
    slots = (
        await session.scalars(
            select(StandingSlot).where(StandingSlot.duty_id == duty.id, StandingSlot.active)
            .order_by(StandingSlot.created_at, StandingSlot.id)
        )
    ).all()
    for slot in slots:
        person = await session.get(Person, slot.person_id)
        if person is not None:
            await _fill(session, slot, shifts, person, duty.group_id, now)


async def drop(
    session: AsyncSession, duty_id: int, person: Person, *, group_id: int, now: datetime,
) -> Dropped | DutyGone:
    """Give up every standing slot on a duty and the future places they gave."""
    duty = await session.get(Duty, duty_id)
    if duty is None or duty.group_id != group_id:
        return DutyGone()
    slots = (
        await session.scalars(
            select(StandingSlot).where(
                StandingSlot.duty_id == duty_id, StandingSlot.person_id == person.id,
                StandingSlot.active,
            )
        )
    ).all()
    for slot in slots:
        slot.active, slot.ended_at = False, now
        audit.record(
            session, at=now, action="standing.drop", object_type="standing", object_id=slot.id,
            actor=person.telegram_user_id, group_id=group_id,
        )
    # Only the places the slot gave: a shift they claimed themselves stays theirs.
    standing_shifts = (
        await session.scalars(
            select(Claim.shift_id)
            .join(Shift, Shift.id == Claim.shift_id)
            .where(
                Shift.duty_id == duty_id, Shift.start_at > now, Claim.person_id == person.id,
                Claim.kind == ClaimKind.STANDING, Claim.status == ClaimStatus.ACTIVE,
            )
        )
    ).all()
    released = 0
    for shift_id in standing_shifts:
        result = await release(
            session, shift_id, person, group_id=group_id, now=now, cutoff=timedelta(0),
            reason="standing",
        )
        released += isinstance(result, Released)
    return Dropped(released)
