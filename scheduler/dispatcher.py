"""The dispatcher: sends due outbox rows at most once, exactly once where the outcome is known.

A row is marked `sending` (committed) before its request; what happens next is decided by the
`deliver` function the shell provides (it renders the text at send time and talks to
Telegram) and reported back as an Outcome.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.crash import crash_point
from storage import outbox
from storage.db import SessionFactory, transaction
from storage.groups import clear_attention
from storage.models import Outbox, OutboxStatus
from storage.outbox import Planned

BATCH = 100  # rows claimed at a time
SENDERS = 16  # groups sent to side by side (each group's rows in order)
BUDGET = 45.0  # seconds of sending per dispatch, so the next tick plans on time
RENEW_EVERY = 60.0  # seconds between renewals of the lease on this dispatcher's rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    """Telegram accepted it."""

    message_id: int


@dataclass(frozen=True)
class NotSent:
    """Telegram proved nothing was sent (refused connection, 429, 5xx with a body): retry."""

    reason: str
    retry_after: float = 0.0


@dataclass(frozen=True)
class Unknown:
    """Maybe sent, maybe not (a timeout or a connection dropped after the request)."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """Telegram refused for good (403, missing rights, closed topic): no retry loop."""

    reason: str


@dataclass(frozen=True)
class Skip:
    """Nothing to say any more (the gap was filled, the shift moved): cancelled."""


@dataclass(frozen=True)
class FannedOut:
    """One notice for several people: each gets their own row (its own key)."""

    children: list[Planned]


@dataclass(frozen=True)
class TooLate:
    """The deadline passed while waiting for a send slot: expired."""


Outcome = Sent | NotSent | Unknown | Refused | Skip | TooLate | FannedOut
Deliver = Callable[[Outbox, datetime], Awaitable[Outcome]]


@dataclass
class Stats:
    """What one dispatch pass did."""

    sent: int = 0
    retry: int = 0
    uncertain: int = 0
    failed: int = 0
    cancelled: int = 0
    expired: int = 0


async def dispatch(
    sessions: SessionFactory, deliver: Deliver, now: datetime, *, owner: str = outbox.SOLO,
    budget: float = BUDGET,
) -> Stats:
    """Send every due pending row once: batch after batch while a batch came back full (or
    fanned out), for at most `budget` seconds so the planner keeps its minute. Rows of
    different groups go out side by side (the rate limiter paces them), a group's rows in
    order. A row Telegram refused for now waits for the next dispatch."""
    stats = Stats()
    lease = _Lease(now)
    renewing = asyncio.create_task(_keep_lease(sessions, owner, lease))
    try:
        await _Pipeline(sessions, deliver, now, stats, owner, lease).run(budget)
    finally:
        renewing.cancel()
    return stats


class _Lease:
    """How long this dispatcher's rows stay its own: LEASE past the present moment (the
    tick's `now` plus the real seconds the dispatch has taken)."""

    def __init__(self, now: datetime) -> None:
        self.now, self.started = now, time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def until(self) -> datetime:
        return self.now + timedelta(seconds=self.elapsed()) + outbox.LEASE


async def _keep_lease(sessions: SessionFactory, owner: str, lease: _Lease) -> None:
    """Renew the lease on this dispatcher's rows every minute while it sends."""
    while True:
        await asyncio.sleep(RENEW_EVERY)
        try:
            async with transaction(sessions) as session:
                await outbox.renew(session, owner=owner, lease_until=lease.until())
        except Exception:  # the next minute tries again; the lease has minutes left
            log.warning("could not renew the outbox lease of %s", owner, exc_info=True)


class _Pipeline:
    """SENDERS senders take groups in turn, each sending its group's rows in order; the next
    batch is claimed while the last rows of the one before are still being sent, so the
    senders never wait for a claim (at a batch's end they used to: a pause every hundred
    messages, 1,000 reminders 2 s later)."""

    def __init__(self, sessions: SessionFactory, deliver: Deliver, now: datetime,
                 stats: Stats, owner: str, lease: _Lease) -> None:
        self.sessions, self.deliver, self.now = sessions, deliver, now
        self.stats, self.owner, self.lease = stats, owner, lease
        self.waiting: dict[int, deque[Outbox]] = {}  # group → claimed rows not yet started
        self.ready: asyncio.Queue[int] = asyncio.Queue()  # groups with rows and no sender
        self.unsent = 0  # claimed rows no sender has started yet
        self.few_left = asyncio.Event()
        self.retry_later: set[int] = set()  # refused for now: not claimed again this dispatch
        self.fanned = False
        self.error: BaseException | None = None

    async def run(self, budget: float) -> None:
        senders = [asyncio.create_task(self._sender()) for _ in range(SENDERS)]
        try:
            while self.error is None:
                claimed = await self._claim()
                if claimed < BATCH or self.lease.elapsed() > budget:
                    await self.ready.join()  # every claimed row sent (or given up)
                    if not self.fanned or self.lease.elapsed() > budget:
                        break
                    self.fanned = False  # the fanned-out rows are due now: claim them
                    continue
                while self.unsent > SENDERS and self.error is None:
                    self.few_left.clear()
                    await self.few_left.wait()
        finally:
            for sender in senders:
                sender.cancel()
            await asyncio.gather(*senders, return_exceptions=True)
        if self.error is not None:
            raise self.error

    async def _claim(self) -> int:
        async with transaction(self.sessions) as session:
            rows = await outbox.claim_due(session, now=self.now, limit=BATCH, owner=self.owner,
                                          skip=self.retry_later,
                                          lease_until=self.lease.until())
            await session.flush()
            session.expunge_all()  # plain values from here on; the commit marks them `claimed`
        crash_point("after-claim")
        for row in rows:
            queued = self.waiting.get(row.group_id)
            if queued is None:
                queued = self.waiting[row.group_id] = deque()
                self.ready.put_nowait(row.group_id)
            queued.append(row)
        self.unsent += len(rows)
        return len(rows)

    async def _sender(self) -> None:
        while True:
            group_id = await self.ready.get()
            rows = self.waiting[group_id]
            try:
                while rows and self.error is None:
                    row = rows.popleft()
                    self._started(1)
                    await self._one(row)
            except Exception as exc:  # the database failed: stop; the leases bring the rows back
                self.error = self.error or exc
                self.few_left.set()
            finally:
                self._started(len(rows))  # (left claimed when sending stopped)
                del self.waiting[group_id]
                self.ready.task_done()

    def _started(self, n: int) -> None:
        self.unsent -= n
        if self.unsent <= SENDERS:
            self.few_left.set()

    async def _one(self, row: Outbox) -> None:
        outcome = await _send_one(self.sessions, self.deliver, row, self.now, self.owner,
                                  self.lease)
        if outcome is None:
            return
        if isinstance(outcome, NotSent):  # (before it is pending again: a claim may come)
            self.retry_later.add(row.id)
        await _record(self.sessions, row, outcome, self.now, self.stats, self.owner)
        self.fanned = self.fanned or isinstance(outcome, FannedOut)
        crash_point("after-record")


async def _send_one(sessions: SessionFactory, deliver: Deliver, row: Outbox, now: datetime,
                    owner: str, lease: _Lease) -> Outcome | None:
    """Mark the row `sending` and deliver it (None: it is no longer this dispatcher's)."""
    crash_point("before-mark")
    async with transaction(sessions) as session:
        if not await outbox.mark_sending(session, row.id, owner=owner,
                                         lease_until=lease.until()):
            return None
    crash_point("before-request")
    try:
        outcome = await deliver(row, now)
    except Exception as exc:  # a bug in rendering: never resend blindly
        log.exception("outbox %s: delivery failed", row.key)
        outcome = Unknown(f"{type(exc).__name__}: {exc}")
    crash_point("after-send")
    return outcome


async def _record(
    sessions: SessionFactory, row: Outbox, outcome: Outcome, now: datetime, stats: Stats,
    owner: str,
) -> None:
    finish = functools.partial(outbox.finish, owner=owner)
    async with transaction(sessions) as session:
        match outcome:
            case Sent(message_id):
                stats.sent += 1
                if row.person_id is None:
                    await clear_attention(session, row.group_id)
                await finish(session, row.id, OutboxStatus.SENT, now=now,
                                    message_id=message_id)
            case NotSent(reason, retry_after):
                stats.retry += 1
                await finish(
                    session, row.id, OutboxStatus.PENDING, now=now, error=reason,
                    not_before=now + timedelta(seconds=retry_after) if retry_after else None,
                )
            case Unknown(reason):
                stats.uncertain += 1
                log.warning("outbox %s: outcome unknown (%s); it will not be resent",
                            row.key, reason)
                await finish(session, row.id, OutboxStatus.UNCERTAIN, now=now,
                                    error=reason)
            case Refused(reason):
                stats.failed += 1
                await finish(session, row.id, OutboxStatus.FAILED, now=now, error=reason)
            case Skip():
                stats.cancelled += 1
                await finish(session, row.id, OutboxStatus.CANCELLED, now=now)
            case FannedOut(children):
                stats.sent += 1
                await outbox.enqueue(session, children, now=now)
                await finish(session, row.id, OutboxStatus.SENT, now=now,
                                    error=f"fanned out to {len(children)}")
            case TooLate():
                stats.expired += 1
                await finish(session, row.id, OutboxStatus.EXPIRED, now=now)
