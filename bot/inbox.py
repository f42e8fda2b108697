"""The webhook's inbox for one instance (storage.inbox): updates answered to Telegram only once
stored, marked when their handling begins, deleted once handled, and taken over from an
instance that stopped.

The statements are batched: every update that arrives (or begins) while the previous
statement runs goes in the next one, so a burst costs a few statements, not one an update.
A handled update's deletion waits a moment to join others. The instance renews the lease
only on the updates it holds (queued, being handled, handled and not yet deleted); any
other row under its name (one whose answer was lost with the connection) runs out and is
taken back like a stopped instance's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Generic, TypeVar

from telegram import Bot, Update

from bot.metrics import Metrics
from storage import inbox
from storage.db import SessionFactory, at_once, transaction

log = logging.getLogger(__name__)

FINISH_AFTER = 0.05  # seconds a handled update's deletion waits to join others
RENEW_EVERY = inbox.LEASE / 4  # seconds: leases renewed and stopped instances' updates taken
BEGIN_PATIENCE = inbox.LEASE / 2  # seconds an update waits for the database to mark it begun

Item = TypeVar("Item")


class _Batches(Generic[Item]):
    """Runs `run(items)` once for every item submitted while the previous run ran. Each
    submitter learns whether its item's key is in the set `run` returned (only the first
    submitter of a key in a batch: the same update posted twice at once is one), or gets
    its error."""

    def __init__(self, run: Callable[[list[Item]], Awaitable[Collection[object]]],
                 key: Callable[[Item], object]) -> None:
        self._run, self._key = run, key
        self._pending: list[tuple[Item, asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._task is None:
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        batch: list[tuple[Item, asyncio.Future[bool]]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    found = await self._run([item for item, _ in batch])
                except Exception as exc:  # every submitter of the batch hears of it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    batch = []
                    continue
                given: set[object] = set()
                for item, future in batch:
                    key = self._key(item)
                    if not future.done():
                        future.set_result(key in found and key not in given)
                        if key in found:
                            given.add(key)
                batch = []
        finally:
            self._task = None
            for _, future in batch + self._pending:  # stopped: nobody is left waiting
                if not future.done():
                    future.set_exception(ConnectionError("the inbox stopped"))
            self._pending = []


class Inbox:
    """One instance's part of the inbox, under its name (`owner`, as on the outbox)."""

    def __init__(self, sessions: SessionFactory, owner: str, *, metrics: Metrics | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        self.sessions, self.owner, self.metrics, self.wall = sessions, owner, metrics, wall
        self._tracked: dict[int, bool] = {}  # update id → begun, for updates this one holds
        self._received: _Batches[tuple[int, str]] = _Batches(self._receive,
                                                             key=lambda item: item[0])
        self._begun: _Batches[int] = _Batches(self._begin, key=lambda i: i)
        self._finished: set[int] = set()
        self._deleting: set[int] = set()
        self._finishing: asyncio.Task[None] | None = None
        self._taking_over = True
        self._taking = asyncio.Lock()

    def held(self) -> set[int]:
        """The updates this instance holds: queued, being handled, or handled and not yet
        deleted."""
        return set(self._tracked) | self._finished | self._deleting

    async def receive(self, update_id: int, body: str) -> bool:
        """Store an update Telegram posted; False: it is here already (posted again)."""
        if update_id in self._tracked:
            return False
        if not await self._received.submit((update_id, body)):
            return False
        self._tracked[update_id] = False
        return True

    async def begin(self, update_id: int) -> bool:
        """May this update be handled here now? Updates that did not come through the inbox
        (polling, the console) may; a copy of one begun here already may not, nor one another
        instance took over. While the database does not answer, the update waits (its slot
        too) for up to BEGIN_PATIENCE, then is left to be taken back once its lease runs out:
        handled unmarked, it could be handled again after a crash."""
        begun = self._tracked.get(update_id)
        if begun is None:
            return True
        if begun:
            return False
        deadline, pause = time.monotonic() + BEGIN_PATIENCE, 0.5
        while True:
            try:
                async with asyncio.timeout(max(deadline - time.monotonic(), 0.1)):
                    mine = await self._begun.submit(update_id)
                break
            except Exception as exc:
                if time.monotonic() >= deadline:
                    log.error("inbox: update %d could not be marked as begun (%s); it is left "
                              "to be taken back once its lease runs out", update_id,
                              type(exc).__name__)
                    self._tracked.pop(update_id, None)
                    return False
                log.warning("inbox: could not mark update %d as begun (%s); trying again",
                            update_id, type(exc).__name__)
                await asyncio.sleep(pause)
                pause = min(2 * pause, 5.0)
        if not mine:
            self._tracked.pop(update_id, None)
            log.info("inbox: update %d was taken over by another instance", update_id)
            return False
        self._tracked[update_id] = True
        return True

    def finish(self, update_id: int) -> None:
        """The update has been handled: delete it (a moment later, with others)."""
        if self._tracked.pop(update_id, None) is None:
            return
        self._finished.add(update_id)
        if self._finishing is None:
            self._finishing = asyncio.create_task(self._finish_later())

    async def recover(self, *, own: bool = False, everything: bool = False) -> list[str]:
        """Take over the updates whose lease ran out (a stopped instance's, or this one's
        stored but never queued), except those this instance holds (`own`: also this
        instance's from before it started; `everything`: all, for one process); returns the
        bodies to handle, now held here."""
        now = self.wall()
        async with transaction(self.sessions) as session:
            found = await inbox.recover(await session.connection(), owner=self.owner, now=now,
                                        lease_until=now + inbox.LEASE, held=self.held(),
                                        own=own, everything=everything)
        if found.dropped:
            log.warning("inbox: %d update(s) had begun and were not finished before their "
                        "lease ran out (their instance stopped); whether they took effect is "
                        "unknown, so they are not handled again", found.dropped)
        if found.updates:
            log.warning("inbox: %d stored update(s) nobody was handling (their lease ran out) "
                        "are handled here", len(found.updates))
        if self.metrics is not None:
            self.metrics.inbox_recovered.labels("handled").inc(len(found.updates))
            self.metrics.inbox_recovered.labels("dropped").inc(found.dropped)
        for update_id, _body in found.updates:
            self._tracked[update_id] = False
        return [body for _update_id, body in found.updates]

    async def take_over(self, queue: asyncio.Queue[object], bot: Bot, *, own: bool = False,
                        everything: bool = False) -> None:
        """`recover`, and put what it found on `queue` to be handled here (not once the
        instance is stopping: its queue is no longer read)."""
        async with self._taking:
            if not self._taking_over:
                return
            for body in await self.recover(own=own, everything=everything):
                await queue.put(Update.de_json(json.loads(body), bot))

    async def renew(self) -> None:
        """Keep the updates this instance holds its own for another lease."""
        async with at_once(self.sessions) as db:
            await inbox.renew(db, self.held(), owner=self.owner,
                              lease_until=self.wall() + inbox.LEASE)

    async def stop_taking_over(self) -> None:
        """Stopping: renew what is held, take nothing more; a take-over under way finishes
        putting its updates on the queue first (they are handled before the queue closes)."""
        self._taking_over = False
        async with self._taking:
            pass

    async def keep(self, queue: asyncio.Queue[object], bot: Bot) -> None:
        """Until cancelled: renew this instance's lease, and take over (onto `queue`) the
        updates whose lease ran out. A database that does not answer is tried again."""
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await self.renew()
                await self.take_over(queue, bot)
            except Exception as exc:
                log.warning("inbox: could not renew or take over (%s); trying again in %.0f s",
                            type(exc).__name__, RENEW_EVERY)

    async def close(self) -> None:
        """Delete what has been handled (at shutdown)."""
        if self._finishing is not None:
            self._finishing.cancel()
            await asyncio.wait([self._finishing])
        if not await self._flush_finished():
            log.warning("inbox: %d handled update(s) stay stored; whoever takes them back once "
                        "their lease runs out counts them as dropped", len(self._finished))

    async def _receive(self, items: list[tuple[int, str]]) -> set[int]:
        async with at_once(self.sessions) as db:
            return await inbox.receive(db, items, owner=self.owner,
                                       lease_until=self.wall() + inbox.LEASE)

    async def _begin(self, ids: list[int]) -> set[int]:
        async with at_once(self.sessions) as db:
            return await inbox.begin(db, ids, owner=self.owner)

    async def _finish_later(self) -> None:
        try:
            await asyncio.sleep(FINISH_AFTER)
            if not await self._flush_finished():
                await asyncio.sleep(RENEW_EVERY)  # not in a tight loop while the database is down
        finally:
            self._finishing = None
        if self._finished:  # they failed, or came in during the flush
            self._finishing = asyncio.create_task(self._finish_later())

    async def _flush_finished(self) -> bool:
        done, self._finished = self._finished, set()
        if not done:
            return True
        self._deleting |= done
        try:
            async with at_once(self.sessions) as db:
                await inbox.finish(db, done, owner=self.owner)
        except BaseException as exc:  # cancelled at shutdown too: close() flushes them again
            self._finished |= done
            if not isinstance(exc, Exception):
                raise
            log.warning("inbox: could not delete %d handled update(s) (%s); trying again",
                        len(done), type(exc).__name__)
            return False
        finally:
            self._deleting -= done
        return True
