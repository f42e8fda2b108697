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

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Outbox, OutboxStatus

KEYS_PER_QUERY = 900  # under SQLite's oldest limit of 999 parameters a statement


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
    """Insert the planned rows whose key is new; returns how many were new. Every tick plans
    what is due again until it expires, so most keys are usually there already."""
    if not planned:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        return await _enqueue_postgresql(session, planned, now)
    # SQLite: the keys already there are read first (cheaper than thousands of inserts that
    # conflict), then one statement compiled once inserts the rest in batches (SQLAlchemy's
    # insertmanyvalues); RETURNING counts the new ones.
    there: set[str] = set()
    for first in range(0, len(planned), KEYS_PER_QUERY):
        batch = [p.key for p in planned[first:first + KEYS_PER_QUERY]]
        there.update(await session.scalars(select(Outbox.key).where(Outbox.key.in_(batch))))
    rows = [
        {
            "key": p.key, "group_id": p.group_id, "kind": p.kind, "person_id": p.person_id,
            "due_at": p.due_at, "expires_at": p.expires_at, "status": OutboxStatus.PENDING,
            "attempts": 0, "payload": p.payload, "created_at": now,
        }
        for p in planned if p.key not in there
    ]
    if not rows:
        return 0
    statement = sqlite_insert(Outbox).on_conflict_do_nothing(index_elements=["key"])
    result = await session.execute(statement.returning(Outbox.id), rows)
    return len(result.all())


# PostgreSQL: one statement whatever the number of rows: the columns go as arrays (a district's
# 18:00 is ten thousand rows; one parameter per value would pass the 32,767 limit), keys already
# there are skipped by an index lookup, and a key another instance inserts meanwhile by the
# conflict clause.
_UNNEST = text("""
    INSERT INTO outbox (key, group_id, kind, person_id, due_at, expires_at, status, attempts,
                        payload, created_at)
    SELECT t.key, t.group_id, t.kind, t.person_id, t.due_at, t.expires_at, :status, 0,
           CAST(t.payload AS JSON), CAST(:now AS TIMESTAMPTZ)
    FROM unnest(CAST(:keys AS VARCHAR[]), CAST(:groups AS INTEGER[]), CAST(:kinds AS VARCHAR[]),
                CAST(:people AS INTEGER[]), CAST(:dues AS TIMESTAMPTZ[]),
                CAST(:expires AS TIMESTAMPTZ[]), CAST(:payloads AS TEXT[]))
         AS t(key, group_id, kind, person_id, due_at, expires_at, payload)
    WHERE NOT EXISTS (SELECT 1 FROM outbox AS o WHERE o.key = t.key)
    ON CONFLICT (key) DO NOTHING
    RETURNING id
""")


async def _enqueue_postgresql(session: AsyncSession, planned: Sequence[Planned],
                              now: datetime) -> int:
    result = await session.execute(_UNNEST, {
        "status": OutboxStatus.PENDING.value, "now": now,
        "keys": [p.key for p in planned], "groups": [p.group_id for p in planned],
        "kinds": [p.kind for p in planned], "people": [p.person_id for p in planned],
        "dues": [p.due_at for p in planned], "expires": [p.expires_at for p in planned],
        "payloads": [json.dumps(p.payload) for p in planned],
    })
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
    skip: Collection[int] = (), lease_until: datetime | None = None,
) -> list[Outbox]:
    """Take due pending rows for sending under `owner`'s lease (other dispatchers skip the
    locked rows on PostgreSQL); `skip`: rows this dispatch already tried (looked at again
    once the rows are read: a row may be tried and pending again while this claim waits)."""
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
    rows = [r for r in (await session.scalars(query)).all() if r.id not in skip]
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
