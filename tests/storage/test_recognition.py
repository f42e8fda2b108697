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
