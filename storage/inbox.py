"""The webhook's inbox: every update Telegram posted, kept until it has been handled.

An instance answers Telegram's POST only once the update is stored here, so an instance that
dies (SIGKILL, power) with updates still waiting in its queue loses none of them:

- `receive` stores updates under the instance's name and lease; an update already here
  (Telegram posted it again) is not stored, nor queued, twice.
- `begin` marks updates `started` right before they are handled, and only those still this
  instance's: an update another instance took over is handled there, not here.
- `finish` deletes handled updates; `renew` keeps the updates an instance holds its own.
- `recover` takes the updates whose lease ran out (an instance that stopped, or a row its
  instance lost track of), and at start-up the instance's own from before: those never
  started are handed back to be handled; started ones may or may not have taken effect, so
  they are deleted and counted, never handled twice (as the outbox's `uncertain`).

Each but `recover` is one statement that commits by itself (storage.db.at_once), for a
batch of updates. Times are seconds since the epoch, from the instances' clocks (as
storage.pacing): they must agree to well within a lease (NTP does).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, bindparam, delete, or_, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from storage.models import InboxUpdate

LEASE = 60.0  # seconds an instance holds its updates without renewing


@dataclass(frozen=True)
class Recovered:
    """What `recover` found: updates to handle (id, body) and how many were dropped."""

    updates: list[tuple[int, str]]
    dropped: int


def _ids(dialect: str) -> ColumnElement[bool]:
    """`update_id` among the bound `ids`: one array on PostgreSQL (one prepared statement
    for any number), an expanded list on SQLite."""
    if dialect == "postgresql":
        return InboxUpdate.update_id == bindparam("ids", type_=ARRAY(BigInteger)).any_()
    return InboxUpdate.update_id.in_(bindparam("ids", expanding=True))


# Built once with bound values (run for every batch of updates).
_RECEIVE = {
    dialect: insert(InboxUpdate).values(
        update_id=bindparam("id"), body=bindparam("json"), owner=bindparam("who"),
        lease_until=bindparam("until"), started=False,
    ).on_conflict_do_nothing(index_elements=["update_id"]).returning(InboxUpdate.update_id)
    for dialect, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
# Started already is fine: this instance asked before and lost the answer (it begins an
# update once; a restart drops its started rows before it takes any).
_BEGIN = {
    dialect: update(InboxUpdate).where(_ids(dialect), InboxUpdate.owner == bindparam("who"))
    .values(started=True).returning(InboxUpdate.update_id)
    for dialect in ("postgresql", "sqlite")
}
_FINISH = {
    dialect: delete(InboxUpdate).where(_ids(dialect), InboxUpdate.owner == bindparam("who"))
    for dialect in ("postgresql", "sqlite")
}
_RENEW = {
    dialect: update(InboxUpdate).where(_ids(dialect), InboxUpdate.owner == bindparam("who"))
    .values(lease_until=bindparam("until"))
    for dialect in ("postgresql", "sqlite")
}


def _dialect(db: AsyncConnection) -> str:
    return db.dialect.name


async def receive(db: AsyncConnection, updates: Sequence[tuple[int, str]], *, owner: str,
                  lease_until: float) -> set[int]:
    """Store `updates` (id, JSON body) as `owner`'s; returns the ids that were new."""
    if not updates:
        return set()
    rows = [{"id": i, "json": body, "who": owner, "until": lease_until} for i, body in updates]
    result = await db.execute(_RECEIVE[_dialect(db)], rows)
    return set(result.scalars().all())


async def begin(db: AsyncConnection, ids: Collection[int], *, owner: str) -> set[int]:
    """Mark `owner`'s updates among `ids` as started; returns those marked (the rest are
    another instance's now)."""
    if not ids:
        return set()
    result = await db.execute(_BEGIN[_dialect(db)], {"ids": list(ids), "who": owner})
    return set(result.scalars().all())


async def finish(db: AsyncConnection, ids: Collection[int], *, owner: str) -> None:
    """Delete `owner`'s handled updates."""
    if ids:
        await db.execute(_FINISH[_dialect(db)], {"ids": list(ids), "who": owner})


async def renew(db: AsyncConnection, ids: Collection[int], *, owner: str,
                lease_until: float) -> None:
    """Extend `owner`'s lease on the updates among `ids` (those in its queue or being
    handled; any other row under its name runs out and is taken back)."""
    if ids:
        await db.execute(_RENEW[_dialect(db)],
                         {"ids": list(ids), "who": owner, "until": lease_until})


async def recover(db: AsyncConnection, *, owner: str, now: float, lease_until: float,
                  held: Collection[int] = (), own: bool = False,
                  everything: bool = False) -> Recovered:
    """Take over the updates whose lease ran out, except those `owner` `held` (with `own`,
    `owner`'s others too: it has just started; with `everything`, all: one process,
    SQLite). Never-started ones become `owner`'s and are returned; started ones are deleted
    and counted. Run it in one transaction: both statements or neither."""
    whose: ColumnElement[bool] = InboxUpdate.lease_until < now
    if everything:
        whose = true()
    elif own:
        whose = or_(whose, InboxUpdate.owner == owner)
    if held and _dialect(db) == "postgresql":  # one array, however many are held
        whose = whose & (InboxUpdate.update_id
                         != bindparam("held", list(held), type_=ARRAY(BigInteger)).all_())
    elif held:
        whose = whose & InboxUpdate.update_id.not_in(list(held))
    dropped = await db.execute(
        delete(InboxUpdate).where(whose, InboxUpdate.started.is_(True))
        .returning(InboxUpdate.update_id)
    )
    taken = await db.execute(
        update(InboxUpdate).where(whose, InboxUpdate.started.is_(False))
        .values(owner=owner, lease_until=lease_until)
        .returning(InboxUpdate.update_id, InboxUpdate.body)
    )
    return Recovered(sorted((row.update_id, row.body) for row in taken), len(dropped.all()))
