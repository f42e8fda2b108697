"""The per-member limit and the acknowledgement windows, shared by every instance (PostgreSQL).

One process keeps both in memory (bot.throttle, bot.acks); several instances of a deployment
keep them here, so a member who is answered by two instances still has one bucket, and a
group gets one acknowledgement of a kind a window whichever instance posts it. Each is a
single statement that commits by itself (storage.db.at_once): a bucket changes only if
nobody changed it since it was read (its version), and a window is taken only if it has
passed.
Times are seconds since the epoch, from the instances' clocks.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import AckWindow, MemberBucket

KEEP = 3600.0  # seconds after which a bucket is full and a window long past: deleted


@dataclass(frozen=True)
class Bucket:
    """One member's tokens at `at`, and whether "slow down" and "not done" were said."""

    tokens: float
    at: float
    warned: bool = False
    dropped: bool = False


def _insert(db: AsyncConnection) -> Any:
    return pg_insert if db.dialect.name == "postgresql" else sqlite_insert


async def bucket(db: AsyncConnection, chat: int, user: int) -> tuple[Bucket, int] | None:
    """The member's bucket as stored, with its version (None: they have a full one)."""
    row = (await db.execute(
        select(MemberBucket.tokens, MemberBucket.at, MemberBucket.warned,
               MemberBucket.dropped, MemberBucket.version)
        .where(MemberBucket.chat_id == chat, MemberBucket.user_id == user)
    )).one_or_none()
    if row is None:
        return None
    return Bucket(row.tokens, row.at, row.warned, row.dropped), row.version


async def keep_bucket(db: AsyncConnection, chat: int, user: int, new: Bucket,
                      version: int | None) -> int | None:
    """Store the bucket if it is still at `version` (None: if there is none yet); its new
    version, or None if another instance changed it first. A new row starts at a random
    version, so one deleted and made again is never taken for the one an instance read."""
    values = {"tokens": new.tokens, "at": new.at, "warned": new.warned, "dropped": new.dropped}
    if version is None:
        kept = secrets.randbelow(2**30)
        statement = _insert(db)(MemberBucket).values(
            chat_id=chat, user_id=user, version=kept, **values
        ).on_conflict_do_nothing(index_elements=["chat_id", "user_id"])
    else:
        kept = (version + 1) % 2**31
        statement = update(MemberBucket).where(
            MemberBucket.chat_id == chat, MemberBucket.user_id == user,
            MemberBucket.version == version,
        ).values(version=kept, **values)
    result = await db.execute(statement)
    return kept if int(getattr(result, "rowcount", 0) or 0) == 1 else None


async def take_window(db: AsyncConnection, chat: int, thread: int | None, kind: str,
                      now: float, until: float) -> float | None:
    """Take the kind's window until `until` if it has passed by `now` (None: taken, post
    now); else the time it passes."""
    key = {"chat_id": chat, "thread_id": thread or 0, "kind": kind}
    statement = _insert(db)(AckWindow).values(quiet_at=until, **key)
    taken = await db.scalar(
        statement.on_conflict_do_update(
            index_elements=["chat_id", "thread_id", "kind"],
            set_={"quiet_at": until}, where=AckWindow.quiet_at <= now,
        ).returning(AckWindow.quiet_at)
    )
    if taken is not None:
        return None
    quiet_at = await db.scalar(
        select(AckWindow.quiet_at).where(*(getattr(AckWindow, k) == v for k, v in key.items()))
    )
    return now if quiet_at is None else float(quiet_at)


async def forget_old(db: AsyncConnection, now: float) -> None:
    """Delete buckets and windows an hour old: a missing one is a full bucket, a past window."""
    await db.execute(delete(MemberBucket).where(MemberBucket.at < now - KEEP))
    await db.execute(delete(AckWindow).where(AckWindow.quiet_at < now - KEEP))


async def forget_user(db: AsyncConnection, user: int) -> None:
    """Delete a member's buckets (/forgetme: nothing may keep their Telegram identity)."""
    await db.execute(delete(MemberBucket).where(MemberBucket.user_id == user))
