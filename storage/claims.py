"""Claiming and releasing places on shifts: capacity is never exceeded, refusals say why.

The reasons a claim can fail are a closed, ordered set checked in one function (after
Engelsystem's ShiftSignupStatus): gone, started, already on it, clash, full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from storage import audit
from storage.db import holds
from storage.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Duty,
    Group,
    GroupStatus,
    Membership,
    Person,
    Shift,
    ShiftStatus,
)


class Staffed(Protocol):
    """Anything with a minimum of people: a shift, or what the planner reads of one."""

    @property
    def need_min(self) -> int: ...


def still_needed(shift: Staffed, have: int) -> int:
    """How many more people `shift` needs with `have` on it (or checked in): 0 when it is
    not short. The one rule for "short of people" (roster, gaps, alerts, summaries)."""
    return max(0, shift.need_min - have)

@dataclass(frozen=True)
class Claimed:
    """The person is on the shift."""

    shift: Shift
    claim: Claim


@dataclass(frozen=True)
class AlreadyOn:
    """They were on it already."""

    shift: Shift


@dataclass(frozen=True)
class Full:
    """Every place is taken."""

    shift: Shift


@dataclass(frozen=True)
class Clash:
    """They are on another shift at the same time (in any group)."""

    shift: Shift
    other: Shift


@dataclass(frozen=True)
class Started:
    """The shift has already started."""

    shift: Shift


@dataclass(frozen=True)
class ShiftGone:
    """No such shift in this group, or it was cancelled."""


ClaimResult = Claimed | AlreadyOn | Full | Clash | Started | ShiftGone


# Built once, values bound at each call (building a statement costs more than running it).
_LOCK_PERSON = select(Person.id).where(Person.id == bindparam("person")).with_for_update(
    key_share=True
)
_LOCK_SHIFT = (
    select(Shift).join(Shift.duty).options(contains_eager(Shift.duty))
    .where(Shift.id == bindparam("shift")).with_for_update(of=Shift, key_share=True)
)
_LIVE_CLAIMS = (
    select(Claim)
    .where(Claim.shift_id == bindparam("shift"), Claim.status == ClaimStatus.ACTIVE)
    .order_by(Claim.created_at, Claim.id)
)
_CLASHING = (
    select(Shift)
    .join(Claim, Claim.shift_id == Shift.id)
    .where(
        Claim.person_id == bindparam("person"),
        Claim.status == ClaimStatus.ACTIVE,
        Shift.id != bindparam("shift"),
        Shift.status == ShiftStatus.OPEN,
        Shift.start_at < bindparam("end"),
        Shift.end_at > bindparam("start"),
    )
    .limit(1)
)


# The row locks below are PostgreSQL's FOR NO KEY UPDATE: they serialise each other, but not
# the key-share lock a new row's foreign key takes on its parent. (With FOR UPDATE a claim
# holding the shift and waiting for the person deadlocked with a check-in holding the person
# and inserting an attendance that references the shift.) SQLite: the transaction already
# holds the write lock (BEGIN IMMEDIATE), so these are serialised there too.
# Order: the person first, then the shift.

async def lock_person(session: AsyncSession, person_id: int) -> None:
    """Serialise everything one person does to their places and hours (claims, check-in,
    check-out, /hours): the overlap and 24-hour rules read, then write."""
    if not holds(session, "people", person_id):
        await session.scalar(_LOCK_PERSON, {"person": person_id})


async def lock_shift(session: AsyncSession, shift_id: int, group_id: int) -> Shift | None:
    """Read a shift of this group and lock its row for the rest of the transaction (its
    duty comes with it: `session.get(Duty, …)` then needs no query)."""
    shift = await session.scalar(_LOCK_SHIFT, {"shift": shift_id})
    if shift is None or shift.group_id != group_id:
        return None
    return shift


async def live_claims(session: AsyncSession, shift_id: int) -> list[Claim]:
    """Active claims of a shift, earliest first."""
    return list((await session.scalars(_LIVE_CLAIMS, {"shift": shift_id})).all())


async def clashing_shift(
    session: AsyncSession, person_id: int, shift: Shift
) -> Shift | None:
    """Another open shift the person holds that overlaps this one."""
    return await session.scalar(
        _CLASHING,
        {"person": person_id, "shift": shift.id, "start": shift.start_at, "end": shift.end_at},
    )


async def claim(
    session: AsyncSession,
    shift_id: int,
    person: Person,
    *,
    group_id: int,
    now: datetime,
    kind: ClaimKind = ClaimKind.SELF,
    force: bool = False,
    actor: int | None = None,
) -> ClaimResult:
    """Put a person on a shift if every rule allows it; one transaction decides."""
    # The person is locked too: two claims by one person for overlapping shifts must not
    # both pass.
    await lock_person(session, person.id)
    shift = await lock_shift(session, shift_id, group_id)
    if shift is None or shift.status is not ShiftStatus.OPEN:
        return ShiftGone()
    if shift.start_at <= now:
        return Started(shift)
    taken = await live_claims(session, shift.id)
    if any(c.person_id == person.id for c in taken):
        return AlreadyOn(shift)
    other = await clashing_shift(session, person.id, shift)
    if other is not None:
        return Clash(shift, other)
    if len(taken) >= shift.need_max and not force:
        return Full(shift)
    new = Claim(
        shift_id=shift.id, person_id=person.id, kind=kind, status=ClaimStatus.ACTIVE,
        created_at=now,
    )
    session.add(new)
    await session.flush()
    audit.record(
        session, at=now, action="claim.add", object_type="claim", object_id=new.id,
        actor=actor if actor is not None else person.telegram_user_id, group_id=group_id,
        after={"shift": shift.id, "person": person.id, "kind": kind.value},
    )
    return Claimed(shift, new)


@dataclass(frozen=True)
class Released:
    """The place is free again; `late` when inside the drop-out cutoff.

    `promoted` is the first person from the waitlist who took the place, if any.
    """

    shift: Shift
    late: bool
    still_needed: int
    promoted: Person | None = None


@dataclass(frozen=True)
class NotOnShift:
    """They had no place on that shift."""


ReleaseResult = Released | NotOnShift | Started | ShiftGone


async def release(
    session: AsyncSession,
    shift_id: int,
    person: Person,
    *,
    group_id: int,
    now: datetime,
    cutoff: timedelta,
    actor: int | None = None,
    reason: str = "released",
) -> ReleaseResult:
    """Take a person off a shift (their choice, or a leader's)."""
    shift = await lock_shift(session, shift_id, group_id)
    if shift is None or shift.status is not ShiftStatus.OPEN:
        return ShiftGone()
    if shift.start_at <= now:
        return Started(shift)
    mine = [c for c in await live_claims(session, shift.id) if c.person_id == person.id]
    if not mine:
        return NotOnShift()
    for held in mine:
        held.status = ClaimStatus.RELEASED
        held.ended_at = now
        held.ended_reason = reason
        audit.record(
            session, at=now, action="claim.release", object_type="claim", object_id=held.id,
            actor=actor if actor is not None else person.telegram_user_id, group_id=group_id,
            before={"status": "active"}, after={"status": "released", "reason": reason},
        )
    await session.flush()
    promoted = await _promote_waiting(session, shift, group_id=group_id, now=now)
    remaining = await session.scalar(
        select(func.count()).select_from(Claim).where(
            Claim.shift_id == shift.id, Claim.status == ClaimStatus.ACTIVE
        )
    )
    return Released(
        shift,
        late=shift.start_at - now < cutoff,
        still_needed=still_needed(shift, int(remaining or 0)),
        promoted=promoted,
    )


async def _promote_waiting(
    session: AsyncSession, shift: Shift, *, group_id: int, now: datetime
) -> Person | None:
    """Move the first waiting person (who has no clash by now) onto a freed place."""
    if len(await live_claims(session, shift.id)) >= shift.need_max:
        return None
    waiting = await session.scalars(
        select(Claim)
        .where(Claim.shift_id == shift.id, Claim.status == ClaimStatus.WAITING)
        .order_by(Claim.created_at, Claim.id)
    )
    for entry in waiting.all():
        if await clashing_shift(session, entry.person_id, shift) is not None:
            continue
        entry.status = ClaimStatus.ACTIVE
        entry.kind = ClaimKind.WAITLIST
        audit.record(
            session, at=now, action="claim.promote", object_type="claim", object_id=entry.id,
            actor=None, group_id=group_id, before={"status": "waiting"},
            after={"status": "active"},
        )
        await session.flush()
        return await session.get(Person, entry.person_id)
    return None


@dataclass(frozen=True)
class Waitlisted:
    """On the waitlist, at this position (1 = next in line)."""

    shift: Shift
    position: int


WaitResult = Waitlisted | ClaimResult


async def join_waitlist(
    session: AsyncSession, shift_id: int, person: Person, *, group_id: int, now: datetime
) -> WaitResult:
    """Wait for a place on a full shift; a shift with room is simply claimed."""
    await lock_person(session, person.id)  # the person first, as everywhere
    shift = await lock_shift(session, shift_id, group_id)
    if shift is None or shift.status is not ShiftStatus.OPEN:
        return ShiftGone()
    if shift.start_at <= now:
        return Started(shift)
    rows = (
        await session.scalars(
            select(Claim)
            .where(
                Claim.shift_id == shift.id,
                Claim.status.in_([ClaimStatus.ACTIVE, ClaimStatus.WAITING]),
            )
            .order_by(Claim.created_at, Claim.id)
        )
    ).all()
    active = [c for c in rows if c.status is ClaimStatus.ACTIVE]
    queue = [c for c in rows if c.status is ClaimStatus.WAITING]
    if any(c.person_id == person.id for c in active):
        return AlreadyOn(shift)
    for i, entry in enumerate(queue, start=1):
        if entry.person_id == person.id:
            return Waitlisted(shift, i)
    if len(active) < shift.need_max:
        return await claim(session, shift.id, person, group_id=group_id, now=now)
    other = await clashing_shift(session, person.id, shift)
    if other is not None:
        return Clash(shift, other)
    entry = Claim(
        shift_id=shift.id, person_id=person.id, kind=ClaimKind.WAITLIST,
        status=ClaimStatus.WAITING, created_at=now,
    )
    session.add(entry)
    await session.flush()
    audit.record(
        session, at=now, action="claim.wait", object_type="claim", object_id=entry.id,
        actor=person.telegram_user_id, group_id=group_id,
        after={"shift": shift.id, "person": person.id, "status": "waiting"},
    )
    return Waitlisted(shift, len(queue) + 1)


async def release_future(
    session: AsyncSession, group_id: int, person: Person, *, actor: int | None, now: datetime
) -> list[Released]:
    """Give back every place (and waitlist spot) a person holds on this group's coming shifts."""
    shift_ids = (
        await session.scalars(
            select(Claim.shift_id)
            .join(Shift, Shift.id == Claim.shift_id)
            .where(
                Claim.person_id == person.id,
                Claim.status.in_([ClaimStatus.ACTIVE, ClaimStatus.WAITING]),
                Shift.group_id == group_id,
                Shift.start_at > now,
            )
            .order_by(Shift.start_at)
        )
    ).all()
    released: list[Released] = []
    for shift_id in shift_ids:
        waiting = await session.scalars(
            select(Claim).where(
                Claim.shift_id == shift_id, Claim.person_id == person.id,
                Claim.status == ClaimStatus.WAITING,
            )
        )
        for entry in waiting.all():
            entry.status, entry.ended_at, entry.ended_reason = ClaimStatus.RELEASED, now, "left"
        result = await release(
            session, shift_id, person, group_id=group_id, now=now, cutoff=timedelta(0),
            actor=actor, reason="left",
        )
        if isinstance(result, Released):
            released.append(result)
    return released


async def upcoming_for(
    session: AsyncSession, person_id: int, group_id: int, *, now: datetime
) -> list[tuple[Shift, Claim]]:
    """A person's places and waitlist spots on a group's shifts that have not started."""
    rows = await session.execute(
        select(Shift, Claim)
        .join(Claim, Claim.shift_id == Shift.id)
        .where(
            Claim.person_id == person_id,
            Claim.status.in_([ClaimStatus.ACTIVE, ClaimStatus.WAITING]),
            Shift.group_id == group_id,
            Shift.status == ShiftStatus.OPEN,
            Shift.start_at > now,
        )
        .order_by(Shift.start_at)
    )
    return [(shift, claim) for shift, claim in rows.all()]

@dataclass(frozen=True)
class ComingPlace:
    """A shift not yet started that the person holds a place on, or held one on (released,
    or the shift was cancelled): a calendar shows the second kind as cancelled."""

    shift: Shift
    duty: Duty
    group: Group
    held: bool


async def coming_places(
    session: AsyncSession, person_id: int, *, now: datetime, limit: int = 500
) -> list[ComingPlace]:
    """A person's places (not waitlist spots) on shifts not yet started, in every group the
    bot still serves, and the ones they gave up or that were cancelled."""
    rows = await session.execute(
        select(Shift, Duty, Group, Claim.status)
        .join(Claim, Claim.shift_id == Shift.id)
        .join(Duty, Duty.id == Shift.duty_id)
        .join(Group, Group.id == Shift.group_id)
        .where(
            Claim.person_id == person_id, Claim.status != ClaimStatus.WAITING,
            Shift.start_at > now,
            Group.status == GroupStatus.ACTIVE,  # not a team the bot has left
        )
        .order_by(Shift.start_at, Claim.id)
        .limit(limit)
    )
    found: dict[int, ComingPlace] = {}
    for shift, duty, group, status in rows.all():
        held = status is ClaimStatus.ACTIVE and shift.status is ShiftStatus.OPEN
        if shift.id not in found or held:  # a place taken again outweighs one given up
            found[shift.id] = ComingPlace(shift, duty, group, held)
    return list(found.values())


async def starting_at(
    session: AsyncSession, group_id: int, start: datetime
) -> list[tuple[Shift, Duty, list[tuple[int, str]]]]:
    """The group's open shifts starting at `start`, with their people (Telegram id, name)."""
    rows = (
        await session.execute(
            select(Shift, Duty)
            .join(Duty, Duty.id == Shift.duty_id)
            .where(Shift.group_id == group_id, Shift.start_at == start,
                   Shift.status == ShiftStatus.OPEN)
            .order_by(Shift.id)
        )
    ).all()
    out = []
    for shift, duty in rows:
        people = await session.execute(
            select(Person.telegram_user_id, Membership.display_name)
            .join(Claim, Claim.person_id == Person.id)
            .join(Membership, (Membership.person_id == Person.id)
                  & (Membership.group_id == group_id))
            .where(Claim.shift_id == shift.id, Claim.status == ClaimStatus.ACTIVE)
            .order_by(Claim.created_at, Claim.id)
        )
        out.append((shift, duty, [(uid, name) for uid, name in people.all()]))
    return out


async def claimed_by(session: AsyncSession, shift_id: int) -> list[int]:
    """The people holding a place on the shift."""
    rows = await session.scalars(
        select(Claim.person_id).where(Claim.shift_id == shift_id,
                                      Claim.status == ClaimStatus.ACTIVE)
    )
    return list(rows.all())
