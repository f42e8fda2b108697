"""The 爱心超市 catalogue: items with a points price, set by office staff (or a lone team's
leaders). A volunteer asks for an item; a leader confirms the hand-over, and only then are
the points spent (storage.points.redeem: never beyond the balance, never one's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, points
from storage.claims import lock_person
from storage.db import locking
from storage.models import Person, RequestStatus, RewardItem, RewardRequest

MAX_ITEMS = 30
# A request nobody handed over stops holding the points back after a week.
PROMISED_FOR = timedelta(days=7)


async def catalogue(session: AsyncSession, scope_key: str) -> list[RewardItem]:
    """The items on offer in the scope, cheapest first."""
    rows = await session.scalars(
        select(RewardItem)
        .where(RewardItem.scope == scope_key, RewardItem.active)
        .order_by(RewardItem.price, RewardItem.id)
    )
    return list(rows.all())


@dataclass(frozen=True)
class ItemAdded:
    """On offer now."""

    item: RewardItem


@dataclass(frozen=True)
class CatalogueFull:
    """At most MAX_ITEMS items."""


async def add_item(
    session: AsyncSession, scope_key: str, name: str, price: int, *, actor: int,
    now: datetime,
) -> ItemAdded | CatalogueFull:
    """Put an item on offer (audited)."""
    if len(await catalogue(session, scope_key)) >= MAX_ITEMS:
        return CatalogueFull()
    item = RewardItem(scope=scope_key, name=name, price=price, active=True, created_by=actor,
                      created_at=now)
    session.add(item)
    await session.flush()
    audit.record(
        session, at=now, action="rewards.add", object_type="reward_item", object_id=item.id,
        actor=actor, after={"scope": scope_key, "name": name, "price": price},
    )
    return ItemAdded(item)


async def remove_item(
    session: AsyncSession, scope_key: str, item_id: int, *, actor: int, now: datetime
) -> RewardItem | None:
    """Take an item off the catalogue (its history stays); None if it is not on offer."""
    item = await session.get(RewardItem, item_id)
    if item is None or item.scope != scope_key or not item.active:
        return None
    item.active = False
    audit.record(
        session, at=now, action="rewards.remove", object_type="reward_item",
        object_id=item.id, actor=actor, before={"active": True}, after={"active": False},
    )
    return item


@dataclass(frozen=True)
class RewardAsked:
    """The request waits for a leader to hand the item over."""

    request: RewardRequest
    item: RewardItem


@dataclass(frozen=True)
class ItemGone:
    """No longer on offer."""


AskResult = RewardAsked | points.ShortBalance | ItemGone


async def ask(
    session: AsyncSession, item_id: int, person: Person, group_id: int, *, now: datetime
) -> AskResult:
    """A volunteer asks for an item; nothing is spent until it is handed over."""
    item = await session.get(RewardItem, item_id)
    if item is None or not item.active:
        return ItemGone()
    await lock_person(session, person.id)
    have = await points.balance(session, item.scope, person.id)
    # Items asked for and not yet handed over are spoken for.
    promised = await session.scalar(
        select(func.coalesce(func.sum(RewardItem.price), 0))
        .join(RewardRequest, RewardRequest.item_id == RewardItem.id)
        .where(RewardRequest.person_id == person.id, RewardItem.scope == item.scope,
               RewardRequest.status == RequestStatus.OPEN,
               RewardRequest.at > now - PROMISED_FOR)
    )
    if have - int(promised or 0) < item.price:
        return points.ShortBalance(have - int(promised or 0))
    request = RewardRequest(item_id=item.id, person_id=person.id, group_id=group_id,
                            status=RequestStatus.OPEN, at=now)
    session.add(request)
    await session.flush()
    return RewardAsked(request, item)


@dataclass(frozen=True)
class HandedOver:
    """Handed over: the points are spent."""

    request: RewardRequest
    item: RewardItem
    balance: int


@dataclass(frozen=True)
class RewardDeclined:
    """The leader did not hand it over; nothing is spent."""

    request: RewardRequest
    item: RewardItem


@dataclass(frozen=True)
class RequestClosed:
    """Another leader decided first (or there is no such request)."""


HandResult = HandedOver | RewardDeclined | RequestClosed | points.ShortBalance | points.OwnPoints


async def hand_over(
    session: AsyncSession, request_id: int, *, accept: bool, actor: int, now: datetime
) -> HandResult:
    """A leader confirms the hand-over (the points are spent then) or declines."""
    request = await session.scalar(
        locking(select(RewardRequest).where(RewardRequest.id == request_id))
    )
    if request is None or request.status != RequestStatus.OPEN:
        return RequestClosed()
    item = await session.get(RewardItem, request.item_id)
    person = await session.get(Person, request.person_id)
    assert item is not None and person is not None
    if not accept:
        request.status, request.decided_by, request.decided_at = (
            RequestStatus.REJECTED, actor, now
        )
        return RewardDeclined(request, item)
    spent = await points.redeem(session, item.scope, person, item.price, item.name,
                                group_id=request.group_id, actor=actor, now=now)
    if not isinstance(spent, points.Redeemed):
        return spent
    request.status, request.decided_by, request.decided_at = (
        RequestStatus.ACCEPTED, actor, now
    )
    return HandedOver(request, item, spent.balance)
