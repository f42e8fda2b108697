"""Recurrence (storage.recurrence): RRULEs, local windows, DST gaps and repeats, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.recurrence import (
    HORIZON_DAYS,
    Occurrence,
    Rule,
    Window,
    next_dates,
    occurrences,
)

EVENING = Window(time(19), time(21))
NIGHT = Window(time(22), time(2))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def dates_of(found: list[Occurrence]) -> list[date]:
    return [o.local_date for o in found]


# --- Window --------------------------------------------------------------------------------


def test_window_length_and_midnight() -> None:
    assert EVENING.minutes == 120 and not EVENING.crosses_midnight
    assert NIGHT.minutes == 240 and NIGHT.crosses_midnight
    assert Window(time(6, 30), time(8)).minutes == 90
    assert Window(time(10), time(0)).crosses_midnight  # until midnight ends on the next day
    assert Window(time(9), time(9)).minutes == 24 * 60


# --- expansion -----------------------------------------------------------------------------


def test_daily_over_a_range() -> None:
    rule = Rule("FREQ=DAILY", date(2026, 11, 1))
    found = occurrences(rule, EVENING, "Asia/Shanghai", date(2026, 11, 24), date(2026, 11, 30))
    assert dates_of(found) == [date(2026, 11, d) for d in range(24, 31)]
    first = found[0]
    assert first.start == utc(2026, 11, 24, 11) and first.end == utc(2026, 11, 24, 13)
    assert first.start.tzinfo is UTC


def test_rule_does_not_start_before_its_first_date() -> None:
    rule = Rule("FREQ=DAILY", date(2026, 12, 1))
    found = occurrences(rule, EVENING, "Asia/Shanghai", date(2026, 11, 24), date(2026, 12, 3))
    assert dates_of(found) == [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)]


def test_weekly_by_day() -> None:
    rule = Rule("FREQ=WEEKLY;BYDAY=MO,WE,FR", date(2026, 11, 24))
    found = occurrences(rule, EVENING, "Asia/Shanghai", date(2026, 11, 23), date(2026, 12, 6))
    # The rule starts on Tuesday the 24th, so Monday the 23rd is not in it.
    assert dates_of(found) == [date(2026, 11, d) for d in (25, 27, 30)] + [
        date(2026, 12, 2),
        date(2026, 12, 4),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("FREQ=MONTHLY;BYDAY=+1SA", [(2026, 12, 5), (2027, 1, 2), (2027, 2, 6), (2027, 3, 6)]),
        ("FREQ=MONTHLY;BYDAY=-1SU", [(2026, 12, 27), (2027, 1, 31), (2027, 2, 28), (2027, 3, 28)]),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", [(2026, 12, 5), (2026, 12, 19), (2027, 1, 2)]),
    ],
)
def test_monthly_and_interval_rules(body: str, expected: list[tuple[int, int, int]]) -> None:
    rule = Rule(body, date(2026, 12, 1))
    until = date(2027, 3, 31) if "MONTHLY" in body else date(2027, 1, 10)
    found = occurrences(rule, EVENING, "UTC", date(2026, 12, 1), until)
    assert dates_of(found) == [date(*d) for d in expected]


def test_exdates_skip_and_rdates_add_once() -> None:
    rule = Rule(
        "FREQ=WEEKLY;BYDAY=SA",
        date(2026, 11, 1),
        exdates=frozenset({date(2026, 12, 5), date(2027, 6, 1)}),  # one outside the range
        rdates=frozenset({date(2026, 12, 9), date(2026, 12, 12)}),  # the 12th is a Saturday anyway
    )
    found = occurrences(rule, EVENING, "Asia/Shanghai", date(2026, 12, 1), date(2026, 12, 20))
    assert dates_of(found) == [date(2026, 12, 9), date(2026, 12, 12), date(2026, 12, 19)]


def test_rdate_before_first_date_still_counts() -> None:
    rule = Rule("FREQ=DAILY", date(2026, 12, 10), rdates=frozenset({date(2026, 12, 1)}))
    found = occurrences(rule, EVENING, "UTC", date(2026, 12, 1), date(2026, 12, 10))
    assert dates_of(found) == [date(2026, 12, 1), date(2026, 12, 10)]


def test_one_off() -> None:
    rule = Rule(None, date(2026, 12, 5))
    found = occurrences(rule, EVENING, "Asia/Shanghai", date(2026, 12, 1), date(2026, 12, 31))
    assert found == [Occurrence(date(2026, 12, 5), utc(2026, 12, 5, 11), utc(2026, 12, 5, 13))]
    assert occurrences(rule, EVENING, "Asia/Shanghai", date(2026, 12, 6), date(2026, 12, 31)) == []
    skipped = Rule(None, date(2026, 12, 5), exdates=frozenset({date(2026, 12, 5)}))
    assert occurrences(skipped, EVENING, "UTC", date(2026, 12, 1), date(2026, 12, 31)) == []
    moved = Rule(None, date(2026, 12, 5), rdates=frozenset({date(2026, 12, 6)}))
    got = dates_of(occurrences(moved, EVENING, "UTC", date(2026, 12, 1), date(2026, 12, 31)))
    assert got == [date(2026, 12, 5), date(2026, 12, 6)]


@pytest.mark.parametrize(
    "body", ["FREQ=DAILY;COUNT=3", "FREQ=DAILY;UNTIL=20261103", "FREQ=DAILY;UNTIL=20261103T000000Z"]
)
def test_rule_that_has_ended(body: str) -> None:
    rule = Rule(body, date(2026, 11, 1))
    got = dates_of(occurrences(rule, EVENING, "UTC", date(2026, 11, 1), date(2026, 11, 30)))
    assert got == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]


def test_empty_or_reversed_range() -> None:
    rule = Rule("FREQ=DAILY", date(2026, 11, 1))
    assert len(occurrences(rule, EVENING, "UTC", date(2026, 11, 5), date(2026, 11, 5))) == 1
    assert occurrences(rule, EVENING, "UTC", date(2026, 11, 6), date(2026, 11, 5)) == []


def test_bad_rule_or_zone_is_an_error() -> None:
    with pytest.raises(ValueError):
        occurrences(Rule("FREQ=SOMETIMES", date(2026, 1, 1)), EVENING, "UTC", date(2026, 1, 1),
                    date(2026, 1, 2))
    with pytest.raises(ZoneInfoNotFoundError):
        occurrences(Rule("FREQ=DAILY", date(2026, 1, 1)), EVENING, "Mars/Olympus",
                    date(2026, 1, 1), date(2026, 1, 2))


# --- midnight and time zones ---------------------------------------------------------------


def test_crossing_midnight_belongs_to_the_start_date() -> None:
    rule = Rule("FREQ=WEEKLY;BYDAY=SA", date(2026, 11, 1))
    found = occurrences(rule, NIGHT, "Asia/Shanghai", date(2026, 11, 28), date(2026, 11, 29))
    assert found == [Occurrence(date(2026, 11, 28), utc(2026, 11, 28, 14), utc(2026, 11, 28, 18))]
    # A Saturday-night shift is found from Saturday, not from the Sunday it ends on.
    assert occurrences(rule, NIGHT, "Asia/Shanghai", date(2026, 11, 29), date(2026, 11, 30)) == []


def test_shanghai_evening_is_morning_utc() -> None:
    rule = Rule("FREQ=DAILY", date(2026, 1, 1))
    (found,) = occurrences(rule, EVENING, "Asia/Shanghai", date(2026, 7, 1), date(2026, 7, 1))
    assert (found.start, found.end) == (utc(2026, 7, 1, 11), utc(2026, 7, 1, 13))


def test_berlin_spring_gap_moves_forward() -> None:
    rule = Rule("FREQ=DAILY", date(2026, 1, 1))
    window = Window(time(2, 30), time(4))
    found = occurrences(rule, window, "Europe/Berlin", date(2026, 3, 28), date(2026, 3, 30))
    assert dates_of(found) == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    gap_day = found[1]
    # 02:30 does not exist on 29 March: it becomes 03:30 CEST = 01:30Z; 04:00 CEST = 02:00Z.
    assert gap_day.start == utc(2026, 3, 29, 1, 30)
    assert gap_day.start.astimezone(ZoneInfo("Europe/Berlin")).time() == time(3, 30)
    assert gap_day.end == utc(2026, 3, 29, 2)
    assert found[0].start == utc(2026, 3, 28, 1, 30)  # CET, UTC+1
    assert found[2].start == utc(2026, 3, 30, 0, 30)  # CEST, UTC+2


def test_berlin_window_swallowed_by_the_gap_keeps_its_length() -> None:
    rule = Rule(None, date(2026, 3, 29))
    (found,) = occurrences(rule, Window(time(2, 30), time(3, 15)), "Europe/Berlin",
                           date(2026, 3, 29), date(2026, 3, 29))
    assert found.start == utc(2026, 3, 29, 1, 30)
    assert found.end - found.start == timedelta(minutes=45)


def test_berlin_fall_back_takes_the_first_time() -> None:
    rule = Rule(None, date(2026, 10, 25))
    (found,) = occurrences(rule, Window(time(2, 30), time(3, 30)), "Europe/Berlin",
                           date(2026, 10, 25), date(2026, 10, 25))
    # 02:30 happens twice; the first (CEST, UTC+2) is 00:30Z. 03:30 is CET, so 2 hours in UTC.
    assert found.start == utc(2026, 10, 25, 0, 30)
    assert found.end == utc(2026, 10, 25, 2, 30)


@pytest.mark.parametrize(
    ("first", "last", "switch", "before_hour", "after_hour"),
    [
        (date(2026, 3, 26), date(2026, 4, 1), date(2026, 3, 29), 18, 17),  # spring forward
        (date(2026, 10, 22), date(2026, 10, 28), date(2026, 10, 25), 17, 18),  # fall back
    ],
)
def test_berlin_daily_evening_keeps_local_time_across_dst(
    first: date, last: date, switch: date, before_hour: int, after_hour: int
) -> None:
    rule = Rule("FREQ=DAILY", date(2026, 1, 1))
    found = occurrences(rule, EVENING, "Europe/Berlin", first, last)
    days = (last - first).days + 1
    assert dates_of(found) == [first + timedelta(days=i) for i in range(days)]  # none lost/doubled
    berlin = ZoneInfo("Europe/Berlin")
    for o in found:
        assert o.start.astimezone(berlin).time() == time(19)
        assert o.end - o.start == timedelta(hours=2)
        expected_hour = before_hour if o.local_date < switch else after_hour
        assert o.start == datetime.combine(o.local_date, time(expected_hour), tzinfo=UTC)


def test_berlin_night_shift_over_the_change_is_an_hour_shorter_or_longer() -> None:
    night = Window(time(22), time(6))
    spring = occurrences(Rule(None, date(2026, 3, 28)), night, "Europe/Berlin",
                         date(2026, 3, 28), date(2026, 3, 28))[0]
    autumn = occurrences(Rule(None, date(2026, 10, 24)), night, "Europe/Berlin",
                         date(2026, 10, 24), date(2026, 10, 24))[0]
    assert spring.end - spring.start == timedelta(hours=7)
    assert autumn.end - autumn.start == timedelta(hours=9)


def test_new_york() -> None:
    rule = Rule("FREQ=DAILY", date(2026, 1, 1))
    found = occurrences(rule, EVENING, "America/New_York", date(2026, 3, 7), date(2026, 3, 8))
    assert [o.start for o in found] == [utc(2026, 3, 8, 0), utc(2026, 3, 8, 23)]  # EST, then EDT
    night = occurrences(rule, Window(time(22), time(6)), "America/New_York",
                        date(2026, 10, 31), date(2026, 10, 31))[0]
    assert night.start == utc(2026, 11, 1, 2)  # 22:00 EDT
    assert night.end == utc(2026, 11, 1, 11)  # 06:00 EST, nine hours later
    gap = occurrences(rule, Window(time(2, 15), time(3, 30)), "America/New_York",
                      date(2026, 3, 8), date(2026, 3, 8))[0]
    assert gap.start == utc(2026, 3, 8, 7, 15)  # 02:15 does not exist: 03:15 EDT


# --- next_dates ----------------------------------------------------------------------------


def test_next_dates() -> None:
    today = date(2026, 11, 24)  # a Tuesday
    weekly = Rule("FREQ=WEEKLY;BYDAY=MO,WE", date(2026, 1, 1))
    assert next_dates(weekly, EVENING, "Asia/Shanghai", today) == [
        date(2026, 11, 25),
        date(2026, 11, 30),
        date(2026, 12, 2),
    ]
    daily = Rule("FREQ=DAILY", date(2026, 1, 1), exdates=frozenset({date(2026, 11, 25)}))
    assert next_dates(daily, EVENING, "UTC", today, count=2) == [today, date(2026, 11, 26)]
    assert next_dates(daily, EVENING, "UTC", today, count=0) == []


def test_next_dates_when_there_are_few_or_none() -> None:
    today = date(2026, 11, 24)
    assert next_dates(Rule(None, date(2026, 12, 5)), EVENING, "UTC", today) == [date(2026, 12, 5)]
    assert next_dates(Rule(None, date(2026, 11, 1)), EVENING, "UTC", today) == []
    far = today + timedelta(days=HORIZON_DAYS + 1)
    assert next_dates(Rule(None, far), EVENING, "UTC", today) == []
    ended = Rule("FREQ=DAILY;COUNT=5", date(2026, 11, 1))
    assert next_dates(ended, EVENING, "UTC", today) == []
    yearly = Rule("FREQ=YEARLY", date(2026, 11, 1))
    assert next_dates(yearly, EVENING, "UTC", today) == [date(2027, 11, 1)]


# --- properties ----------------------------------------------------------------------------

ZONES = [
    "UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
    "America/Santiago", "Pacific/Chatham", "Asia/Kolkata", "Europe/London", "America/Havana",
]
BODIES = [
    None, "FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;BYDAY=SA,SU", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "FREQ=MONTHLY;BYDAY=+1SA",
    "FREQ=MONTHLY;BYDAY=-1SU", "FREQ=MONTHLY;BYDAY=+5FR", "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=YEARLY", "FREQ=DAILY;COUNT=10",
]
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
clock = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(
    body=st.sampled_from(BODIES),
    first=days,
    exdates=st.frozensets(days, max_size=5),
    rdates=st.frozensets(days, max_size=5),
    start=clock,
    end=clock,
    zone=st.sampled_from(ZONES),
    range_start=days,
    length=st.integers(min_value=0, max_value=120),
)
def test_occurrences_are_sorted_unique_in_range_and_forward(
    body: str | None,
    first: date,
    exdates: frozenset[date],
    rdates: frozenset[date],
    start: time,
    end: time,
    zone: str,
    range_start: date,
    length: int,
) -> None:
    rule, window = Rule(body, first, exdates, rdates), Window(start, end)
    range_end = range_start + timedelta(days=length)
    found = occurrences(rule, window, zone, range_start, range_end)
    local_dates = dates_of(found)
    assert local_dates == sorted(set(local_dates))
    assert all(range_start <= d <= range_end for d in local_dates)
    assert not exdates & set(local_dates)
    # RFC 5545: an EXDATE wins over an RDATE on the same date.
    assert {d for d in rdates - exdates if range_start <= d <= range_end} <= set(local_dates)
    tz = ZoneInfo(zone)
    for o in found:
        assert o.start.tzinfo is UTC and o.end.tzinfo is UTC
        assert o.start < o.end
        # Never earlier than the wall-clock start; later only by a DST gap (at most 3 hours).
        shift = o.start.astimezone(tz).replace(tzinfo=None) - datetime.combine(o.local_date, start)
        assert timedelta(0) <= shift <= timedelta(hours=3)
    upcoming = next_dates(rule, window, zone, range_start, count=2)
    assert upcoming[: len(local_dates[:2])] == local_dates[:2]
