"""The points passbook (积分存折): lines that are never changed, a balance that is their sum.

Points are earned by storage.credit when hours are confirmed (and corrected there); here they
are spent: a leader or office staff member records a redemption for goods at the
community's 爱心超市. Nobody redeems their own points, and never more than the balance: the
person's row is locked while the balance is read and the line written, so two redemptions
of the whole balance at the same moment cannot both pass.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.claims import lock_person
from storage.models import Person, PointsEntry, PointsKind

MAX_REDEEM = 100_000
MAX_ITEM = 60


async def balance(session: AsyncSession, scope_key: str, person_id: int) -> int:
    """The passbook's 结余: the sum of its lines, never a stored number."""
    return (await balances(session, scope_key, [person_id])).get(person_id, 0)


async def balances(
    session: AsyncSession, scope_key: str, person_ids: Collection[int], *,
    before: datetime | None = None,
) -> dict[int, int]:
    """Several passbooks' balances in one scope (people without lines are left out); with
    `before`, as they stood then."""
    query = (
        select(PointsEntry.person_id, func.sum(PointsEntry.points))
        .where(PointsEntry.scope == scope_key, PointsEntry.person_id.in_(list(person_ids)))
        .group_by(PointsEntry.person_id)
    )
    if before is not None:
        query = query.where(PointsEntry.at < before)
    rows = await session.execute(query)
    return {person: int(total or 0) for person, total in rows.all()}


async def passbook(session: AsyncSession, scope_key: str, person_id: int) -> list[PointsEntry]:
    """Every line of the person's passbook in the scope, oldest first."""
    rows = await session.scalars(
        select(PointsEntry)
        .where(PointsEntry.scope == scope_key, PointsEntry.person_id == person_id)
        .order_by(PointsEntry.at, PointsEntry.id)
    )
    return list(rows.all())


@dataclass(frozen=True)
class Redeemed:
    """The points are spent: the new line and the balance after it."""

    entry: PointsEntry
    balance: int


@dataclass(frozen=True)
class ShortBalance:
    """The balance does not cover it; nothing was written."""

    balance: int


@dataclass(frozen=True)
class OwnPoints:
    """Nobody records a redemption of their own points."""


RedeemResult = Redeemed | ShortBalance | OwnPoints


async def redeem(
    session: AsyncSession, scope_key: str, person: Person, points: int, item: str, *,
    group_id: int | None, actor: int, now: datetime,
) -> RedeemResult:
    """Spend `points` (positive) of the person's passbook in the scope for `item`."""
    if person.telegram_user_id == actor:
        return OwnPoints()
    await lock_person(session, person.id)
    have = await balance(session, scope_key, person.id)
    if points > have:
        return ShortBalance(have)
    entry = PointsEntry(
        scope=scope_key, person_id=person.id, group_id=group_id, at=now,
        kind=PointsKind.REDEEMED, points=-points, minutes=0, note=item, by=actor,
    )
    session.add(entry)
    await session.flush()
    audit.record(
        session, at=now, action="points.redeem", object_type="points_entry",
        object_id=entry.id, actor=actor, group_id=group_id,
        after={"person": person.id, "points": points, "item": item, "scope": scope_key},
    )
    return Redeemed(entry, have - points)
