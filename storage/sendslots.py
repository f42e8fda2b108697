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


async def take(session: AsyncSession, chat: int | None, overall: Window,
               group: Window) -> float:
    """Take a slot for one message now and return 0, or return the seconds until one frees
    (nothing taken). `chat`: a group's chat id, None for a private chat."""
    await session.execute(select(func.pg_advisory_xact_lock(LOCK)))
    now = await session.scalar(select(func.clock_timestamp()))
    assert isinstance(now, datetime)
    windows = [(EVERY_MESSAGE, overall)] + ([(chat, group)] if chat is not None else [])
    wait = 0.0
    for scope, window in windows:
        count, oldest = (await session.execute(
            select(func.count(), func.min(SendSlot.at)).where(
                SendSlot.scope == scope,
                SendSlot.at > now - timedelta(seconds=window.seconds),
            )
        )).one()
        if count >= window.limit and oldest is not None:
            free_at = oldest + timedelta(seconds=window.seconds + window.margin)
            wait = max(wait, (free_at - now).total_seconds(), 0.001)
    if wait > 0:
        return wait
    await session.execute(insert(SendSlot), [{"scope": scope, "at": now}
                                             for scope, _window in windows])
    return 0.0


async def forget_old(session: AsyncSession) -> int:
    """Delete slots older than every window (hourly upkeep; only PostgreSQL takes slots)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    result = await session.execute(
        delete(SendSlot).where(SendSlot.at < func.clock_timestamp() - KEEP)
    )
    return int(getattr(result, "rowcount", 0) or 0)
