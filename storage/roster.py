"""The latest roster message per group: the one message edited when claims change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import RosterMessage


def _remember_statement(insert: Callable[[type[RosterMessage]], Any]) -> Any:
    new = insert(RosterMessage)
    return new.on_conflict_do_update(
        index_elements=["group_id"],
        set_={name: new.excluded[name]
              for name in ("chat_id", "message_id", "thread_id", "page", "updated_at")},
    )


# Built once (every /shift posts a new roster): one statement whether or not the group had one.
_REMEMBER = {"postgresql": _remember_statement(pg_insert),
             "sqlite": _remember_statement(sqlite_insert)}


async def remember(
    db: AsyncConnection,
    group_id: int,
    *,
    chat_id: int,
    message_id: int,
    thread_id: int | None,
    now: datetime,
) -> None:
    """A new roster message was posted: it becomes the one to keep up to date (a statement
    that commits by itself: `storage.db.at_once`)."""
    await db.execute(_REMEMBER[db.dialect.name], {
        "group_id": group_id, "chat_id": chat_id, "message_id": message_id,
        "thread_id": thread_id, "page": 0, "updated_at": now,
    })


async def set_page(session: AsyncSession, group_id: int, message_id: int, page: int) -> None:
    """Remember which page the latest roster message shows (for later edits)."""
    row = await latest(session, group_id)
    if row is not None and row.message_id == message_id:
        row.page = page


async def latest(session: AsyncSession, group_id: int) -> RosterMessage | None:
    """The group's current roster message, if any."""
    return await session.scalar(_LATEST, {"group": group_id})


_LATEST = select(RosterMessage).where(RosterMessage.group_id == bindparam("group"))


async def forget(session: AsyncSession, group_id: int, message_id: int) -> None:
    """The roster message is gone (deleted in the chat): stop editing it (unless a newer
    one has taken its place meanwhile)."""
    await session.execute(delete(RosterMessage).where(
        RosterMessage.group_id == group_id, RosterMessage.message_id == message_id))
