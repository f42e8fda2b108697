"""The webhook's inbox for one instance (storage.inbox): updates answered to Telegram only once
stored, marked when their handling begins, deleted once handled, and taken over from an
instance that died.

The statements are batched: every update that arrives (or begins) while the previous
statement runs goes in the next one, so a burst costs a few statements, not one an update.
A handled update's deletion waits a moment to join others; one that is lost (the process
died) leaves a started row, which the next recovery drops as uncertain.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Generic, TypeVar

from telegram import Bot, Update

from bot.metrics import Metrics
from storage import inbox
from storage.db import SessionFactory, at_once

log = logging.getLogger(__name__)

FINISH_AFTER = 0.05  # seconds a handled update's deletion waits to join others
RENEW_EVERY = inbox.LEASE / 4  # seconds: leases renewed and dead instances' updates taken

Item = TypeVar("Item")


class _Batches(Generic[Item]):
    """Runs `run(items)` once for every item submitted while the previous run ran; each
    submitter learns whether its item is in the set `run` returned (or gets its error)."""

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
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    found = await self._run([item for item, _ in batch])
                except Exception as exc:  # every submitter of the batch hears of it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for item, future in batch:
                    if not future.done():
                        future.set_result(self._key(item) in found)
        finally:
            self._task = None


class Inbox:
    """One instance's part of the inbox, under its name (`owner`, as on the outbox)."""

    def __init__(self, sessions: SessionFactory, owner: str, *, metrics: Metrics | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        self.sessions, self.owner, self.metrics, self.wall = sessions, owner, metrics, wall
        self._tracked: dict[int, bool] = {}  # update id → begun, for updates stored here
        self._received: _Batches[tuple[int, str]] = _Batches(self._receive,
                                                             key=lambda item: item[0])
        self._begun: _Batches[int] = _Batches(self._begin, key=lambda i: i)
        self._finished: set[int] = set()
        self._finishing: asyncio.Task[None] | None = None

    async def receive(self, update_id: int, body: str) -> bool:
        """Store an update Telegram posted; False: it is here already (posted again)."""
        if not await self._received.submit((update_id, body)):
            return False
        self._tracked[update_id] = False
        return True

    async def begin(self, update_id: int) -> bool:
        """May this update be handled here now? Updates that did not come through the inbox
        (polling, the console) and those begun already (a paced command's turn) may; one
        another instance took over may not. If the database does not answer, it is handled
        anyway (what it does then fails alike)."""
        begun = self._tracked.get(update_id)
        if begun is None or begun:
            return True
        try:
            mine = await self._begun.submit(update_id)
        except Exception:
            log.warning("inbox: could not mark update %d as begun; handling it anyway",
                        update_id, exc_info=True)
            mine = True
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
        """Take over the updates of instances whose lease ran out (`own`: also this
        instance's from before it started; `everything`: all, for one process); returns the
        bodies to handle, now tracked here."""
        now = self.wall()
        async with at_once(self.sessions) as db:
            found = await inbox.recover(db, owner=self.owner, now=now,
                                        lease_until=now + inbox.LEASE, own=own,
                                        everything=everything)
        if found.dropped:
            log.warning("inbox: %d update(s) were being handled when their instance stopped; "
                        "whether they took effect is unknown, so they are not handled again",
                        found.dropped)
        if found.updates:
            log.warning("inbox: %d update(s) left waiting by a stopped instance are handled "
                        "here", len(found.updates))
        if self.metrics is not None:
            self.metrics.inbox_recovered.labels("handled").inc(len(found.updates))
            self.metrics.inbox_recovered.labels("dropped").inc(found.dropped)
        for update_id, _body in found.updates:
            self._tracked[update_id] = False
        return [body for _update_id, body in found.updates]

    async def renew(self) -> None:
        """Keep this instance's updates its own for another lease."""
        async with at_once(self.sessions) as db:
            await inbox.renew(db, owner=self.owner, lease_until=self.wall() + inbox.LEASE)

    async def close(self) -> None:
        """Delete what has been handled (at shutdown)."""
        if self._finishing is not None:
            self._finishing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._finishing
        await self._flush_finished()

    async def take_over(self, queue: asyncio.Queue[object], bot: Bot, *, own: bool = False,
                        everything: bool = False) -> None:
        """`recover`, and put what it found on `queue` to be handled here."""
        for body in await self.recover(own=own, everything=everything):
            await queue.put(Update.de_json(json.loads(body), bot))

    async def keep(self, queue: asyncio.Queue[object], bot: Bot) -> None:
        """Until cancelled: renew this instance's lease, and take over (onto `queue`) the
        updates of instances that stopped. A database that does not answer is tried again."""
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await self.renew()
                await self.take_over(queue, bot)
            except Exception:
                log.warning("inbox: could not renew or recover", exc_info=True)

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
        try:
            async with at_once(self.sessions) as db:
                await inbox.finish(db, done, owner=self.owner)
        except Exception:
            log.warning("inbox: could not delete %d handled update(s); trying again",
                        len(done), exc_info=True)
            self._finished |= done
            return False
        return True
