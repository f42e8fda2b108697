"""Telegram's limits shared by every instance of a deployment (PostgreSQL).

Each message any instance posts takes a slot first: a row in scope 0 (every message: 30 a
second) and, for a group, a row in the chat's scope (20 a minute into one group). A
transaction-scoped advisory lock lets one instance at a time count and take, and the times
are the database server's, so the instances' clocks need not agree. The windows slide, as
Telegram counts them; a margin covers the time a request takes to arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SendSlot

EVERY_MESSAGE = 0  # the scope counting every message of the deployment
LOCK = 0x64757479  # pg_advisory_xact_lock key: "duty"
KEEP = timedelta(minutes=5)  # slots older than every window are deleted


@dataclass(frozen=True)
class Window:
    """At most `limit` messages in any `seconds`, plus `margin` seconds to be safe."""

    limit: int
    seconds: float
    margin: float


@dataclass(frozen=True)
class Slot:
    """`reserved`: send in `wait` seconds. Else the group's window is full: ask again then."""

    reserved: bool
    wait: float


async def take(session: AsyncSession, chat: int | None, overall: Window,
               group: Window) -> Slot:
    """Reserve the next slot for one message. The deployment's messages are spaced evenly
    (`overall.seconds / overall.limit` apart), queued a little into the future rather than
    sent in bursts, so one transaction serves each message; a group (`chat`; None for a
    private chat) whose window is full reserves nothing and is told when it frees."""
    await session.execute(select(func.pg_advisory_xact_lock(LOCK)))
    now = await session.scalar(select(func.clock_timestamp()))
    assert isinstance(now, datetime)
    if chat is not None:
        recent = list((await session.scalars(
            select(SendSlot.at).where(
                SendSlot.scope == chat, SendSlot.at > now - timedelta(seconds=group.seconds))
            .order_by(SendSlot.at.desc()).limit(group.limit)
        )).all())
        if len(recent) >= group.limit:
            free_at = recent[-1] + timedelta(seconds=group.seconds + group.margin)
            return Slot(False, max((free_at - now).total_seconds(), 0.001))
    last = await session.scalar(
        select(func.max(SendSlot.at)).where(SendSlot.scope == EVERY_MESSAGE))
    at = now
    if last is not None:
        at = max(now, last + timedelta(seconds=overall.seconds / overall.limit))
    await session.execute(insert(SendSlot), [
        {"scope": scope, "at": at}
        for scope in ([EVERY_MESSAGE] + ([chat] if chat is not None else []))
    ])
    return Slot(True, (at - now).total_seconds())


async def forget_old(session: AsyncSession) -> int:
    """Delete slots older than every window (hourly upkeep; only PostgreSQL takes slots)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    result = await session.execute(
        delete(SendSlot).where(SendSlot.at < func.clock_timestamp() - KEEP)
    )
    return int(getattr(result, "rowcount", 0) or 0)
