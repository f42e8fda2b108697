"""Recognition: star levels from confirmed hours (一星 100 h … 五星 1500 h by default) and the
rules of the points passbook (积分).

Pending hours do not count; a correction that takes someone below a threshold simply lowers
the level shown. Pure rules here; storage.credit counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_STAR_HOURS = (100, 300, 600, 1000, 1500)  # the common local rule
DEFAULT_POINTS_PER_HOUR = 10


@dataclass(frozen=True)
class Rules:
    """Star thresholds (hours, ascending), points per confirmed hour and per report."""

    star_hours: tuple[int, ...] = DEFAULT_STAR_HOURS
    points_per_hour: int = DEFAULT_POINTS_PER_HOUR
    report_points: int = 0  # a bonus for each report filed


DEFAULT_RULES = Rules()


def points_for(minutes: int, rules: Rules) -> int:
    """The points confirmed minutes earn (whole points, rounded down)."""
    return minutes * rules.points_per_hour // 60


@dataclass(frozen=True)
class Stars:
    """A level (0: none yet), the hours of the next one (None at the top) and the minutes
    still to serve for it."""

    level: int
    next_hours: int | None
    missing_minutes: int


def stars(confirmed_minutes: int, star_hours: Sequence[int]) -> Stars:
    """The level confirmed minutes reach under thresholds in hours (ascending)."""
    level = sum(1 for hours in star_hours if confirmed_minutes >= hours * 60)
    if level >= len(star_hours):
        return Stars(level, None, 0)
    next_hours = star_hours[level]
    return Stars(level, next_hours, next_hours * 60 - confirmed_minutes)
