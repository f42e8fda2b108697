"""Month words for `/summary` and `/noshows`: `2026-11`, `2026年11月`, `11月`, `上个月`.

Pure parsing. A month without a year means the latest such month (this one or before).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

MONTH_WORDS = {
    "本月": 0, "这个月": 0, "this month": 0, "上个月": 1, "上月": 1, "last month": 1,
}


def parse_month(word: str, today: date) -> date | None:
    """`2026-11`, `2026年11月`, `11月` (the latest such month), `上个月`, `本月` → the month's
    first day; None when the word is not a month (it may be a day)."""
    text = unicodedata.normalize("NFKC", word).strip().casefold()
    this_month = today.replace(day=1)
    if text in MONTH_WORDS:
        back = MONTH_WORDS[text]
        return (this_month - timedelta(days=1)).replace(day=1) if back else this_month
    full = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?", text)
    short = re.fullmatch(r"(\d{1,2})\s*月(?:份)?", text)
    if full and 1 <= int(full[2]) <= 12 and int(full[1]) >= 1:
        return date(int(full[1]), int(full[2]), 1)
    if short and 1 <= int(short[1]) <= 12:
        guess = date(today.year, int(short[1]), 1)
        return guess if guess <= this_month else guess.replace(year=today.year - 1)
    return None
