"""The hour rules, as pure functions: what a check-in and a check-out are worth in minutes,
and which records count.

- `actual`: checkout − checkin, clipped to [start, end + checkout_late] (arriving early is
  not service; staying a little late is).
- `scheduled`: the shift's length for anyone who checked in.
- A forgotten check-out counts up to the scheduled end (nobody saw them stay later).
- Always rounded to the quarter hour, half up, and stored as whole minutes.
- A record counts once it is closed and not voided; it is confirmed or pending. Every view
  (summary, /today, /me, weekly, monthly) adds minutes with `tally`, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

QUARTER = 15 * 60  # seconds
DAY_MINUTES = 24 * 60  # a person's hours on one day never exceed this


def round_quarter(seconds: float) -> int:
    """Minutes rounded to the quarter hour, half up: 7m29s → 0, 7m30s → 15."""
    if seconds <= 0:
        return 0
    return int((seconds + QUARTER / 2) // QUARTER) * 15


def served_span(
    mode: str,
    *,
    checkin: datetime,
    checkout: datetime,
    start: datetime,
    end: datetime,
    late: timedelta,
) -> tuple[datetime, datetime]:
    """The span of a shift from start to end that a check-in and a check-out are worth."""
    if mode == "scheduled":
        return start, end
    first = max(checkin, start)
    return first, max(first, min(checkout, end + late))


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
    first, last = served_span(
        mode, checkin=checkin, checkout=checkout, start=start, end=end, late=late
    )
    return span_minutes(first, last)


def span_minutes(first: datetime, last: datetime) -> int:
    """Minutes between two instants a leader gave (`19:00-21:00`), rounded the same way."""
    return round_quarter((last - first).total_seconds())


def too_short(checkin: datetime, checkout: datetime, min_presence: int) -> bool:
    """Was the person there for less than `min_presence` minutes? Then nothing is credited."""
    return (checkout - checkin) < timedelta(minutes=min_presence)


class Counted(Protocol):
    """What `tally` reads of a record (an Attendance row)."""

    @property
    def is_open(self) -> bool: ...
    @property
    def voided(self) -> bool: ...
    @property
    def confirmed(self) -> bool: ...
    @property
    def minutes(self) -> int | None: ...


@dataclass(frozen=True)
class Minutes:
    """Confirmed (official) and pending (awaiting a leader) minutes."""

    confirmed: int = 0
    pending: int = 0


def counts(record: Counted) -> bool:
    """Does a record count toward anyone's hours? Closed and not voided."""
    return not record.is_open and not record.voided


def present(record: Counted) -> bool:
    """Does a record count as a person-time (人次)? There now, or served some minutes: a
    visit under `min_presence` and a voided record are no service."""
    if record.voided:
        return False
    return record.is_open or (record.minutes or 0) > 0


def tally(records: Iterable[Counted]) -> Minutes:
    """Confirmed and pending minutes of the records that count: the one definition of hours."""
    confirmed = pending = 0
    for record in records:
        if not counts(record):
            continue
        if record.confirmed:
            confirmed += record.minutes or 0
        else:
            pending += record.minutes or 0
    return Minutes(confirmed, pending)
