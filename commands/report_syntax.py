"""`/report` arguments: `[problems=N] [dissuaded=N] [kg=X] [served=N] [free text]`.

Chinese keys too (`问题=`, `劝导=`, `公斤=`, `服务=`), full-width `＝` and digits, and litter in
斤 (`3斤` is 1.5 kg) or grams anywhere in the text. Pure parsing: the ranges (max_kg, text
length) are storage's rules.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from storage.reports import Numbers

KEYS = {
    "problems": "problems", "problem": "problems", "问题": "problems",
    "dissuaded": "dissuaded", "劝导": "dissuaded",
    "kg": "kg", "公斤": "kg", "千克": "kg",
    "served": "served", "服务": "served",
}
GRAMS_PER = {"kg": 1000, "公斤": 1000, "千克": 1000, "斤": 500, "g": 1, "克": 1}
UNIT = "|".join(sorted(GRAMS_PER, key=len, reverse=True))
BARE_UNITS = {"kg", "公斤", "千克", "斤"}  # `3斤` alone counts; `5G` in a sentence does not
KEY_VALUE = re.compile(r"([^\W\d_]+)\s*([=:])(.*)", re.DOTALL)
AMOUNT = re.compile(rf"([-+]?\d+(?:\.\d+)?)\s*({UNIT})?", re.IGNORECASE)
MAX_DIGITS = 12


class ReportProblem(enum.StrEnum):
    """Why `/report` text was refused."""

    UNKNOWN_KEY = "unknown_key"
    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    REPEATED = "repeated"


@dataclass(frozen=True)
class ReportSyntaxError:
    """The refused part, in the user's own words."""

    problem: ReportProblem
    key: str
    value: str = ""


def _count(key: str, raw: str) -> int | ReportSyntaxError:
    value = raw.strip()
    if re.fullmatch(r"-\d+(\.\d+)?", value):
        return ReportSyntaxError(ReportProblem.NEGATIVE, key, raw)
    if not re.fullmatch(rf"\+?\d{{1,{MAX_DIGITS}}}", value):
        return ReportSyntaxError(ReportProblem.NOT_A_NUMBER, key, raw)
    return int(value)


def _grams(key: str, raw: str) -> int | ReportSyntaxError:
    match = AMOUNT.fullmatch(raw.strip())
    if match is None or len(match.group(1)) > MAX_DIGITS:
        return ReportSyntaxError(ReportProblem.NOT_A_NUMBER, key, raw)
    if match.group(1).startswith("-"):
        return ReportSyntaxError(ReportProblem.NEGATIVE, key, raw)
    try:
        amount = Decimal(match.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return ReportSyntaxError(ReportProblem.NOT_A_NUMBER, key, raw)
    unit = (match.group(2) or "kg").lower()
    return int((amount * GRAMS_PER[unit]).to_integral_value())


def parse_report(text: str) -> Numbers | ReportSyntaxError:
    """Numbers and free text from `/report` arguments, or the first thing that is wrong."""
    found: dict[str, int] = {}
    kept: list[str] = []
    cursor = 0
    for token in re.finditer(r"\S+", text):
        word = unicodedata.normalize("NFKC", token.group())
        pair = KEY_VALUE.fullmatch(word)
        field: str | None = None
        value: int | ReportSyntaxError
        if pair is not None and (pair.group(2) == "=" or pair.group(1).lower() in KEYS):
            key = pair.group(1)
            field = KEYS.get(key.lower())
            if field is None:
                return ReportSyntaxError(ReportProblem.UNKNOWN_KEY, key, pair.group(3))
            raw = pair.group(3)
            value = _grams(key, raw) if field == "kg" else _count(key, raw)
        elif (amount := AMOUNT.fullmatch(word)) is not None and amount.group(2):
            key, field = word, "kg"
            value = _grams(key, word)
        if field is None:
            kept.append(text[cursor:token.end()])
            cursor = token.end()
            continue
        kept.append(text[cursor:token.start()])
        cursor = token.end()
        if isinstance(value, ReportSyntaxError):
            return value
        if field in found:
            return ReportSyntaxError(ReportProblem.REPEATED, key)
        found[field] = value
    kept.append(text[cursor:])
    free = "\n".join(" ".join(line.split()) for line in "".join(kept).splitlines()).strip()
    return Numbers(
        problems=found.get("problems", 0), dissuaded=found.get("dissuaded", 0),
        grams=found.get("kg", 0), served=found.get("served", 0), text=free,
    )
