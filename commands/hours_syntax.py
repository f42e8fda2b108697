"""`/hours` arguments: a day and an amount (`2`, `1.5h`, `2小时`, `19:00-21:00`). Pure parsing."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal

from commands.duty_syntax import parse_window
from scheduler.recurrence import Window

RELATIVE = {"today": 0, "今天": 0, "yesterday": 1, "昨天": 1, "前天": 2}
HOURS = re.compile(r"(\d{1,2}(?:\.\d{1,2})?)\s*(?:h|hours?|小时|个小时|钟头)?", re.IGNORECASE)
MAX_HOURS = 24


def parse_day(word: str, today: date) -> date | None:
    """`2026-11-24`, `11-24`, `11/24`, `11月24日`, `today`, `昨天` → a date (None: unreadable)."""
    text = unicodedata.normalize("NFKC", word).strip().casefold()
    if text in RELATIVE:
        return today - timedelta(days=RELATIVE[text])
    full = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    short = re.fullmatch(r"(\d{1,2})[-/.月](\d{1,2})日?", text)
    try:
        if full:
            return date(int(full[1]), int(full[2]), int(full[3]))
        if short:
            guess = date(today.year, int(short[1]), int(short[2]))
            # 12-31 said on 1 January is last year's.
            return guess if guess <= today else date(today.year - 1, guess.month, guess.day)
    except ValueError:
        return None
    return None


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
