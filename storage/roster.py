"""The latest roster message per group: the one message edited when claims change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RosterMessage

# Built once, the values bound at each call (every /shift posts a new roster).
_MOVE = update(RosterMessage).where(RosterMessage.group_id == bindparam("group")).values(
    chat_id=bindparam("chat"), message_id=bindparam("message"), thread_id=bindparam("thread"),
    updated_at=bindparam("now"), page=0,
).execution_options(synchronize_session=False)


async def remember(
    session: AsyncSession,
    group_id: int,
    *,
    chat_id: int,
    message_id: int,
    thread_id: int | None,
    now: datetime,
) -> None:
    """A new roster message was posted: it becomes the one to keep up to date."""
    moved = await session.execute(_MOVE, {"group": group_id, "chat": chat_id,
                                          "message": message_id, "thread": thread_id,
                                          "now": now})
    if not getattr(moved, "rowcount", 0):
        session.add(
            RosterMessage(
                group_id=group_id, chat_id=chat_id, message_id=message_id, thread_id=thread_id,
                page=0, updated_at=now,
            )
        )


async def set_page(session: AsyncSession, group_id: int, message_id: int, page: int) -> None:
    """Remember which page the latest roster message shows (for later edits)."""
    row = await latest(session, group_id)
    if row is not None and row.message_id == message_id:
        row.page = page


async def latest(session: AsyncSession, group_id: int) -> RosterMessage | None:
    """The group's current roster message, if any."""
    return await session.scalar(_LATEST, {"group": group_id})


_LATEST = select(RosterMessage).where(RosterMessage.group_id == bindparam("group"))


async def forget(session: AsyncSession, group_id: int) -> None:
    """The roster message is gone (deleted in the chat): stop editing it."""
    await session.execute(delete(RosterMessage).where(RosterMessage.group_id == group_id))
