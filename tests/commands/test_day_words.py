"""Day words for /hours (looking back) and /duty skip|extra|edit (looking ahead): pure functions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import translator
from commands.duty import date_refusal, parse_dates, parse_edit
from commands.hours_syntax import (
    PLAN_DAYS_AHEAD,
    DayLimit,
    day_limit,
    parse_day,
    plan_last_day,
)
from storage.duties import DutyEdit

TODAY = date(2026, 11, 24)  # a Tuesday; Monday of its week is 23 November


def back(word: str, today: date = TODAY) -> date | None:
    return parse_day(word, today)


def ahead(word: str, today: date = TODAY) -> date | None:
    return parse_day(word, today, ahead=True)


@pytest.mark.parametrize(("word", "expected"), [
    ("今天", date(2026, 11, 24)), ("today", date(2026, 11, 24)), ("TODAY", date(2026, 11, 24)),
    ("昨天", date(2026, 11, 23)), ("Yesterday", date(2026, 11, 23)),
    ("前天", date(2026, 11, 22)), ("大前天", date(2026, 11, 21)),
    # A bare weekday: the latest one on or before today.
    ("周六", date(2026, 11, 21)), ("星期六", date(2026, 11, 21)), ("礼拜六", date(2026, 11, 21)),
    ("週六", date(2026, 11, 21)), ("Saturday", date(2026, 11, 21)), ("sat", date(2026, 11, 21)),
    ("SAT", date(2026, 11, 21)), ("周日", date(2026, 11, 22)), ("星期天", date(2026, 11, 22)),
    ("周三", date(2026, 11, 18)), ("wed", date(2026, 11, 18)),
    ("周二", TODAY), ("tuesday", TODAY),  # said on a Tuesday: today
    # The week before this one (Monday 16 to Sunday 22 November).
    ("上周六", date(2026, 11, 21)), ("上星期二", date(2026, 11, 17)),
    ("上个礼拜天", date(2026, 11, 22)), ("last saturday", date(2026, 11, 21)),
    ("Last  Monday", date(2026, 11, 16)),
    # Dates: without a year, the latest such day.
    ("11月23日", date(2026, 11, 23)), ("11月23号", date(2026, 11, 23)),
    ("11月23", date(2026, 11, 23)), ("11-23", date(2026, 11, 23)), ("11/23", date(2026, 11, 23)),
    ("12-31", date(2025, 12, 31)), ("11月25日", date(2025, 11, 25)),
    ("2026-11-23", date(2026, 11, 23)), ("2026/11/23", date(2026, 11, 23)),
    ("2026年11月23日", date(2026, 11, 23)), ("2026 年 11 月 23 日", date(2026, 11, 23)),
    # A day of the month: this month's, else last month's.
    ("23日", date(2026, 11, 23)), ("23号", date(2026, 11, 23)), ("24号", TODAY),
    ("25号", date(2026, 10, 25)), ("31号", date(2026, 10, 31)),  # November has no 31st
    # Full-width digits, as a Chinese keyboard types them.
    ("１１月２３日", date(2026, 11, 23)), ("２０２６－１１－２３", date(2026, 11, 23)),
    ("２３号", date(2026, 11, 23)), ("１１／２３", date(2026, 11, 23)),
])
def test_looking_back(word: str, expected: date) -> None:
    assert back(word) == expected


@pytest.mark.parametrize(("word", "expected"), [
    ("今天", TODAY), ("today", TODAY), ("明天", date(2026, 11, 25)),
    ("Tomorrow", date(2026, 11, 25)), ("后天", date(2026, 11, 26)),
    ("大后天", date(2026, 11, 27)),
    # A bare weekday: the next one on or after today.
    ("周六", date(2026, 11, 28)), ("星期六", date(2026, 11, 28)), ("礼拜六", date(2026, 11, 28)),
    ("saturday", date(2026, 11, 28)), ("Sat", date(2026, 11, 28)),
    ("周二", TODAY), ("周一", date(2026, 11, 30)), ("周日", date(2026, 11, 29)),
    # The week after this one (Monday 30 November to Sunday 6 December).
    ("下周六", date(2026, 12, 5)), ("下星期六", date(2026, 12, 5)), ("下个周二", date(2026, 12, 1)),
    ("下礼拜天", date(2026, 12, 6)), ("next saturday", date(2026, 12, 5)),
    ("Next Sat", date(2026, 12, 5)),
    # This week, whichever side of today.
    ("这周六", date(2026, 11, 28)), ("本周一", date(2026, 11, 23)),
    ("this sun", date(2026, 11, 29)),
    # Dates: without a year, the next such day.
    ("12月5日", date(2026, 12, 5)), ("12月5号", date(2026, 12, 5)), ("12-05", date(2026, 12, 5)),
    ("12/5", date(2026, 12, 5)), ("2026-12-05", date(2026, 12, 5)),
    ("2026年12月5日", date(2026, 12, 5)), ("11-24", TODAY), ("11-23", date(2027, 11, 23)),
    ("23号", date(2026, 12, 23)), ("24号", TODAY), ("31日", date(2026, 12, 31)),
    ("１２月５日", date(2026, 12, 5)), ("２０２６－１２－０５", date(2026, 12, 5)),
])
def test_looking_ahead(word: str, expected: date) -> None:
    assert ahead(word) == expected


def test_the_year_turns() -> None:
    assert back("12月31日", date(2027, 1, 1)) == date(2026, 12, 31)
    assert back("12-31", date(2027, 1, 1)) == date(2026, 12, 31)
    assert ahead("1月5日", date(2026, 12, 30)) == date(2027, 1, 5)
    assert ahead("1-5", date(2026, 12, 30)) == date(2027, 1, 5)
    assert back("31号", date(2027, 1, 5)) == date(2026, 12, 31)
    assert ahead("5号", date(2026, 12, 30)) == date(2027, 1, 5)
    # Across the new year, the week words still count in Monday-to-Sunday weeks.
    assert ahead("下周一", date(2026, 12, 30)) == date(2027, 1, 4)
    assert back("上周日", date(2027, 1, 1)) == date(2026, 12, 27)


def test_29_february_only_in_a_leap_year() -> None:
    assert back("2月29日", date(2027, 3, 10)) is None  # 2027 has none; 2024's is not meant
    assert ahead("2月29日", date(2027, 2, 10)) is None
    assert back("2月29日", date(2028, 3, 10)) == date(2028, 2, 29)
    assert ahead("02-29", date(2027, 3, 1)) == date(2028, 2, 29)  # the next one is 2028's
    assert back("2027-02-29") is None
    # 30号 said on 31 January, looking ahead: February has none, so 30 March.
    assert ahead("30号", date(2027, 1, 31)) == date(2027, 3, 30)
    assert back("29号", date(2027, 3, 5)) == date(2027, 1, 29)


def test_words_with_a_direction_of_their_own_keep_it() -> None:
    # The caller refuses these with a reason ("already passed", "not yet"), not "unreadable".
    assert ahead("昨天") == date(2026, 11, 23) and ahead("上周六") == date(2026, 11, 21)
    assert back("明天") == date(2026, 11, 25) and back("下周六") == date(2026, 12, 5)
    assert ahead("2025-01-01") == date(2025, 1, 1) and back("2030-01-01") == date(2030, 1, 1)


@pytest.mark.parametrize("word", [
    "", "  ", "someday", "周八", "星期", "上周", "next", "last week", "nextsat", "13月1日",
    "11-31", "2026-02-30", "0号", "32号", "23", "1/2/3", "tomorrowish", "周六周日", "周六下午",
])
def test_garbage_is_none(word: str) -> None:
    assert back(word) is None and ahead(word) is None


# Words naming no year and no week: the direction decides.
_WEEKDAY_WORDS = st.sampled_from([
    "周一", "星期二", "礼拜三", "週四", "周五", "周六", "周日", "星期天",
    "mon", "Tuesday", "WED", "thu", "friday", "sat", "Sunday",
])
_MONTH_DAYS = st.tuples(st.integers(1, 12), st.integers(1, 31)).flatmap(
    lambda md: st.sampled_from([
        f"{md[0]}-{md[1]}", f"{md[0]}/{md[1]:02d}", f"{md[0]}月{md[1]}日", f"{md[0]}月{md[1]}号",
        f"{md[1]}号", f"{md[1]}日",
    ])
)
_DAYS = st.dates(date(2000, 1, 1), date(2099, 12, 31))


@given(_DAYS, st.one_of(_WEEKDAY_WORDS, _MONTH_DAYS))
def test_looking_back_never_lands_after_today(today: date, word: str) -> None:
    found = parse_day(word, today)
    assert found is None or today - timedelta(days=366) < found <= today


@given(_DAYS, st.one_of(_WEEKDAY_WORDS, _MONTH_DAYS))
def test_looking_ahead_never_lands_before_today(today: date, word: str) -> None:
    found = parse_day(word, today, ahead=True)
    assert found is None or today <= found < today + timedelta(days=366)


@given(_DAYS, _WEEKDAY_WORDS)
def test_a_weekday_is_within_the_week_on_its_side(today: date, word: str) -> None:
    earlier, later = parse_day(word, today), parse_day(word, today, ahead=True)
    assert earlier is not None and later is not None
    assert earlier.weekday() == later.weekday()
    assert 0 <= (today - earlier).days < 7 and 0 <= (later - today).days < 7


@given(_DAYS, st.sampled_from(["下周", "上周", "本周", "下星期", "上礼拜"]), st.integers(1, 7))
def test_next_and_last_week_are_calendar_weeks(today: date, week: str, day: int) -> None:
    found = parse_day(f"{week}{day}", today)
    assert found is not None and found.weekday() == day - 1
    this_monday = today - timedelta(days=today.weekday())
    shift = {"下": 7, "上": -7, "本": 0}[week[0]]
    assert (found - timedelta(days=found.weekday())) == this_monday + timedelta(days=shift)


def test_a_planned_day_is_past_within_or_too_far() -> None:
    last = plan_last_day(TODAY)
    assert last == TODAY + timedelta(days=PLAN_DAYS_AHEAD) == date(2027, 11, 25)
    assert day_limit(TODAY - timedelta(days=1), TODAY, last) is DayLimit.PAST
    assert day_limit(TODAY, TODAY, last) is DayLimit.WITHIN
    assert day_limit(last, TODAY, last) is DayLimit.WITHIN
    assert day_limit(last + timedelta(days=1), TODAY, last) is DayLimit.TOO_FAR


def test_duty_skip_and_extra_read_day_words_ahead() -> None:
    assert parse_dates("明天,周六、下周六 2026-12-24", TODAY) == [
        date(2026, 11, 25), date(2026, 11, 28), date(2026, 12, 5), date(2026, 12, 24),
    ]
    assert parse_dates("next sat，12月5日", TODAY) == [date(2026, 12, 5), date(2026, 12, 5)]
    # Passed and far dates come back as dates: change() says why they cannot be used.
    assert parse_dates("昨天 2026-11-01 2030-01-01", TODAY) == [
        date(2026, 11, 23), date(2026, 11, 1), date(2030, 1, 1),
    ]
    assert parse_dates("明天 someday", TODAY) == "someday"
    assert parse_dates("next", TODAY) == "next"


def test_duty_edit_takes_a_day_word_as_a_one_off() -> None:
    assert parse_edit("when=明天", TODAY) == DutyEdit(rrule=(None, date(2026, 11, 25)))
    assert parse_edit("日期=下周六", TODAY) == DutyEdit(rrule=(None, date(2026, 12, 5)))
    assert parse_edit("when=2026-11-20", TODAY) == DutyEdit(rrule=(None, date(2026, 11, 20)))
    # A weekday alone is still a weekly rule, as in /duty add.
    assert parse_edit("when=周六", TODAY) == DutyEdit(rrule=("FREQ=WEEKLY;BYDAY=SA", TODAY))
    assert parse_edit("when=someday", TODAY) == "someday"


def test_refusals_name_the_date_and_the_limit() -> None:
    t = translator("en")
    last = plan_last_day(TODAY)
    assert date_refusal(t, "skip", [date(2026, 11, 25)], TODAY, last) is None
    said = date_refusal(t, "skip", [date(2026, 11, 25), date(2026, 11, 23)], TODAY, last)
    assert said == "Nov 23 has already passed; it can no longer be skipped."
    said = date_refusal(t, "extra", [date(2028, 1, 2)], TODAY, last)
    assert said == "Jan 2, 2028 is too far ahead: the latest date possible is Nov 25, 2027."
    said = date_refusal(t, "edit", [date(2025, 12, 1)], TODAY, last)
    assert said == "Dec 1, 2025 has already passed; choose today or a later date."
