"""What /export reads: a period (a bare /export near a month's start means the month just
ended), and csv or pdf."""

from __future__ import annotations

from datetime import date

import pytest

from commands.export import Asked, parse_export

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(("text", "today", "asked"), [
    ("", TODAY, Asked(date(2026, 11, 1), TODAY, "xlsx")),
    ("", date(2026, 12, 3), Asked(date(2026, 11, 1), date(2026, 11, 30), "xlsx")),
    ("", date(2026, 12, 6), Asked(date(2026, 12, 1), date(2026, 12, 6), "xlsx")),
    ("csv", date(2026, 1, 2), Asked(date(2025, 12, 1), date(2025, 12, 31), "csv")),
    ("本月 csv", TODAY, Asked(date(2026, 11, 1), TODAY, "csv")),
    ("week", TODAY, Asked(date(2026, 11, 30), TODAY, "xlsx")),
    ("year", TODAY, Asked(date(2026, 1, 1), TODAY, "xlsx")),
    ("2026-10", TODAY, Asked(date(2026, 10, 1), date(2026, 10, 31), "xlsx")),
    ("上个月", TODAY, Asked(date(2026, 10, 1), date(2026, 10, 31), "xlsx")),
    ("2026-10-01..2026-10-15", TODAY, Asked(date(2026, 10, 1), date(2026, 10, 15), "xlsx")),
    ("10月1日至10月15日 CSV", TODAY, Asked(date(2026, 10, 1), date(2026, 10, 15), "csv")),
    ("2026-11-20..2026-12-31", TODAY, Asked(date(2026, 11, 20), TODAY, "xlsx")),
    ("上个月 pdf", TODAY, Asked(date(2026, 10, 1), date(2026, 10, 31), "pdf")),
])
def test_periods_and_formats(text: str, today: date, asked: Asked) -> None:
    assert parse_export(text, today) == asked


@pytest.mark.parametrize("text", [
    "2027-01", "2026-11-20..2026-11-10", "下个世纪", "month word", "2026-12-01..2026-12-31",
    "csv csv",
])
def test_what_is_no_period_is_refused(text: str) -> None:
    assert parse_export(text, TODAY) is None
