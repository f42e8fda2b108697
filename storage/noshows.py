"""No-shows: a leader records that a claimed volunteer did not come. Leaders' eyes only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.claims import ShiftGone, lock_shift
from storage.cleaning import strip_invisible
from storage.models import (
    Attendance,
    Claim,
    ClaimStatus,
    Duty,
    Membership,
    NoShow,
    Person,
    Shift,
    ShiftStatus,
)


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
        group_id=group_id, shift_id=shift.id, person_id=person.id,
        reason=strip_invisible(reason or "")[:200] or None, marked_by=actor, marked_at=now,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session, at=now, action="noshow.mark", object_type="shift", object_id=shift.id,
        actor=actor, group_id=group_id, after={"person_id": person.id, "reason": reason},
    )
    return NoShowMarked(shift, await no_show_count(session, group_id, person.id))


@dataclass(frozen=True)
class NoShowEntry:
    """One recorded no-show, for the leaders' list."""

    no_show: NoShow
    shift: Shift
    duty: Duty
    name: str


async def no_shows_between(
    session: AsyncSession, group_id: int, first: date, last: date
) -> list[NoShowEntry]:
    """A group's no-shows on shifts between two local dates (inclusive), in shift order."""
    rows = (
        await session.execute(
            select(NoShow, Shift, Duty)
            .join(Shift, Shift.id == NoShow.shift_id)
            .join(Duty, Duty.id == Shift.duty_id)
            .where(
                NoShow.group_id == group_id, Shift.local_date >= first,
                Shift.local_date <= last,
            )
            .order_by(Shift.start_at, NoShow.id)
        )
    ).all()
    names = dict(
        (
            await session.execute(
                select(Membership.person_id, Membership.display_name).where(
                    Membership.group_id == group_id,
                    Membership.person_id.in_({n.person_id for n, _s, _d in rows}),
                )
            )
        ).all()
    ) if rows else {}
    return [NoShowEntry(n, s, d, names.get(n.person_id, "?")) for n, s, d in rows]


