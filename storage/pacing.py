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

from sqlalchemy import bindparam, delete, select, update
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


# Built once with bound values (asked on every command and acknowledgement): building a
# statement costs more than running it.
_BUCKET = select(MemberBucket.tokens, MemberBucket.at, MemberBucket.warned,
                 MemberBucket.dropped, MemberBucket.version).where(
    MemberBucket.chat_id == bindparam("chat"), MemberBucket.user_id == bindparam("user"))
_VALUES: dict[str, Any] = {
    "tokens": bindparam("tokens"), "at": bindparam("at"), "warned": bindparam("warned"),
    "dropped": bindparam("dropped"), "version": bindparam("kept"),
}
_KEEP = update(MemberBucket).where(
    MemberBucket.chat_id == bindparam("chat"), MemberBucket.user_id == bindparam("user"),
    MemberBucket.version == bindparam("version"),
).values(_VALUES)
_NEW_BUCKET = {
    dialect: insert(MemberBucket).values(
        chat_id=bindparam("chat"), user_id=bindparam("user"), **_VALUES
    ).on_conflict_do_nothing(index_elements=["chat_id", "user_id"])
    for dialect, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_TAKE_WINDOW = {
    dialect: insert(AckWindow).values(
        chat_id=bindparam("chat"), thread_id=bindparam("thread"), kind=bindparam("kind"),
        quiet_at=bindparam("until"),
    ).on_conflict_do_update(
        index_elements=["chat_id", "thread_id", "kind"],
        set_={"quiet_at": bindparam("until")}, where=AckWindow.quiet_at <= bindparam("now"),
    ).returning(AckWindow.quiet_at)
    for dialect, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_WINDOW = select(AckWindow.quiet_at).where(
    AckWindow.chat_id == bindparam("chat"), AckWindow.thread_id == bindparam("thread"),
    AckWindow.kind == bindparam("kind"))


async def bucket(db: AsyncConnection, chat: int, user: int) -> tuple[Bucket, int] | None:
    """The member's bucket as stored, with its version (None: they have a full one)."""
    row = (await db.execute(_BUCKET, {"chat": chat, "user": user})).one_or_none()
    if row is None:
        return None
    return Bucket(row.tokens, row.at, row.warned, row.dropped), row.version


async def keep_bucket(db: AsyncConnection, chat: int, user: int, new: Bucket,
                      version: int | None) -> int | None:
    """Store the bucket if it is still at `version` (None: if there is none yet); its new
    version, or None if another instance changed it first. A new row starts at a random
    version, so one deleted and made again is never taken for the one an instance read."""
    kept = secrets.randbelow(2**30) if version is None else (version + 1) % 2**31
    values = {"chat": chat, "user": user, "tokens": new.tokens, "at": new.at,
              "warned": new.warned, "dropped": new.dropped, "kept": kept, "version": version}
    if version is None:
        del values["version"]
        result = await db.execute(_NEW_BUCKET[db.dialect.name], values)
    else:
        result = await db.execute(_KEEP, values)
    return kept if int(getattr(result, "rowcount", 0) or 0) == 1 else None


async def take_window(db: AsyncConnection, chat: int, thread: int | None, kind: str,
                      now: float, until: float) -> float | None:
    """Take the kind's window until `until` if it has passed by `now` (None: taken, post
    now); else the time it passes."""
    key = {"chat": chat, "thread": thread or 0, "kind": kind}
    taken = await db.scalar(_TAKE_WINDOW[db.dialect.name], {**key, "now": now, "until": until})
    if taken is not None:
        return None
    quiet_at = await db.scalar(_WINDOW, key)
    return now if quiet_at is None else float(quiet_at)


async def forget_old(db: AsyncConnection, now: float) -> None:
    """Delete buckets and windows an hour old: a missing one is a full bucket, a past window."""
    await db.execute(delete(MemberBucket).where(MemberBucket.at < now - KEEP))
    await db.execute(delete(AckWindow).where(AckWindow.quiet_at < now - KEEP))


async def forget_user(db: AsyncConnection, user: int) -> None:
    """Delete a member's buckets (/forgetme: nothing may keep their Telegram identity)."""
    await db.execute(delete(MemberBucket).where(MemberBucket.user_id == user))
