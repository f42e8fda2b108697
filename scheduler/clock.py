"""The one clock: everything that needs "now" asks an injected Clock, never datetime.now()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current instant (timezone-aware, UTC)."""
        ...


class SystemClock:
    """The wall clock, for production."""

    def now(self) -> datetime:
        """Return the real current instant in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests and the offline console."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the instant the clock was last set to."""
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant (forwards or backwards)."""
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by a duration."""
        self._now = self._now + delta


class FileClock:
    """A clock another process sets by writing an ISO instant into a file.

    Only for tests that run `dutybot run` as a real process (DUTYBOT_FAKE_CLOCK=path).
    """

    def __init__(self, path: str) -> None:
        self._path = path

    def now(self) -> datetime:
        """The instant written in the file."""
        with open(self._path, encoding="utf-8") as handle:
            return datetime.fromisoformat(handle.read().strip()).astimezone(UTC)
