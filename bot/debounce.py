"""Coalescing repeated work per key: a burst of taps causes one roster edit, not fifty.

Each edit spends the group's 20-messages-a-minute budget, so requests that arrive while one
is waiting are folded into it; the action reads the state when it runs, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

from telegram.error import TelegramError

from bot.pacer import Pacer, RealPacer

log = logging.getLogger(__name__)


class Debouncer:
    """Runs an action for a key at most once per `window` seconds, after the first request."""

    def __init__(self, window: float, pacer: Pacer | None = None) -> None:
        self._window = window
        self._pacer = pacer or RealPacer()
        self._pending: dict[Hashable, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    @property
    def idle(self) -> bool:
        """Nothing waiting and nothing running."""
        return not self._pending and not self._running

    def waiting(self, key: Hashable) -> bool:
        """Is a request for `key` waiting for its window?"""
        return key in self._pending

    def request(self, key: Hashable, action: Callable[[], Awaitable[None]]) -> None:
        """Ask for the action; joins a request for the same key that is still waiting."""
        if key in self._pending:
            return
        task = asyncio.create_task(self._later(key, action))
        self._pending[key] = task
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _later(self, key: Hashable, action: Callable[[], Awaitable[None]]) -> None:
        try:
            await self._pacer.sleep(self._window)
        finally:
            self._pending.pop(key, None)
        try:
            await action()
        except TelegramError as exc:  # Telegram's trouble, not ours: the next request redoes it
            log.warning("coalesced action for %s: Telegram did not take it (%s)", key, exc)
        except Exception:
            log.exception("coalesced action for %s failed", key)

    async def drain(self) -> None:
        """Wait for everything requested so far (at shutdown)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
