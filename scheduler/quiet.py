"""Quiet hours: when alerts may not go out, and when one that would fall inside goes instead.

Times are local wall-clock times in the group's zone; a window like 21:30–07:00 crosses
midnight. Pure functions, DST-safe through zoneinfo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """A daily local window, `start` to `end` (crossing midnight when end <= start)."""

    start: time
    end: time

    def contains(self, moment: datetime, zone: str) -> bool:
        """Is the instant inside quiet hours in the zone?"""
        return _contains(self, moment, zone)

    def began(self, moment: datetime, zone: str) -> datetime:
        """When the quiet period containing `moment` began (an instant)."""
        tz = ZoneInfo(zone)
        local = moment.astimezone(tz)
        day: date = local.date()
        if self.start > self.end and local.time() < self.end:
            day -= timedelta(days=1)  # the early-morning part began the evening before
        return datetime.combine(day, self.start, tz)

    def ended(self, moment: datetime, zone: str) -> datetime:
        """When the quiet period containing `moment` ends (an instant)."""
        tz = ZoneInfo(zone)
        local = moment.astimezone(tz)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tz)

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """The stored setting (`21:30-07:00` or `off`); unreadable means no quiet hours."""
        return parse_quiet(text) or cls(time(0), time(0))

    def before(self, due: datetime, zone: str) -> datetime:
        """An alert due inside quiet hours goes out when they begin (the evening before)."""
        return self.began(due, zone) if self.contains(due, zone) else due

    def after(self, due: datetime, zone: str) -> datetime:
        """A notice that cannot be known in advance waits for quiet hours to end."""
        return self.ended(due, zone) if self.contains(due, zone) else due


@lru_cache(maxsize=256)  # a handful of distinct settings across thousands of groups
def parse_quiet(text: str) -> QuietHours | None:
    """`21:30-07:00` → QuietHours; `off` → an empty window; None when unreadable."""
    value = text.strip().casefold()
    if value in ("off", "none", "关", "无"):
        return QuietHours(time(0), time(0))
    first, sep, last = value.replace("–", "-").partition("-")
    if not sep:
        return None
    try:
        return QuietHours(time.fromisoformat(first.strip()), time.fromisoformat(last.strip()))
    except ValueError:
        return None


@lru_cache(maxsize=8192)  # the planner asks about the same few times in thousands of groups
def _contains(quiet: QuietHours, moment: datetime, zone: str) -> bool:
    if quiet.start == quiet.end:
        return False
    local = moment.astimezone(ZoneInfo(zone)).time()
    if quiet.start < quiet.end:
        return quiet.start <= local < quiet.end
    return local >= quiet.start or local < quiet.end
