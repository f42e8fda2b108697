"""Sending within Telegram's limits: 30 messages/s overall, 20 a minute into one group.

A group's limit is a sliding window, as Telegram counts it (a leaky bucket lets a burst of 20
and then one every 3 s, which is 21 in a minute), with a small margin for the time a request
takes to arrive. The overall limit is evenly spaced slots, 28 a second: requests reach
Telegram with jitter (a busy event loop, another process), so a burst of 30 at a window's end
and 30 more at the next one's start would arrive within one second. A 429 is waited out and
retried in a new slot. The time is a `Pacer`: the monotonic clock in production; in tests one
shared with the emulator that jumps ahead instead of sleeping, so every end-to-end test runs
under the limits without waiting for them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.exc import SQLAlchemyError
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

from bot.pacer import Pacer, RealPacer
from scheduler.clock import Clock
from storage import sendslots
from storage.db import SessionFactory, at_once, in_transaction

log = logging.getLogger(__name__)

# Calls that read state or answer a tap: they post nothing into a chat, so they do not spend
# the group's 20-messages-a-minute budget.
READ_ONLY = frozenset(
    {
        "getChat",
        "getChatMember",
        "getChatAdministrators",
        "getChatMemberCount",
        "getMe",
        "getUpdates",
        "answerCallbackQuery",
        "getMyCommands",
        "setMyCommands",
        "deleteMyCommands",
        "getFile",
    }
)

MAX_RETRIES = 3
# A request Telegram proved it did not apply (a 5xx with an answer, or no connection made) is
# made again after these pauses; one that may have been applied never is.
NOT_APPLIED_RETRIES = (0.5, 2.0)
# Errors raised before a single byte of the request left: nothing can have been sent.
NOTHING_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def not_applied(exc: BaseException) -> bool:
    """Did Telegram prove this request was not applied? A server error that answered (a 5xx
    with a body: PTB's NetworkError with no cause), or a connection never made."""
    if not isinstance(exc, NetworkError):
        return False  # 429s and 403s are not NetworkErrors (a 429 is waited out)
    if isinstance(exc.__cause__, NOTHING_SENT):
        return True  # PTB calls a connect or pool timeout TimedOut: it never left
    if isinstance(exc, BadRequest | TimedOut):
        return False  # 400 is an answer; any other timeout may have been applied
    return exc.__cause__ is None


OVERALL = (30, 1.0)  # messages, seconds
PER_GROUP = (20, 60.0)
# Evenly spaced slots a second for Telegram's 30: 28 in one process (a slot is taken when its
# message leaves, so a stalled loop never sends two together); 27 shared by several processes
# (their requests arrive with more jitter: at 28, some seconds held 31 or 32).
SLACK = 2
SHARED_SLACK = 3
LATE = 0.05  # seconds past its slot a message may still leave
LATE_SLOTS = 2  # slots a message may leave unused before it goes late anyway


Request = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


class DeadlinePassed(Exception):
    """A scheduled message's deadline passed while it waited for a send slot."""


@dataclass(frozen=True)
class Deadline:
    """`rate_limit_args` for a scheduled send: re-checked after waiting for a slot."""

    at: datetime
    clock: Clock


class Window:
    """At most `limit` events in any `seconds` (a sliding window)."""

    def __init__(self, limit: int, seconds: float, margin: float) -> None:
        self.limit, self.seconds, self.margin = limit, seconds, margin
        self._times: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0: it fits now)."""
        while self._times and self._times[0] <= now - self.seconds:
            self._times.popleft()
        if len(self._times) < self.limit:
            return 0.0
        return self._times[0] + self.seconds + self.margin - now

    def take(self, now: float) -> None:
        """Count one event at `now`."""
        self._times.append(now)


class DutyRateLimiter(AIORateLimiter):
    """Sliding windows for the overall and per-group limits; a 429 is retried in a new slot;
    read-only calls spend neither budget. (AIORateLimiter is kept for its `max_retries`
    setting and PTB's rate-limiter interface; its own request loop is not used.)"""

    def __init__(
        self,
        max_retries: int = MAX_RETRIES,
        *,
        overall: tuple[int, float] = OVERALL,
        group: tuple[int, float] = PER_GROUP,
        pacer: Pacer | None = None,
        on_answer: Callable[[BaseException | None], None] | None = None,
        shared: SessionFactory | None = None,
    ) -> None:
        super().__init__(max_retries=max_retries, overall_max_rate=0, group_max_rate=0)
        self._pacer = pacer or RealPacer()
        self._on_answer = on_answer  # told how Telegram answered each request (metrics)
        # Several instances: the slots live in the database (storage.sendslots).
        self._shared = shared
        self._shared_windows = (
            sendslots.Window(overall[0] - SHARED_SLACK, overall[1], 0.0),
            sendslots.Window(group[0], group[1], 0.5),
        )
        self._interval = overall[1] / (overall[0] - SLACK)
        self._next_at = float("-inf")  # this process's next overall slot
        self._spacing = asyncio.Lock()  # one message at a time takes it, first come first
        self._group_limit = group
        self._groups: dict[str, Window] = {}
        # Sends between their slot and Telegram's answer: a wait starts once they are in, so
        # a jumping test clock never moves while a counted message is still on its way.
        self._in_flight = 0
        self._landed = asyncio.Event()
        self._landed.set()

    async def _slot(self, chat_id: object) -> None:
        """Wait until one more message fits the overall window and the group's."""
        if self._shared is not None:
            await self._shared_slot(chat_id)
            return
        group = None
        # A group or channel: a negative id, or a public @username (as PTB's limiter reads it).
        if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
            key = str(chat_id)
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = Window(*self._group_limit, margin=0.5)
        while True:
            if group is not None:  # a group at its limit holds up only its own messages
                await self._until(group.wait)
            async with self._spacing:
                await self._until(lambda now: self._next_at - now)
                now = self._pacer.now()
                if group is not None and group.wait(now) > 0:
                    continue  # another message into this group took its place meanwhile
                self._next_at = now + self._interval
                if group is not None:
                    group.take(now)
                self._in_flight += 1
                self._landed.clear()
                return

    async def _until(self, wait: Callable[[float], float]) -> None:
        """Sleep until `wait(now)` is no longer positive."""
        while (seconds := wait(self._pacer.now())) > 0:
            if self._pacer.jumps and not self._landed.is_set():
                await self._landed.wait()
                continue  # others may have gone meanwhile: look again
            await self._pacer.sleep(seconds)

    async def _shared_slot(self, chat_id: object) -> None:
        """The same windows, counted for every instance in the database."""
        assert self._shared is not None
        chat = chat_id if isinstance(chat_id, int) and chat_id < 0 else None
        late_ones = LATE_SLOTS
        while True:
            try:
                async with at_once(self._shared) as db:
                    slot = await sendslots.take(db, chat, *self._shared_windows)
            except (SQLAlchemyError, OSError) as exc:  # nothing left: say so as Telegram would
                raise NetworkError(f"no send slot: the database did not answer ({exc})") from None
            if not slot.reserved:
                await self._pacer.sleep(slot.wait)
                continue
            self._in_flight += 1
            self._landed.clear()
            due = self._pacer.now() + slot.wait
            if slot.wait > 0:
                await self._pacer.sleep(slot.wait)  # its place in the queue
            if self._pacer.now() - due <= LATE or not late_ones:
                return
            # Woken late (the process was busy): sent now it would arrive together with the
            # next slots' messages, more than Telegram counts in a second. Its slot goes
            # unused; it takes another.
            late_ones -= 1
            self._done()

    def _done(self) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self._landed.set()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Deadline | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Apply the limits, except the per-chat ones for read-only calls. A request Telegram
        proved it did not apply is made again (twice at most, each time in a new slot: it
        reaches Telegram later than its first slot counted it)."""
        if in_transaction():
            # Telegram may take seconds (or a 429 minutes): the database must not wait.
            log.error("Telegram request %s inside a database transaction", endpoint)
        if self._on_answer is not None and endpoint != "getUpdates":
            callback = _observed(callback, self._on_answer)
        if isinstance(rate_limit_args, Deadline):
            deadline = rate_limit_args
            inner = callback

            async def guarded(*a: Any, **kw: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
                # Runs once the limiter gave us a slot: a reminder must not go out late.
                if deadline.clock.now() >= deadline.at:
                    raise DeadlinePassed
                return await inner(*a, **kw)

            callback, rate_limit_args = guarded, None
        pauses = list(NOT_APPLIED_RETRIES) if endpoint != "getUpdates" else []
        floods = rate_limit_args or self._max_retries
        counted = endpoint not in READ_ONLY
        while True:
            # Every attempt takes its own slot. (AIORateLimiter's own loop retried a 429 in
            # no slot and held back every request of the process meanwhile: they all left
            # together a second later, a burst Telegram answered with more 429s.)
            if counted:
                await self._slot(data.get("chat_id"))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if not floods:
                    log.warning("Telegram still says too many requests for %s", endpoint)
                    raise
                floods -= 1
                pause = exc.retry_after if isinstance(exc.retry_after, int | float) \
                    else exc.retry_after.total_seconds()
                log.info("Telegram says too many requests; %s again in %.1f s", endpoint,
                         pause)
                pause += 0.1
            except NetworkError as exc:
                if not pauses or not not_applied(exc):
                    raise
                log.info("Telegram did not take %s (%s); trying again", endpoint, exc.message)
                pause = pauses.pop(0)
            finally:
                if counted:
                    self._done()
            while self._pacer.jumps and not self._landed.is_set():
                await self._landed.wait()  # time that jumps must not move under requests
                # in flight; looked at again, as others may have left meanwhile
            await self._pacer.sleep(pause)  # (a jump happens at once, here)


def _observed(callback: Request, on_answer: Callable[[BaseException | None], None]) -> Request:
    """The request, telling `on_answer` how each attempt ended (a retried 429 too)."""

    async def call(*a: Any, **kw: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
        try:
            result = await callback(*a, **kw)
        except Exception as exc:
            on_answer(exc)
            raise
        on_answer(None)
        return result

    return call
