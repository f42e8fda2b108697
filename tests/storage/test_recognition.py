"""Star levels from confirmed hours."""

from __future__ import annotations

from storage.recognition import DEFAULT_STAR_HOURS, Stars, stars


def test_levels_follow_confirmed_hours_with_the_way_to_the_next() -> None:
    assert stars(0, DEFAULT_STAR_HOURS) == Stars(0, 100, 100 * 60)
    assert stars(99 * 60 + 59, DEFAULT_STAR_HOURS) == Stars(0, 100, 1)
    assert stars(100 * 60, DEFAULT_STAR_HOURS) == Stars(1, 300, 200 * 60)
    assert stars(263 * 60, DEFAULT_STAR_HOURS) == Stars(1, 300, 37 * 60)
    assert stars(1500 * 60, DEFAULT_STAR_HOURS) == Stars(5, None, 0)
    assert stars(9999 * 60, (10, 20)) == Stars(2, None, 0)


def test_a_period_is_compared_with_the_same_days_of_the_one_before() -> None:
    from datetime import date

    from storage.daybook import Span, change, span

    assert span("month", date(2026, 11, 1), date(2026, 11, 24)) == Span(
        "month", date(2026, 11, 1), date(2026, 11, 24), date(2026, 10, 1), date(2026, 10, 24)
    )
    # 31 March against February: February ends first.
    assert span("month", date(2027, 3, 1), date(2027, 3, 31)).previous_last == date(2027, 2, 28)
    assert span("week", date(2026, 11, 23), date(2026, 11, 24)) == Span(
        "week", date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 16), date(2026, 11, 17)
    )
    finished = span("year", date(2025, 1, 1), date(2026, 11, 24))
    assert (finished.last, finished.previous_last) == (date(2025, 12, 31), date(2024, 12, 31))
    assert change(412, 381) == 8 and change(5, 0) is None and change(0, 4) == -100
