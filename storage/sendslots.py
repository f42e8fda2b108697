"""Telegram's limits shared by every instance of a deployment (PostgreSQL).

Each message any instance posts takes a slot first: a row in scope 0 (every message: 30 a
second) and, for a group, a row in the chat's scope (20 a minute into one group). A
transaction-scoped advisory lock lets one instance at a time count and take, and the times
are the database server's, so the instances' clocks need not agree. The counting is a
database function, so a message costs one round trip. The windows slide, as
Telegram counts them; a margin covers the time a request takes to arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

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


# The rule itself is the database function take_send_slot (migration 0011): it takes the lock,
# counts and inserts in the one round trip each message of the deployment makes.
_TAKE = text(
    "SELECT reserved, wait FROM take_send_slot("
    "CAST(:chat AS BIGINT), :every, :limit, :seconds, :margin, :lock)"
)


async def take(db: AsyncConnection, chat: int | None, overall: Window, group: Window) -> Slot:
    """Reserve the next slot for one message. The deployment's messages are spaced evenly
    (`overall.seconds / overall.limit` apart), queued a little into the future rather than
    sent in bursts, so one statement serves each message; a group (`chat`; None for a
    private chat) whose window is full reserves nothing and is told when it frees. `db`
    commits each statement by itself (storage.db.at_once): the lock lasts the one call."""
    row = (await db.execute(_TAKE, {
        "chat": chat, "every": overall.seconds / overall.limit, "limit": group.limit,
        "seconds": group.seconds, "margin": group.margin, "lock": LOCK,
    })).one()
    return Slot(bool(row.reserved), float(row.wait))


async def forget_old(session: AsyncSession) -> int:
    """Delete slots older than every window (hourly upkeep; only PostgreSQL takes slots)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    result = await session.execute(
        delete(SendSlot).where(SendSlot.at < func.clock_timestamp() - KEEP)
    )
    return int(getattr(result, "rowcount", 0) or 0)
