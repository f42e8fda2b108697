"""Moving an injected clock forward without skipping anything due on the way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from scheduler.clock import ManualClock

Tick = Callable[[datetime], Awaitable[datetime | None]]
"""Run whatever is due at an instant; return the next instant something is due (or None)."""


async def no_tick(now: datetime) -> datetime | None:
    """A tick with nothing scheduled."""
    return None


async def advance_to(clock: ManualClock, until: datetime, tick: Tick = no_tick) -> int:
    """Step the clock through every due time up to `until`, ticking at each; count the steps."""
    steps = 0
    while True:
        due = await tick(clock.now())
        steps += 1
        if due is None or due > until or due <= clock.now():
            break
        clock.set(due)
    if clock.now() < until:
        clock.set(until)
        await tick(until)
        steps += 1
    return steps
