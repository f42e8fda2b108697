"""`/duty add` parsing: every accepted form in English and Chinese, every refusal, and fuzzing."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.duty_syntax import (
    MAX_NAME,
    MAX_PLACE,
    DutyProblem,
    DutySpec,
    DutySyntaxError,
    parse_duty,
    parse_need,
    parse_when,
    parse_window,
)
from storage.recurrence import Window

TODAY = date(2026, 11, 24)  # a Tuesday
WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def spec(text: str) -> DutySpec:
    result = parse_duty(text, TODAY)
    assert isinstance(result, DutySpec), result
    return result


def refusal(text: str) -> DutySyntaxError:
    result = parse_duty(text, TODAY)
    assert isinstance(result, DutySyntaxError), result
    return result


def w(start: str, end: str) -> Window:
    return Window(time.fromisoformat(start), time.fromisoformat(end))


# --- the examples from the help text -------------------------------------------------------


def test_english_daily_with_need_and_place() -> None:
    assert spec("垃圾分类督导 daily 19:00-21:00 need 2-4 at 3号投放点") == DutySpec(
        "垃圾分类督导", "FREQ=DAILY", TODAY, w("19:00", "21:00"), 2, 4, "3号投放点", False
    )


def test_english_day_list() -> None:
    assert spec("Patrol mon,wed,fri 06:30-08:30 need 3") == DutySpec(
        "Patrol", "FREQ=WEEKLY;BYDAY=MO,WE,FR", TODAY, w("06:30", "08:30"), 3, 3, None, False
    )


def test_chinese_workdays_half_hours_need_and_place() -> None:
    assert spec("巡逻 工作日 6点半-8点半 需要2-4人 在 东门") == DutySpec(
        "巡逻", WEEKDAYS, TODAY, w("06:30", "08:30"), 2, 4, "东门", True
    )


def test_full_width_punctuation_and_digits() -> None:
    got = spec("巡逻，每天，１９：００～２１：００ 需要２－３人 在 东门")
    assert (got.name, got.rule_rrule, got.window) == ("巡逻", "FREQ=DAILY", w("19:00", "21:00"))
    assert (got.need_min, got.need_max, got.place) == (2, 3, "东门")


def test_defaults_without_need_or_place() -> None:
    got = spec("Patrol daily 19:00-21:00")
    assert (got.need_min, got.need_max, got.place, got.weekdays_note) == (1, 1, None, False)


def test_spacing_newlines_and_case_do_not_matter() -> None:
    got = spec("  Night   Patrol\nDAILY   19:00 - 21:00\tNEED 2  AT  Gate 3 ")
    assert (got.name, got.rule_rrule, got.need_min, got.place) == (
        "Night Patrol", "FREQ=DAILY", 2, "Gate 3"
    )
    assert spec("巡逻每天19:00-21:00需要2人在东门").place == "东门"


def test_names_may_contain_when_words() -> None:
    assert spec("周末巡逻 周末 9-11").name == "周末巡逻"
    assert spec("Sunday school sun 9-11").rule_rrule == "FREQ=WEEKLY;BYDAY=SU"
    assert spec("Daily clean daily 9-11").name == "Daily clean"
    assert spec("Stand at gate daily 9-11").name == "Stand at gate"


# --- <when> --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "rrule"),
    [
        ("daily", "FREQ=DAILY"),
        ("Daily", "FREQ=DAILY"),
        ("every day", "FREQ=DAILY"),
        ("每天", "FREQ=DAILY"),
        ("每日", "FREQ=DAILY"),
        ("weekends", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("周末", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("mon,wed,fri", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("mon/wed", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("monday", "FREQ=WEEKLY;BYDAY=MO"),
        ("fri,tue", "FREQ=WEEKLY;BYDAY=TU,FR"),
        ("thu", "FREQ=WEEKLY;BYDAY=TH"),
        ("thurs", "FREQ=WEEKLY;BYDAY=TH"),
        ("Saturday, Sunday", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("mon-fri", WEEKDAYS),
        ("every mon and thu", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("周一,周三,周五", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("周一，周三，周五", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("周一、周三", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("周一、三、五", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("每周一三五", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("周六周日", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("周六 周日", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("周1周3", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("周1-5", WEEKDAYS),
        ("mon wed fri", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("mon to fri", WEEKDAYS),
        ("fri-mon", "FREQ=WEEKLY;BYDAY=MO,FR,SA,SU"),
        ("星期六、星期日", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ("Tues", "FREQ=WEEKLY;BYDAY=TU"),
        ("周一至周五", WEEKDAYS),
        ("星期二", "FREQ=WEEKLY;BYDAY=TU"),
        ("每周二", "FREQ=WEEKLY;BYDAY=TU"),
        ("礼拜三", "FREQ=WEEKLY;BYDAY=WE"),
        ("周日", "FREQ=WEEKLY;BYDAY=SU"),
        ("周天", "FREQ=WEEKLY;BYDAY=SU"),
        ("星期天", "FREQ=WEEKLY;BYDAY=SU"),
        ("星期日", "FREQ=WEEKLY;BYDAY=SU"),
        ("monthly 1sat", "FREQ=MONTHLY;BYDAY=+1SA"),
        ("monthly 2nd tue", "FREQ=MONTHLY;BYDAY=+2TU"),
        ("monthly first saturday", "FREQ=MONTHLY;BYDAY=+1SA"),
        ("monthly last sun", "FREQ=MONTHLY;BYDAY=-1SU"),
        ("每月第一个周六", "FREQ=MONTHLY;BYDAY=+1SA"),
        ("每月第2个星期二", "FREQ=MONTHLY;BYDAY=+2TU"),
        ("每月最后一个周日", "FREQ=MONTHLY;BYDAY=-1SU"),
    ],
)
def test_repeating_when(when: str, rrule: str) -> None:
    assert parse_when(when, TODAY) == (rrule, TODAY, False)
    got = spec(f"Patrol {when} 19:00-21:00")
    assert (got.rule_rrule, got.first_date, got.weekdays_note) == (rrule, TODAY, False)


@pytest.mark.parametrize("when", ["weekdays", "Weekdays", "工作日"])
def test_weekdays_carry_the_working_day_note(when: str) -> None:
    assert parse_when(when, TODAY) == (WEEKDAYS, TODAY, True)
    assert spec(f"Patrol {when} 19:00-21:00").weekdays_note is True


@pytest.mark.parametrize(
    ("when", "day"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("2026/12/05", date(2026, 12, 5)),
        ("12-05", date(2026, 12, 5)),
        ("12月5日", date(2026, 12, 5)),
        ("2027年1月3日", date(2027, 1, 3)),
        ("11-24", TODAY),  # today is still on or after today
        ("11-01", date(2027, 11, 1)),  # already passed this year: next year
        ("02-29", date(2028, 2, 29)),  # the next leap day
    ],
)
def test_one_off_dates(when: str, day: date) -> None:
    assert parse_when(when, TODAY) == (None, day, False)
    got = spec(f"Party {when} 19:00-21:00")
    assert (got.rule_rrule, got.first_date) == (None, day)


# --- <time> --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("19:00-21:00", "19:00", "21:00"),
        ("19-21", "19:00", "21:00"),
        ("7-9pm", "19:00", "21:00"),
        ("7pm-9pm", "19:00", "21:00"),
        ("7:30-9pm", "19:30", "21:00"),
        ("7 to 9 pm", "19:00", "21:00"),
        ("11-1pm", "11:00", "13:00"),
        ("9-12pm", "09:00", "12:00"),
        ("12am-2am", "00:00", "02:00"),
        ("10pm-2", "22:00", "02:00"),
        ("19:00~21:00", "19:00", "21:00"),
        ("19:00～21:00", "19:00", "21:00"),
        ("19:00–21:00", "19:00", "21:00"),
        ("19点-21点", "19:00", "21:00"),
        ("晚上7点-9点", "19:00", "21:00"),
        ("下午2点-4点半", "14:00", "16:30"),
        ("早上6点-8点", "06:00", "08:00"),
        ("上午9点-11点", "09:00", "11:00"),
        ("凌晨1点-3点", "01:00", "03:00"),
        ("中午12点-1点", "12:00", "13:00"),
        ("晚上10点-凌晨2点", "22:00", "02:00"),
        ("晚上10点-2点", "22:00", "02:00"),
        ("晚上9点-12点", "21:00", "00:00"),
        ("6点半-8点半", "06:30", "08:30"),
        ("7点15分-8点", "07:15", "08:00"),
        ("6:30到8:30", "06:30", "08:30"),
        ("19:00至21:00", "19:00", "21:00"),
        ("22:00-02:00", "22:00", "02:00"),
        ("18:00-06:00", "18:00", "06:00"),
        ("22:00-24:00", "22:00", "00:00"),
        ("10:00-00:00", "10:00", "00:00"),
    ],
)
def test_time_forms(text: str, start: str, end: str) -> None:
    assert parse_window(text) == w(start, end)
    assert spec(f"Patrol daily {text}").window == w(start, end)


def test_overnight_window() -> None:
    window = spec("Night watch daily 22:00-02:00").window
    assert window.crosses_midnight and window.minutes == 240


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", DutyProblem.TIME_MISSING),
        ("25:00-26:00", DutyProblem.TIME_INVALID),
        ("9:75-10", DutyProblem.TIME_INVALID),
        ("13pm-2pm", DutyProblem.TIME_INVALID),
        ("soon", DutyProblem.TIME_INVALID),
        ("19:00", DutyProblem.TIME_INVALID),
        ("19:00-19:00", DutyProblem.TIME_EMPTY_WINDOW),
        ("7pm-19:00", DutyProblem.TIME_EMPTY_WINDOW),
        ("19:00-18:00", DutyProblem.TIME_BACKWARDS),
        ("17:00-06:00", DutyProblem.TIME_BACKWARDS),
        ("18:00-07:00", DutyProblem.TIME_BACKWARDS),
    ],
)
def test_bad_windows(text: str, problem: DutyProblem) -> None:
    result = parse_window(text)
    assert isinstance(result, DutySyntaxError) and result.problem is problem


# --- need and place ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("3", (3, 3)),
        ("2-4", (2, 4)),
        ("need 3", (3, 3)),
        ("need 2-4", (2, 4)),
        ("need 2 to 4 people", (2, 4)),
        ("需要2-4人", (2, 4)),
        ("需要3人", (3, 3)),
        ("需2人", (2, 2)),
        ("需要两人", (2, 2)),
        ("需要十二人", (12, 12)),
        ("need 100", (100, 100)),
    ],
)
def test_need_forms(text: str, need: tuple[int, int]) -> None:
    assert parse_need(text) == need


@pytest.mark.parametrize("text", ["need 5-2", "need 0", "need 1000", "need 101", "need x", "", "x"])
def test_bad_need(text: str) -> None:
    result = parse_need(text)
    assert isinstance(result, DutySyntaxError) and result.problem is DutyProblem.NEED_INVALID


@pytest.mark.parametrize(
    ("tail", "place"),
    [
        ("at 3号投放点", "3号投放点"),
        ("在 东门", "东门"),
        ("在东门", "东门"),
        ("地点 小区北门", "小区北门"),
        ("@East Gate", "East Gate"),
        ("at Block 3, Gate 2", "Block 3, Gate 2"),
    ],
)
def test_place_forms(tail: str, place: str) -> None:
    assert spec(f"Patrol daily 19-21 {tail}").place == place


def test_place_is_the_rest_of_the_text() -> None:
    assert spec("Patrol daily 19-21 at gate need 2").place == "gate need 2"


# --- refusals ------------------------------------------------------------------------------

REFUSALS = [
    ("", DutyProblem.EMPTY, ""),
    (" \u200b ", DutyProblem.EMPTY, ""),
    ("daily 19:00-21:00", DutyProblem.NAME_MISSING, ""),
    ("19:00-21:00", DutyProblem.NAME_MISSING, ""),
    ("n" * (MAX_NAME + 1) + " daily 19:00-21:00", DutyProblem.NAME_TOO_LONG, ""),
    ("Pa\u2028trol daily 19:00-21:00", DutyProblem.NAME_CONTROL, ""),
    ("\u202e daily 19:00-21:00", DutyProblem.NAME_MISSING, ""),  # an RLO alone is nothing
    ("\u3164 daily 19:00-21:00", DutyProblem.NAME_CONTROL, ""),  # a Hangul filler
    ("\u2800 daily 19:00-21:00", DutyProblem.NAME_CONTROL, ""),  # a blank braille cell
    ("\ue000巡逻 daily 19:00-21:00", DutyProblem.NAME_CONTROL, ""),  # private use
    ("!!! daily 19:00-21:00", DutyProblem.NAME_NO_LETTER, ""),
    ("Patrol 19:00-21:00", DutyProblem.WHEN_MISSING, ""),
    ("巡逻", DutyProblem.WHEN_MISSING, ""),
    ("Patrol mon,funday 19:00-21:00", DutyProblem.WHEN_UNKNOWN, "funday"),
    ("Patrol funday 19:00-21:00", DutyProblem.WHEN_UNKNOWN, "funday"),
    ("巡逻 星期八 19:00-21:00", DutyProblem.WHEN_UNKNOWN, "星期八"),
    ("Party 2026-02-30 19:00-21:00", DutyProblem.DATE_INVALID, "2026-02-30"),
    ("Party 02-30 19:00-21:00", DutyProblem.DATE_INVALID, "02-30"),
    ("Party 2099-01-01 19:00-21:00", DutyProblem.DATE_INVALID, "2099-01-01"),
    ("Party 2026-11-01 19:00-21:00", DutyProblem.DATE_PAST, "2026-11-01"),
    ("Patrol daily", DutyProblem.TIME_MISSING, ""),
    ("Patrol daily need 2", DutyProblem.TIME_MISSING, ""),
    ("Party 12-05", DutyProblem.TIME_MISSING, ""),
    ("Patrol daily 25:00-26:00", DutyProblem.TIME_INVALID, "25:00-26:00"),
    ("巡逻 每天 7点", DutyProblem.TIME_INVALID, "7点"),
    ("Patrol daily soon", DutyProblem.TIME_INVALID, "soon"),
    ("Patrol daily 19:00-19:00", DutyProblem.TIME_EMPTY_WINDOW, "19:00-19:00"),
    ("Patrol daily 19:00-18:00", DutyProblem.TIME_BACKWARDS, "19:00-18:00"),
    ("Patrol daily 19:00-21:00 need 5-2", DutyProblem.NEED_INVALID, "need 5-2"),
    ("Patrol daily 19:00-21:00 need 0", DutyProblem.NEED_INVALID, "need 0"),
    ("Patrol daily 19:00-21:00 need 1000", DutyProblem.NEED_INVALID, "need 1000"),
    ("Patrol daily 19:00-21:00 need x", DutyProblem.NEED_INVALID, "need x"),
    ("P daily 19-21 at " + "x" * (MAX_PLACE + 1), DutyProblem.PLACE_TOO_LONG, ""),
    ("P daily 19-21 at \u2800", DutyProblem.PLACE_INVALID, ""),
    ("X monthly 9th mon 19:00-21:00", DutyProblem.WHEN_UNKNOWN, "monthly 9th mon"),
    ("巡逻 每月 第九个 周一 19:00-21:00", DutyProblem.WHEN_UNKNOWN, "每月 第九个 周一"),
    ("Patrol daily 19:00-21:00 please", DutyProblem.UNEXPECTED, "please"),
    ("Patrol daily 19:00-21:00 need 2 at", DutyProblem.UNEXPECTED, "at"),
    ("Patrol daily 19-21 at " + "x" * 400, DutyProblem.UNEXPECTED, "x" * 40),  # too long to read
]


@pytest.mark.parametrize(("text", "problem", "detail"), REFUSALS)
def test_refusals(text: str, problem: DutyProblem, detail: str) -> None:
    result = refusal(text)
    assert (result.problem, result.detail) == (problem, detail)


def test_every_problem_has_an_example() -> None:
    assert {problem for _, problem, _ in REFUSALS} == set(DutyProblem)


def test_control_and_invisible_characters_are_removed_not_stored() -> None:
    for typed in ("Pa\x00trol", "Pa\ttrol", "Pa\x1btrol", "Pa\u200etrol", "Pa\u202etrol"):
        spec = parse_duty(f"{typed} daily 19:00-21:00 at 1号\x00点", TODAY)
        assert isinstance(spec, DutySpec), typed
        assert spec.place == "1号点"
        assert spec.name in ("Patrol", "Pa trol"), typed
    spec = parse_duty("Night   patrol daily 19:00-21:00", TODAY)
    assert isinstance(spec, DutySpec) and spec.name == "Night patrol"


def test_refusals_say_what_was_understood() -> None:
    assert refusal("Patrol daily 19:00-21:00 need 5-2 at Gate").understood == {
        "name": "Patrol", "when": "daily", "time": "19:00-21:00", "place": "Gate",
    }
    unknown = refusal("巡逻 周一,周八 晚上7点-9点 需要2-3人 在 东门")
    assert (unknown.problem, unknown.detail) == (DutyProblem.WHEN_UNKNOWN, "周八")
    assert unknown.understood == {
        "name": "巡逻", "time": "19:00-21:00", "need": "2-3", "place": "东门",
    }
    assert refusal("Patrol daily").understood == {"name": "Patrol", "when": "daily"}
    assert refusal("Patrol daily need 3 at Gate").understood == {
        "name": "Patrol", "when": "daily", "need": "3", "place": "Gate",
    }
    assert refusal("Patrol 7-9pm").understood == {"name": "Patrol", "time": "19:00-21:00"}


def test_edit_helpers_refuse_with_the_same_problems() -> None:
    assert isinstance(parse_when("", TODAY), DutySyntaxError)
    bad = parse_when("sometimes", TODAY)
    assert isinstance(bad, DutySyntaxError) and bad.problem is DutyProblem.WHEN_UNKNOWN
    past = parse_when("2026-01-01", TODAY)
    assert isinstance(past, DutySyntaxError) and past.problem is DutyProblem.DATE_PAST


# --- properties ----------------------------------------------------------------------------

TOKENS = [
    "Patrol", "巡逻", "daily", "每天", "工作日", "mon,wed", "周一、周三", "monthly 1sat",
    "每月最后一个周日", "2026-12-05", "12-05", "19:00-21:00", "7-9pm", "晚上7点-9点", "22:00-02:00",
    "need", "2-4", "需要2人", "at", "在", "@", "东门", "-", ",", "：", "０", "\x00", "\u200b", " ",
]


def check_result(result: DutySpec | DutySyntaxError) -> None:
    assert isinstance(result, DutySpec | DutySyntaxError)
    if isinstance(result, DutySpec):
        assert 0 < len(result.name) <= MAX_NAME and result.name == result.name.strip()
        assert 1 <= result.need_min <= result.need_max <= 100
        assert result.window.start != result.window.end
        assert result.place is None or 0 < len(result.place) <= MAX_PLACE
        assert result.first_date >= TODAY
    else:
        assert isinstance(result.problem, DutyProblem)
        assert all(isinstance(v, str) for v in result.understood.values())


@given(st.text(max_size=120))
def test_any_text_parses_or_is_refused(text: str) -> None:
    check_result(parse_duty(text, TODAY))


@given(st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join))
def test_any_jumble_of_real_words_parses_or_is_refused(text: str) -> None:
    check_result(parse_duty(text, TODAY))


WHENS = [
    ("daily", "FREQ=DAILY", TODAY),
    ("每天", "FREQ=DAILY", TODAY),
    ("weekends", "FREQ=WEEKLY;BYDAY=SA,SU", TODAY),
    ("mon,wed,fri", "FREQ=WEEKLY;BYDAY=MO,WE,FR", TODAY),
    ("周二、周四", "FREQ=WEEKLY;BYDAY=TU,TH", TODAY),
    ("monthly 2nd tue", "FREQ=MONTHLY;BYDAY=+2TU", TODAY),
    ("每月第一个周六", "FREQ=MONTHLY;BYDAY=+1SA", TODAY),
    ("2026-12-05", None, date(2026, 12, 5)),
    ("12月5日", None, date(2026, 12, 5)),
]
word = st.text(alphabet="abcdefgh巡逻队组东门3", min_size=1, max_size=8)


@given(
    name=st.lists(word, min_size=1, max_size=4).map(" ".join).filter(lambda n: len(n) <= MAX_NAME),
    when=st.sampled_from(WHENS),
    start=st.integers(min_value=0, max_value=23 * 60 + 58),
    length=st.integers(min_value=1, max_value=24 * 60 - 1),
    need=st.tuples(st.integers(1, 100), st.integers(0, 99)),
    place=st.none() | st.lists(word, min_size=1, max_size=5).map(" ".join),
    chinese=st.booleans(),
)
def test_round_trip(
    name: str,
    when: tuple[str, str | None, date],
    start: int,
    length: int,
    need: tuple[int, int],
    place: str | None,
    chinese: bool,
) -> None:
    end = min(start + length, 23 * 60 + 59)  # same day, after the start
    low, high = need[0], min(need[0] + need[1], 100)
    clock = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
    parts = [name, when[0], clock, f"需要{low}-{high}人" if chinese else f"need {low}-{high}"]
    if place is not None:
        parts += ["在" if chinese else "at", place]
    assert parse_duty(" ".join(parts), TODAY) == DutySpec(
        name, when[1], when[2], Window(time(start // 60, start % 60), time(end // 60, end % 60)),
        low, high, place, False,
    )


def test_a_head_count_is_echoed_as_given() -> None:
    result = refusal("Patrol daily 19:00-21:00 需要100000人")
    assert (result.problem, result.detail) == (DutyProblem.NEED_INVALID, "需要100000人")
