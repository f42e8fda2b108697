"""Duty rules to concrete occurrences: dateutil expands local dates, zoneinfo places them in time.

Recurrence is worked out on naive *local* dates (a duty "every Monday at 19:00" is about the
group's calendar, not about UTC); only the final wall-clock start and end are converted to UTC.
Pure: no I/O and no clock; the caller passes the dates it cares about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

HORIZON_DAYS = 400
"""How far next_dates looks ahead; a yearly rule always has a date within it."""

_MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Window:
    """A duty's local wall-clock hours; an end at or before the start is on the next day."""

    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        """True when the window ends on the day after the one it starts on (22:00-02:00)."""
        return self.end <= self.start

    @property
    def minutes(self) -> int:
        """Wall-clock length in minutes (22:00-02:00 is 240; DST changes are not counted)."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return (end - start) % _MINUTES_PER_DAY or _MINUTES_PER_DAY


@dataclass(frozen=True)
class Rule:
    """When a duty happens: an RRULE body (None for a one-off) from first_date, with exceptions."""

    rrule: str | None
    first_date: date
    exdates: frozenset[date] = frozenset()
    rdates: frozenset[date] = frozenset()


@dataclass(frozen=True, order=True)
class Occurrence:
    """One concrete shift: the local date it belongs to and its aware UTC start and end."""

    local_date: date
    start: datetime
    end: datetime


def _midnight(day: date) -> datetime:
    """Naive local midnight: dateutil works on naive datetimes, and so do our rules."""
    return datetime.combine(day, time())


def _local_dates(rule: Rule, start_date: date, end_date: date) -> list[date]:
    """The rule's local dates in [start_date, end_date]: EXDATEs removed, RDATEs added once."""
    if rule.rrule is None:
        dates = rruleset()
        dates.rdate(_midnight(rule.first_date))
    else:
        # ignoretz: an UNTIL written in UTC ("...Z") is read as a local date, like the rest.
        start = _midnight(rule.first_date)
        dates = rrulestr(rule.rrule, dtstart=start, forceset=True, ignoretz=True)
    for extra in rule.rdates:
        dates.rdate(_midnight(extra))
    for skipped in rule.exdates:
        dates.exdate(_midnight(skipped))
    found = dates.between(_midnight(start_date), datetime.combine(end_date, time.max), inc=True)
    # A set: an RDATE on a date the rule already produces must not double the shift.
    return sorted({moment.date() for moment in found})


def to_utc(local_date: date, wall: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as aware UTC: gap times move forward, repeated times take the first.

    This is PEP 495 with fold=0: a time skipped by spring-forward is read with the offset in
    force before the change (Berlin 02:30 becomes 03:30 CEST), and a time that happens twice at
    fall-back is read with the earlier offset (the first 02:30).
    """
    return datetime.combine(local_date, wall, tzinfo=zone).replace(fold=0).astimezone(UTC)


def occurrence(local_date: date, window: Window, zone: ZoneInfo) -> Occurrence:
    """Place one local date's window in UTC (the one rule for wall clock → UTC, DST gaps and
    repeats included: duties, /hours spans and the day books all use it)."""
    start = to_utc(local_date, window.start, zone)
    end_date = local_date + timedelta(days=1) if window.crosses_midnight else local_date
    end = to_utc(end_date, window.end, zone)
    if end <= start:
        # Only when the start fell in a DST gap and was moved past the end (02:30-03:15 on the
        # spring-forward night): keep the wall-clock length rather than a shift of no length.
        end = start + timedelta(minutes=window.minutes)
    return Occurrence(local_date, start, end)


def occurrences(
    rule: Rule, window: Window, zone: str, start_date: date, end_date: date
) -> list[Occurrence]:
    """Every occurrence whose local date lies in [start_date, end_date], sorted by date.

    Raises ValueError for a malformed RRULE and ZoneInfoNotFoundError for an unknown zone.
    """
    tz = ZoneInfo(zone)
    if end_date < start_date:
        return []
    return [occurrence(day, window, tz) for day in _local_dates(rule, start_date, end_date)]


def next_dates(rule: Rule, window: Window, zone: str, today: date, count: int = 3) -> list[date]:
    """The next `count` occurrence dates on or after today, within HORIZON_DAYS (maybe fewer)."""
    if count <= 0:
        return []
    horizon = today + timedelta(days=HORIZON_DAYS)
    return [o.local_date for o in occurrences(rule, window, zone, today, horizon)[:count]]
