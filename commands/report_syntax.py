"""`/report` arguments, keyed or in everyday Chinese.

Keyed: `problems=2 dissuaded=5 kg=3.5 served=10`, `问题=2`, `劝导＝３`, `kg = 3`, `服务：10`.
Natural: the number after or before its word (`劝导3次`, `问题2个`, `服务居民12人次`,
`捡了3斤`, `2个问题`, `3斤垃圾`), a weight alone (`3斤`, `1.5kg`, `2斤半`, `半斤`), Chinese
numerals up to 九十九 and 两. A number inside a word (`5G`, `3号楼`, `19:00`, `11月3日`) is
never a count or a weight. What was not read as a number is the free text, as typed.
Pure parsing: the ranges (max_kg, text length) are storage's rules.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from storage.cleaning import strip_invisible
from storage.reports import Numbers

KEYS = {  # `key=N`, `key：N`
    "problems": "problems", "problem": "problems", "问题": "problems", "发现问题": "problems",
    "dissuaded": "dissuaded", "劝导": "dissuaded", "劝阻": "dissuaded", "劝说": "dissuaded",
    "kg": "kg", "公斤": "kg", "千克": "kg", "垃圾": "kg",
    "served": "served", "服务": "served", "服务居民": "served", "居民": "served",
}


@dataclass(frozen=True)
class Words:
    """How volunteers name one field around a number."""

    leads: tuple[str, ...]  # before it: 劝导3次
    tails: tuple[str, ...]  # after it: 3次劝导
    after_lead: tuple[str, ...] = ()  # may follow a lead's number: 服务10位居民
    verbs: tuple[str, ...] = ()  # before it, with a tail only: 发现2个问题


WORDS = {
    "problems": Words(("发现问题", "问题"), ("问题",), ("问题",), ("发现",)),
    "dissuaded": Words(("劝导", "劝阻", "劝说"), ("劝导", "劝阻", "劝说"), ("居民", "行人")),
    "served": Words(("服务居民", "服务", "居民"), ("服务居民",), ("居民",)),
    "kg": Words(
        ("拾捡垃圾", "捡拾垃圾", "分拣垃圾", "捡垃圾", "拾捡", "捡拾", "分拣", "捡", "垃圾"),
        ("垃圾",), ("垃圾",),
    ),
}
GRAMS_PER = {"公斤": 1000, "千克": 1000, "kg": 1000, "斤": 500, "克": 1, "g": 1}
COUNT_UNITS = ("人次", "个人", "次", "个", "人", "位", "名", "处")
CHINESE_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9,
}
MAX_DIGITS = 12


def _alt(words: Iterable[str]) -> str:
    """A regex alternation, longest first (`服务居民` before `服务`)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_ALL_WORDS = _alt(
    [k for k in KEYS if not k.isascii()]
    + [w for words in WORDS.values() for w in (*words.leads, *words.tails, *words.verbs)]
)
_NUMERAL = "零〇一二三四五六七八九十两百千万亿"
# A digit run that starts a word or follows its key: not `iPhone15`, `19:00`, `第3`, `1-3`.
_INT = r"(?<![0-9A-Za-z.:/\-_第])[0-9]+"
_DEC = _INT + r"(?:\.[0-9]+)?"
_CN = (
    rf"(?<![{_NUMERAL}第几每])(?:[二三四五六七八九]?十[一二三四五六七八九]?|[零〇一二三四五六七八九两])"
    r"(?![零〇一二三四五六七八九十两百万亿]|千(?!克))"  # 一千 is a thousand, 一千克 a kilogram
)
_CUNIT = _alt(COUNT_UNITS)
_CEND = r"(?![月日天号楼栋层室点时周小星年岁也都])"  # 2个月, 3次日, 问题一个也没有
_WUNIT = r"公斤|千克|(?i:kg)|斤|克|g"  # a capital G is a network, never grams
_BARE_WUNIT = r"公斤|千克|(?i:kg)|斤"  # `3斤` alone is litter; `500g` needs its word
_WEND = r"(?![A-Za-z0-9])"
# Where a number without a unit may end: `问题2 劝导3`, `问题2，`, `问题2劝导3`.
_BOUND = rf"(?=\s|$|[,;!?)。]|\.(?![0-9])|{_ALL_WORDS})"
_KEYED_BOUND = rf"(?=\s|$|[,;!?)。、]|\.(?![0-9])|{_ALL_WORDS})"  # 问题=1、劝导=2
_SPACE = r"[ \t]*"


def _weight(units: str) -> str:
    return (
        rf"(?:(?P<n>{_DEC}|{_CN}){_SPACE}(?P<u>{units})(?P<h>半)?"
        rf"|(?P<half>半){_SPACE}(?P<hu>{units})){_WEND}"
    )


_COUNT = rf"(?P<n>{_INT}|{_CN})(?:{_SPACE}(?P<u>{_CUNIT}){_CEND}|{_BOUND})"
_COUNT_UNIT = rf"(?P<n>{_INT}|{_CN}){_SPACE}(?P<u>{_CUNIT})"


def _natural() -> list[tuple[str, re.Pattern[str]]]:
    """(field, pattern) in the order they are tried at one place of the text."""
    found: list[tuple[str, re.Pattern[str]]] = []
    for field, words in WORDS.items():
        lead, tail = _alt(words.leads), _alt(words.tails)
        after = rf"(?:{_alt(words.after_lead)})?"  # no space: `劝导3次 居民…` is two
        if field == "kg":
            forms = [
                rf"(?:{lead})了?{_SPACE}{_weight(_WUNIT)}{after}",
                rf"{_weight(_WUNIT)}(?:{tail})",
            ]
        else:
            forms = [
                rf"(?:{lead})了?{_SPACE}{_COUNT}{after}",
                rf"{_COUNT_UNIT}(?:{tail})",
            ]
            if words.verbs:
                forms.append(rf"(?:{_alt(words.verbs)})了?{_SPACE}{_COUNT_UNIT}(?:{tail})")
        found += [(field, re.compile(form)) for form in forms]
    found.append(("kg", re.compile(_weight(_BARE_WUNIT))))
    return found


NATURAL = _natural()
STARTS = frozenset(
    "0123456789半" + _NUMERAL
    + "".join(w[0] for words in WORDS.values() for w in (*words.leads, *words.verbs))
)
KEYED = re.compile(r"(?<![^\W\d_])(?P<run>[^\W\d_]+)(?P<gap>[ \t]*)(?P<sep>[=:])[ \t]*")


def _keyed_values(bound: str) -> dict[str, re.Pattern[str]]:
    """A keyed value's pattern per field kind: kg=3 is kilograms, kg=3斤 says its unit."""
    return {
        "count": re.compile(rf"\+?(?P<n>[0-9]+|{_CN})(?:{_SPACE}(?P<u>{_CUNIT}){_CEND}|{bound})"),
        "kg": re.compile(
            rf"\+?(?:(?P<n>[0-9]+(?:\.[0-9]+)?|{_CN})"
            rf"(?:{_SPACE}(?P<u>{_WUNIT})(?P<h>半)?{_WEND}|{bound})"
            rf"|(?P<half>半){_SPACE}(?P<hu>{_WUNIT}){_WEND})"
        ),
    }


# `问题=1、劝导=2` lists values; `问题：1、楼道堆物` numbers a sentence.
KEYED_VALUES = {"=": _keyed_values(_KEYED_BOUND), ":": _keyed_values(_BOUND)}
RAW_VALUE = re.compile(r"[^\s,;。、]*")
NEGATIVE = re.compile(rf"-{_SPACE}(?:[0-9]|[{_NUMERAL}])")
UNREAD = re.compile(  # digits, or a Chinese numeral beside a report word (劝导三, 一百次劝导)
    rf"[0-9]|(?:{_ALL_WORDS})了?{_SPACE}[{_NUMERAL}]"
    rf"|(?<![{_NUMERAL}])[{_NUMERAL}]+{_SPACE}"
    rf"(?:{_BARE_WUNIT}|(?:{_CUNIT}){_SPACE}(?:{_ALL_WORDS}))"
)
SEPARATORS = " \t\u3000,，、;；.。!！"  # dropped beside a number read


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


@dataclass(frozen=True)
class _Reading:
    field: str
    value: int
    key: str  # as typed, for a repeated field
    start: int  # in the normalised text
    end: int


class _Text:
    """The typed text and its NFKC form, character by character, to cut the typed one."""

    def __init__(self, typed: str) -> None:
        self.typed = typed
        parts = [unicodedata.normalize("NFKC", ch) for ch in typed]
        self.norm = "".join(parts)
        self.origin = [i for i, part in enumerate(parts) for _ in part]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The typed characters behind norm[start:end]."""
        if end <= start:
            at = self.origin[start] if start < len(self.origin) else len(self.typed)
            return at, at
        return self.origin[start], self.origin[end - 1] + 1

    def typed_slice(self, start: int, end: int) -> str:
        begin, stop = self.span(start, end)
        return self.typed[begin:stop]


def _chinese(numeral: str) -> int:
    if "十" not in numeral:
        return CHINESE_DIGITS[numeral]
    tens, _, ones = numeral.partition("十")
    return CHINESE_DIGITS.get(tens, 1) * 10 + CHINESE_DIGITS.get(ones, 0)


def _amount(raw: str) -> Decimal | None:
    if raw[0] in _NUMERAL:
        return Decimal(_chinese(raw))
    return Decimal(raw) if len(raw) <= MAX_DIGITS else None


def _count(match: re.Match[str], *, keyed: bool) -> int | None:
    number = match["n"]
    if number[0] in _NUMERAL and not (keyed or match["u"]):
        return None  # 问题一：… is a heading, not a count
    amount = _amount(number)
    return None if amount is None else int(amount)


def _grams(match: re.Match[str]) -> int | None:
    if match["half"]:
        return GRAMS_PER[match["hu"].lower()] // 2
    amount = _amount(match["n"])
    if amount is None or (match["h"] and amount != amount.to_integral_value()):
        return None
    unit = (match["u"] or "kg").lower()
    total = (amount + (Decimal("0.5") if match["h"] else 0)) * GRAMS_PER[unit]
    # Weighed to the gram: 0.0004 kg is not silently 0, and 500.0005 kg is not 500 kg.
    return int(total) if total == total.to_integral_value() else None


def _keyed(text: _Text, pos: int) -> _Reading | ReportSyntaxError | None:
    head = KEYED.match(text.norm, pos)
    if head is None:
        return None
    run, equals = head["run"], head["sep"] == "="
    key = run.lower() if run.isascii() else next(  # 今天问题=2: the key ends the word
        (k for k in sorted(KEYS, key=len, reverse=True) if run.lower().endswith(k)), run
    )
    field = KEYS.get(key)
    start = head.start("run") + len(run) - len(key)
    typed_key = text.typed_slice(start, head.end("run"))
    raw = RAW_VALUE.match(text.norm, head.end())
    assert raw is not None
    typed_value = text.typed_slice(*raw.span())
    if field is None:
        at_word_start = pos == 0 or text.norm[pos - 1].isspace()
        if equals and not head["gap"] and at_word_start:
            return ReportSyntaxError(ReportProblem.UNKNOWN_KEY, typed_key, typed_value)
        return None
    pattern = KEYED_VALUES[head["sep"]]["kg" if field == "kg" else "count"]
    value = pattern.match(text.norm, head.end())
    number = None if value is None else (
        _grams(value) if field == "kg" else _count(value, keyed=True)
    )
    if value is None or number is None:
        if not equals:  # `问题：3号楼漏水` is a sentence
            return None
        problem = (
            ReportProblem.NEGATIVE if NEGATIVE.match(raw.group())
            else ReportProblem.NOT_A_NUMBER
        )
        return ReportSyntaxError(problem, typed_key, typed_value)
    return _Reading(field, number, typed_key, start, value.end())


def _natural_at(text: _Text, pos: int) -> _Reading | None:
    for field, pattern in NATURAL:
        match = pattern.match(text.norm, pos)
        if match is None:
            continue
        value = _grams(match) if field == "kg" else _count(match, keyed=False)
        if value is not None:
            return _Reading(field, value, text.typed_slice(*match.span()), *match.span())
    return None


def _read(text: _Text) -> list[_Reading] | ReportSyntaxError:
    """Every number understood, left to right, or the first thing that is wrong."""
    found: list[_Reading] = []
    pos = 0
    while pos < len(text.norm):
        reading = _keyed(text, pos)
        if isinstance(reading, ReportSyntaxError):
            return reading
        if reading is None and text.norm[pos] in STARTS:
            reading = _natural_at(text, pos)
        if reading is None:
            pos += 1
            continue
        if any(r.field == reading.field for r in found):
            return ReportSyntaxError(ReportProblem.REPEATED, reading.key)
        found.append(reading)
        pos = reading.end
    return found


def _join(left: str, right: str) -> str:
    """Close the gap a number left, keeping one of the separators around it."""
    kept_left, kept_right = left.rstrip(SEPARATORS), right.lstrip(SEPARATORS)
    if (
        not kept_left.strip() or not kept_right.strip()
        or kept_left.endswith("\n") or kept_right.startswith("\n")
    ):
        return kept_left + kept_right
    gap = left[len(kept_left):] + right[: len(right) - len(kept_right)]
    mark = next((ch for ch in gap if not ch.isspace()), " " if gap else "")
    return kept_left + mark + kept_right


def _free_text(text: _Text, found: list[_Reading]) -> str:
    """The typed text without the numbers read, one space between words on each line."""
    pieces, cursor = [], 0
    for reading in found:
        start, end = text.span(reading.start, reading.end)
        pieces.append(text.typed[cursor:start])
        cursor = end
    pieces.append(text.typed[cursor:])
    kept = reduce(_join, pieces)
    return strip_invisible(kept, lines=True)


def parse_report(text: str) -> Numbers | ReportSyntaxError:
    """Numbers and free text from `/report` arguments, or the first thing that is wrong."""
    typed = _Text(text)
    found = _read(typed)
    if isinstance(found, ReportSyntaxError):
        return found
    values = {r.field: r.value for r in found}
    return Numbers(
        problems=values.get("problems", 0), dissuaded=values.get("dissuaded", 0),
        grams=values.get("kg", 0), served=values.get("served", 0),
        text=_free_text(typed, found),
    )


def numbers_not_understood(text: str) -> bool:
    """The text looks numeric (digits, or a Chinese numeral by a report word) but no number
    in it was understood: better to ask than to file zeros."""
    typed = _Text(text)
    found = _read(typed)
    return found == [] and UNREAD.search(typed.norm) is not None
