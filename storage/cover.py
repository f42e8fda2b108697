"""Cover requests: "X needs someone for Tue 19:00–21:00"; X stays on until someone takes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.claims import (
    AlreadyOn,
    Clash,
    NotOnShift,
    ShiftGone,
    Started,
    clashing_shift,
    live_claims,
    lock_shift,
)
from storage.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    CoverRequest,
    CoverStatus,
    Person,
    Shift,
)


@dataclass(frozen=True)
class CoverOpened:
    """The request is posted; `existing` when one was already open for this place."""

    request: CoverRequest
    shift: Shift
    existing: bool = False


CoverResult = CoverOpened | NotOnShift | Started | ShiftGone


async def ask_cover(
    session: AsyncSession, shift_id: int, person: Person, *, group_id: int, now: datetime
) -> CoverResult:
    """Open a cover request for the person's own place on a shift."""
    shift = await lock_shift(session, shift_id, group_id)
    if shift is None:
        return ShiftGone()
    if shift.start_at <= now:
        return Started(shift)
    mine = [c for c in await live_claims(session, shift.id) if c.person_id == person.id]
    if not mine:
        return NotOnShift()
    open_request = await session.scalar(
        select(CoverRequest).where(
            CoverRequest.claim_id == mine[0].id, CoverRequest.status == CoverStatus.OPEN
        )
    )
    if open_request is not None:
        return CoverOpened(open_request, shift, existing=True)
    request = CoverRequest(
        shift_id=shift.id, claim_id=mine[0].id, status=CoverStatus.OPEN, created_at=now
    )
    session.add(request)
    await session.flush()
    audit.record(
        session, at=now, action="cover.ask", object_type="cover", object_id=request.id,
        actor=person.telegram_user_id, group_id=group_id, after={"shift": shift.id},
    )
    return CoverOpened(request, shift)


@dataclass(frozen=True)
class CoverTaken:
    """The taker is on the shift now; the person who asked is off it."""

    shift: Shift
    asked_by: Person


@dataclass(frozen=True)
class CoverGone:
    """Someone else took it first, or it was withdrawn."""


@dataclass(frozen=True)
class OwnRequest:
    """You cannot cover yourself."""


TakeResult = CoverTaken | CoverGone | OwnRequest | AlreadyOn | Clash | Started | ShiftGone


async def take_cover(
    session: AsyncSession, request_id: int, taker: Person, *, group_id: int, now: datetime
) -> TakeResult:
    """The first free volunteer who taps Take gets the place; one transaction decides."""
    request = await session.get(CoverRequest, request_id)
    if request is None:
        return CoverGone()
    shift = await lock_shift(session, request.shift_id, group_id)
    if shift is None:
        return ShiftGone()
    await session.refresh(request)  # re-read under the shift's lock
    if request.status is not CoverStatus.OPEN:
        return CoverGone()
    if shift.start_at <= now:
        return Started(shift)
    claim = await session.get(Claim, request.claim_id)
    if claim is None or claim.status is not ClaimStatus.ACTIVE:
        request.status = CoverStatus.WITHDRAWN
        return CoverGone()
    if claim.person_id == taker.id:
        return OwnRequest()
    if any(c.person_id == taker.id for c in await live_claims(session, shift.id)):
        return AlreadyOn(shift)
    other = await clashing_shift(session, taker.id, shift)
    if other is not None:
        return Clash(shift, other)
    claim.status, claim.ended_at, claim.ended_reason = ClaimStatus.RELEASED, now, "covered"
    session.add(
        Claim(shift_id=shift.id, person_id=taker.id, kind=ClaimKind.COVER,
              status=ClaimStatus.ACTIVE, created_at=now)
    )
    request.status, request.taken_by, request.taken_at = CoverStatus.TAKEN, taker.id, now
    audit.record(
        session, at=now, action="cover.take", object_type="cover", object_id=request.id,
        actor=taker.telegram_user_id, group_id=group_id,
        before={"person": claim.person_id}, after={"person": taker.id},
    )
    await session.flush()
    asked_by = await session.get(Person, claim.person_id)
    assert asked_by is not None
    return CoverTaken(shift, asked_by)
