"""The hour rules, as pure functions: what a check-in and a check-out are worth in minutes.

- `actual`: checkout − checkin, clipped to [start, end + checkout_late] (arriving early is
  not service; staying a little late is).
- `scheduled`: the shift's length for anyone who checked in.
- Always rounded to the quarter hour, half up, and stored as whole minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

QUARTER = 15 * 60  # seconds


def round_quarter(seconds: float) -> int:
    """Minutes rounded to the quarter hour, half up: 7m29s → 0, 7m30s → 15."""
    if seconds <= 0:
        return 0
    return int((seconds + QUARTER / 2) // QUARTER) * 15


def served_minutes(
    mode: str,
    *,
    checkin: datetime,
    checkout: datetime,
    start: datetime,
    end: datetime,
    late: timedelta,
) -> int:
    """Minutes of service from a check-in and a check-out on a shift from start to end."""
    if mode == "scheduled":
        return round_quarter((end - start).total_seconds())
    first = max(checkin, start)
    last = min(checkout, end + late)
    return round_quarter((last - first).total_seconds())


def span_minutes(first: datetime, last: datetime) -> int:
    """Minutes between two instants a leader gave (`19:00-21:00`), rounded the same way."""
    return round_quarter((last - first).total_seconds())
