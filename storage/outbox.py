"""The outbox: planned notifications, each at most once.

- `enqueue` inserts by dedupe key; inserting a key twice is a no-op.
- `claim_due` marks due rows `claimed`; each is marked `sending` (committed) right before
  its request, so a crash tells the two apart: `claimed` was surely not sent.
- The dispatcher then records what happened: `sent` (with the message id), back to
  `pending` when Telegram proves nothing was sent, or `uncertain` when nobody can know.
- Every claim names its dispatcher (`claimed_by`) and holds a lease (`lease_until`): only
  that dispatcher marks the row `sending` and records its outcome. When a lease runs out (its
  process died), any dispatcher recovers the row: `claimed` back to `pending`, `sending` to
  `uncertain`. A dispatcher starting again under the same name recovers its own rows at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Outbox, OutboxStatus


@dataclass(frozen=True)
class Planned:
    """A notification the planner found due (or coming)."""

    key: str
    group_id: int
    kind: str
    due_at: datetime
    expires_at: datetime
    person_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


async def enqueue(session: AsyncSession, planned: Sequence[Planned], *, now: datetime) -> int:
    """Insert the planned rows whose key is new; returns how many were new."""
    if not planned:
        return 0
    rows = [
        {
            "key": p.key, "group_id": p.group_id, "kind": p.kind, "person_id": p.person_id,
            "due_at": p.due_at, "expires_at": p.expires_at, "status": OutboxStatus.PENDING,
            "attempts": 0, "payload": p.payload, "created_at": now,
        }
        for p in planned
    ]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # One statement compiled once, its rows sent in batches (SQLAlchemy's insertmanyvalues:
    # PostgreSQL takes at most 32,767 parameters a statement); RETURNING counts the new ones.
    statement = insert(Outbox).on_conflict_do_nothing(index_elements=["key"])
    result = await session.execute(statement.returning(Outbox.id), rows)
    return len(result.all())


async def pending_summary(session: AsyncSession, group_id: int) -> str | None:
    """The key of the group's daily summary waiting to be sent, if one is."""
    return await session.scalar(
        select(Outbox.key)
        .where(Outbox.group_id == group_id, Outbox.kind == "summary",
               Outbox.status == OutboxStatus.PENDING)
        .order_by(Outbox.due_at.desc())
        .limit(1)
    )


SOLO = "solo"  # the dispatcher's name where only one process runs
LEASE = timedelta(minutes=5)  # a claim outlives one dispatch's sending by far


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int = 100, owner: str = SOLO,
    skip: Sequence[int] = (), lease_until: datetime | None = None,
) -> list[Outbox]:
    """Take due pending rows for sending under `owner`'s lease (other dispatchers skip the
    locked rows on PostgreSQL); `skip`: rows this dispatch already tried."""
    lease_until = lease_until or now + LEASE
    query = (
        select(Outbox)
        .where(
            Outbox.status == OutboxStatus.PENDING,
            Outbox.due_at <= now,
            or_(Outbox.not_before.is_(None), Outbox.not_before <= now),
        )
        .order_by(Outbox.due_at, Outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if skip:
        query = query.where(Outbox.id.not_in(skip))
    rows = list((await session.scalars(query)).all())
    for row in rows:
        if row.expires_at <= now:
            row.status = OutboxStatus.EXPIRED
        else:
            row.status = OutboxStatus.CLAIMED
            row.claimed_by, row.lease_until = owner, lease_until
    return [r for r in rows if r.status is OutboxStatus.CLAIMED]


async def mark_sending(session: AsyncSession, row_id: int, *, owner: str = SOLO,
                       lease_until: datetime | None = None) -> bool:
    """Right before the request: from here on a crash leaves the outcome unknown. False when
    the row is no longer this dispatcher's (its lease ran out and another took it over)."""
    values: dict[str, Any] = {"status": OutboxStatus.SENDING, "attempts": Outbox.attempts + 1}
    if lease_until is not None:
        values["lease_until"] = lease_until
    result = await session.execute(
        update(Outbox)
        .where(Outbox.id == row_id, Outbox.status == OutboxStatus.CLAIMED,
               Outbox.claimed_by == owner)
        .values(**values)
    )
    return bool(getattr(result, "rowcount", 0))


async def renew(session: AsyncSession, *, owner: str, lease_until: datetime) -> int:
    """A dispatcher still at work keeps its claimed and sending rows (a long evening of
    waiting for Telegram's limits must not look like a dead process)."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.claimed_by == owner,
               Outbox.status.in_((OutboxStatus.CLAIMED, OutboxStatus.SENDING)))
        .values(lease_until=lease_until)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def finish(
    session: AsyncSession,
    row_id: int,
    status: OutboxStatus,
    *,
    now: datetime,
    message_id: int | None = None,
    error: str | None = None,
    not_before: datetime | None = None,
    owner: str = SOLO,
) -> None:
    """Record the outcome of one send (only a row still `sending` under `owner` changes)."""
    values: dict[str, Any] = {"status": status, "error": error[:200] if error else None,
                              "claimed_by": None, "lease_until": None}
    if status is OutboxStatus.SENT:
        values.update(message_id=message_id, sent_at=now)
    if status is OutboxStatus.PENDING:
        values["not_before"] = not_before
    await session.execute(
        update(Outbox)
        .where(Outbox.id == row_id, Outbox.status == OutboxStatus.SENDING,
               Outbox.claimed_by == owner)
        .values(**values)
    )


async def recover(
    session: AsyncSession, *, now: datetime, owner: str | None = None, everything: bool = False
) -> int:
    """Rows whose dispatcher stopped: `claimed` rows were not sent (pending again); rows left
    `sending` have an unknown outcome and are never resent. Whose: every lease that ran out,
    `owner`'s own (it is starting again), or every row (`everything`: the only process).
    Returns how many became uncertain."""
    whose = or_(Outbox.lease_until.is_(None), Outbox.lease_until <= now)
    if owner is not None:
        whose = or_(whose, Outbox.claimed_by == owner)
    stopped = [] if everything else [whose]
    await session.execute(
        update(Outbox)
        .where(Outbox.status == OutboxStatus.CLAIMED, *stopped)
        .values(status=OutboxStatus.PENDING, claimed_by=None, lease_until=None)
    )
    result = await session.execute(
        update(Outbox)
        .where(Outbox.status == OutboxStatus.SENDING, *stopped)
        .values(status=OutboxStatus.UNCERTAIN, error="process stopped while sending",
                claimed_by=None, lease_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending row is due (to wake the dispatcher)."""
    return await session.scalar(
        select(func.min(func.coalesce(Outbox.not_before, Outbox.due_at))).where(
            Outbox.status == OutboxStatus.PENDING
        )
    )


async def counts(session: AsyncSession) -> dict[str, int]:
    """Rows per status (for logs and tests)."""
    rows = await session.execute(select(Outbox.status, func.count()).group_by(Outbox.status))
    return {str(status): int(n) for status, n in rows.all()}


async def gap_shifts_alerted_since(
    session: AsyncSession, group_id: int, since: datetime, *, except_key: str
) -> set[int]:
    """Shifts a gap alert of the group already named since an instant (today's start): a
    shift short every day is alerted at most once a day, even when its time moved."""
    rows = await session.scalars(
        select(Outbox.payload).where(
            Outbox.group_id == group_id, Outbox.kind == "gap", Outbox.key != except_key,
            Outbox.status == OutboxStatus.SENT, Outbox.sent_at >= since,
        )
    )
    return {int(i) for payload in rows.all() for i in (payload or {}).get("shifts", [])}


LIVE = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class Backlog:
    """The outbox at a glance: rows by (status, kind), and how long the oldest due pending
    row has waited."""

    rows: dict[tuple[str, str], int]
    oldest_pending_seconds: float


async def backlog(session: AsyncSession, *, now: datetime) -> Backlog:
    """Every live row (pending, claimed, sending) and the rows finished among those due in
    the last 24 hours, by status and kind (both read through the status/due index)."""
    finished = [s for s in OutboxStatus if s not in LIVE]
    rows: dict[tuple[str, str], int] = {}
    for where in ((Outbox.status.in_(LIVE),),
                  (Outbox.status.in_(finished), Outbox.due_at >= now - RECENT)):
        counted = await session.execute(
            select(Outbox.status, Outbox.kind, func.count()).where(*where)
            .group_by(Outbox.status, Outbox.kind)
        )
        rows.update({(str(status), kind): int(n) for status, kind, n in counted.all()})
    oldest = await session.scalar(
        select(func.min(Outbox.due_at)).where(
            Outbox.status == OutboxStatus.PENDING, Outbox.due_at <= now
        )
    )
    waited = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Backlog(rows=rows, oldest_pending_seconds=waited)
