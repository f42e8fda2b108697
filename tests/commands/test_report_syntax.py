"""Report arguments and the hour rules: pure functions, examples and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from commands.hours_syntax import parse_amount, parse_day
from commands.report_syntax import ReportProblem, ReportSyntaxError, parse_report
from scheduler.recurrence import Window
from storage.hours import round_quarter, served_minutes
from storage.reports import Numbers

START = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
LATE = timedelta(minutes=60)


def test_english_and_chinese_keys_and_jin() -> None:
    assert parse_report("problems=2 dissuaded=5 kg=3.5 served=10 楼下很干净") == Numbers(
        2, 5, 3500, 10, "楼下很干净"
    )
    assert parse_report("问题=1 劝导＝３ 3斤 大家辛苦了") == Numbers(1, 3, 1500, 0, "大家辛苦了")
    assert parse_report("公斤=3斤") == Numbers(grams=1500)
    assert parse_report("情况：很好 5G信号差") == Numbers(text="情况：很好 5G信号差")


def test_refusals_name_the_key() -> None:
    cases = {
        "kg=-1": ReportProblem.NEGATIVE, "problems=abc": ReportProblem.NOT_A_NUMBER,
        "served=1.5": ReportProblem.NOT_A_NUMBER, "colour=3": ReportProblem.UNKNOWN_KEY,
        "kg=1 3斤": ReportProblem.REPEATED,
    }
    for text, problem in cases.items():
        result = parse_report(text)
        assert isinstance(result, ReportSyntaxError) and result.problem is problem, text


@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused_without_crashing(text: str) -> None:
    result = parse_report(text)
    assert isinstance(result, Numbers | ReportSyntaxError)
    if isinstance(result, Numbers):
        assert min(result.problems, result.dissuaded, result.grams, result.served) >= 0


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 500))
def test_numbers_written_out_come_back(problems: int, served: int, kg: int) -> None:
    assert parse_report(f"problems={problems} served={served} kg={kg}") == Numbers(
        problems=problems, served=served, grams=kg * 1000
    )


def test_rounding_is_to_the_quarter_hour_half_up() -> None:
    assert [round_quarter(m * 60) for m in (0, 7, 8, 22, 23, 110, 155)] == [
        0, 0, 15, 15, 30, 105, 150
    ]
    assert round_quarter(7 * 60 + 30) == 15 and round_quarter(7 * 60 + 29) == 0


@given(st.integers(-180, 300), st.integers(-60, 400))
def test_actual_hours_are_clipped_and_never_exceed_the_window(early: int, stay: int) -> None:
    checkin = START + timedelta(minutes=early)
    checkout = checkin + timedelta(minutes=max(stay, 0))
    minutes = served_minutes("actual", checkin=checkin, checkout=checkout, start=START,
                             end=END, late=LATE)
    assert 0 <= minutes <= 180 and minutes % 15 == 0
    assert served_minutes("scheduled", checkin=checkin, checkout=checkout, start=START,
                          end=END, late=LATE) == 120


def test_hours_arguments() -> None:
    today = date(2026, 11, 24)
    assert parse_day("today", today) == today and parse_day("昨天", today) == date(2026, 11, 23)
    assert parse_day("11-20", today) == date(2026, 11, 20)
    assert parse_day("12-31", today) == date(2025, 12, 31)  # last year's, not next month's
    assert parse_day("2026-02-30", today) is None and parse_day("someday", today) is None
    assert parse_amount("2") == 120 and parse_amount("1.5h") == 90
    assert parse_amount("2小时") == 120 and parse_amount("25") is None
    assert parse_amount("19:00-21:00") == Window(time(19), time(21))
    assert parse_amount("abc") is None
