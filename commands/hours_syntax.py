"""Day words (`昨天`, `周六`, `下周六`, `11月23日`) and `/hours` amounts (`1.5h`). Pure parsing.

A day word that names no year or week (`11-23`, `周六`, `23号`) is ambiguous: `/hours` looks
back (the latest such day on or before today), `/duty skip|extra|edit` looks ahead (the next
such day on or after today). Everything else is absolute and comes back as written, even in
the "wrong" direction, so that callers can say "already passed" or "not yet" instead of
"I did not understand".
"""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal

from commands.duty_syntax import parse_window
from storage.recurrence import Window

RELATIVE = {
    "today": 0, "今天": 0, "今日": 0,
    "yesterday": -1, "昨天": -1, "昨日": -1, "前天": -2, "前日": -2, "大前天": -3,
    "tomorrow": 1, "明天": 1, "明日": 1, "后天": 2, "後天": 2, "大后天": 3, "大後天": 3,
}
WEEKDAYS = {  # Monday is 0, as in date.weekday()
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
    **dict(zip("一二三四五六日天1234567", [*range(7), 6, *range(7)], strict=True)),
}
# Which calendar week (Monday to Sunday) a weekday word names, relative to this one.
WEEK_SHIFT = {"上": -1, "下": 1, "这": 0, "這": 0, "本": 0, "last": -1, "next": 1, "this": 0}
PLAN_DAYS_AHEAD = 366  # skip/extra dates further out than this are typos, not plans

_ZH_WEEKDAY = re.compile(
    r"(?:(?P<shift>[上下这這本])个?)?(?:周|週|星期|礼拜|禮拜)(?P<day>[一二三四五六日天1-7])"
)
_EN_WEEKDAY = re.compile(r"(?:(?P<shift>last|next|this) )?(?P<day>[a-z]+)")
_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?")
_SHORT = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*[日号號]")

HOURS = re.compile(r"(\d{1,2}(?:\.\d{1,2})?)\s*(?:h|hours?|小时|个小时|钟头)?", re.IGNORECASE)
MAX_HOURS = 24


def parse_day(word: str, today: date, *, ahead: bool = False) -> date | None:
    """A day word → a date (None: unreadable); without a year or week, look back or `ahead`.

    `今天 昨天 前天 大前天 明天 后天 大后天 today yesterday tomorrow`; `周六 星期六 礼拜六 sat
    Saturday`; `上周六 下周六 本周六 last/next/this saturday` (the Saturday of the calendar week,
    Monday to Sunday, before/after/containing today's); `2026-11-23 2026/11/23 2026年11月23日`;
    `11-23 11/23 11月23日`; `23日 23号` (a day of this month, else the nearest month that has it).
    Full-width digits and any letter case are fine. A date without a year whose year lacks it
    (29 February) is None.
    """
    text = " ".join(unicodedata.normalize("NFKC", word).casefold().split())
    if text in RELATIVE:
        return today + timedelta(days=RELATIVE[text])
    weekday = _weekday(text, today, ahead)
    if weekday is not None:
        return weekday
    try:
        if full := _FULL.fullmatch(text):
            return date(int(full[1]), int(full[2]), int(full[3]))
        if short := _SHORT.fullmatch(text):
            month, day = int(short[1]), int(short[2])
            if ahead:
                year = today.year + ((month, day) < (today.month, today.day))
            else:
                year = today.year - ((month, day) > (today.month, today.day))
            return date(year, month, day)
    except ValueError:
        return None
    if single := _MONTH_DAY.fullmatch(text):
        return _day_of_month(int(single[1]), today, ahead)
    return None


def _weekday(text: str, today: date, ahead: bool) -> date | None:
    """`周六`, `下周六`, `last sat` → the date, or None if the text is no weekday word."""
    found = _ZH_WEEKDAY.fullmatch(text) or _EN_WEEKDAY.fullmatch(text)
    if found is None or found["day"] not in WEEKDAYS:
        return None
    wanted = WEEKDAYS[found["day"]]
    if found["shift"] is not None:
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=WEEK_SHIFT[found["shift"]], days=wanted)
    if ahead:
        return today + timedelta(days=(wanted - today.weekday()) % 7)
    return today - timedelta(days=(today.weekday() - wanted) % 7)


def _day_of_month(day: int, today: date, ahead: bool) -> date | None:
    """The `day`th of this month if on the right side of today, else of the nearest month."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):  # every day 1-31 occurs within three consecutive months
        try:
            found = date(year, month, day)
        except ValueError:  # 31号 in a 30-day month: try the next month along
            found = None
        if found is not None and (found >= today if ahead else found <= today):
            return found
        month += 1 if ahead else -1
        if month in (0, 13):
            year, month = year + (1 if ahead else -1), 1 if ahead else 12
    return None  # pragma: no cover


class DayLimit(enum.StrEnum):
    """Where a planned date falls: fine, already passed, or beyond the last allowed day."""

    WITHIN = "within"
    PAST = "past"
    TOO_FAR = "too_far"


def plan_last_day(today: date, days_ahead: int = PLAN_DAYS_AHEAD) -> date:
    """The furthest date `/duty skip|extra` accepts."""
    return today + timedelta(days=days_ahead)


def day_limit(day: date, today: date, last: date) -> DayLimit:
    """PAST before today, TOO_FAR after `last`, else WITHIN (today itself is within)."""
    if day < today:
        return DayLimit.PAST
    if day > last:
        return DayLimit.TOO_FAR
    return DayLimit.WITHIN


def parse_amount(word: str) -> int | Window | None:
    """Minutes (`2`, `1.5h`, `2小时`), or a time range; None when unreadable or above 24 h."""
    text = unicodedata.normalize("NFKC", word).strip()
    plain = HOURS.fullmatch(text)
    if plain is not None:
        hours = Decimal(plain[1])
        if hours > MAX_HOURS:
            return None
        return int(hours * 60)
    window = parse_window(text)
    return window if isinstance(window, Window) else None
