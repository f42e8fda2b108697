"""The time the acknowledgement coalescer and the roster-edit debouncer wait on.

In production that is the monotonic clock. Tests and the console use `ManualPacer`: its time
moves only when the harness settles, so "these taps fell in one window" does not depend on
how fast the machine is.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Pacer(Protocol):
    """Seconds that only go forward, and a way to wait for them."""

    # True where time jumps instead of passing (tests): a waiter must let the requests on
    # their way land first, or they would be counted after the jump.
    jumps: bool

    def now(self) -> float:
        """The current time in seconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`."""
        ...


class RealPacer:
    """The monotonic clock."""

    jumps = False

    def now(self) -> float:
        """time.monotonic()."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """asyncio.sleep."""
        await asyncio.sleep(seconds)


class ManualPacer:
    """Time that moves when told: sleepers wake when `advance` reaches them."""

    jumps = False

    def __init__(self) -> None:
        self._now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        """The time reached so far."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Wait until the time has been advanced `seconds` past now."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + seconds, wake))
        try:
            await wake
        finally:
            self._sleepers = [(at, f) for at, f in self._sleepers if f is not wake]

    @property
    def waiting(self) -> bool:
        """Is anyone asleep?"""
        return any(not f.done() for _, f in self._sleepers)

    def advance(self, seconds: float | None = None) -> None:
        """Move on `seconds`, or to the next sleeper's time; wake everyone due."""
        if seconds is None:
            pending = [at for at, f in self._sleepers if not f.done()]
            if not pending:
                return
            self._now = max(self._now, min(pending))
        else:
            self._now += seconds
        for at, wake in self._sleepers:
            if at <= self._now and not wake.done():
                wake.set_result(None)


class JumpingPacer:
    """Time that jumps to the end of every wait instead of waiting (tests): the rate limiter
    and the emulator's flood windows share one, so the limits hold in its time and no test
    waits for them in real seconds."""

    jumps = True

    def __init__(self) -> None:
        self._now = 0.0

    def now(self) -> float:
        """The time reached so far."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Move the time on by `seconds` and carry on."""
        self._now += max(0.0, seconds)
        await asyncio.sleep(0)
