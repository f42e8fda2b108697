"""`/duty add` arguments: `<name> <when> <time> [need N|N-M] [at <place>]`, English and Chinese.

Pure parsing: no telegram, no database, no clock ("today" is a parameter). Problems come back as
values (DutySyntaxError) carrying what was understood, so the bot can show a volunteer their own
words next to the correct form instead of a bare "syntax error".
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import NamedTuple

from storage.cleaning import TextProblem, clean_name, strip_invisible
from storage.recurrence import Window

MAX_NAME = 40
MAX_PLACE = 60
MAX_NEED = 100
MAX_YEARS_AHEAD = 10  # a one-off further out than this is a typo, not a plan
# Every part at its longest fits in about 200 characters; the cap also bounds regex work, which
# grows with the square of the length on adversarial input (周一周一周一...).
MAX_TEXT = 300
WEEKDAYS_RRULE = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"

WhenResult = tuple[str | None, date, bool]
"""(RRULE body or None for a one-off, first date, weekdays_note)."""


class DutyProblem(enum.StrEnum):
    """Why `/duty add` text was refused: a closed set, one bot message each."""

    EMPTY = "empty"
    NAME_MISSING = "name_missing"
    NAME_TOO_LONG = "name_too_long"
    NAME_CONTROL = "name_control"  # characters that cannot be shown
    NAME_NO_LETTER = "name_no_letter"
    WHEN_MISSING = "when_missing"
    WHEN_UNKNOWN = "when_unknown"
    DATE_INVALID = "date_invalid"
    DATE_PAST = "date_past"
    TIME_MISSING = "time_missing"
    TIME_INVALID = "time_invalid"
    TIME_EMPTY_WINDOW = "time_empty_window"
    TIME_BACKWARDS = "time_backwards"
    NEED_INVALID = "need_invalid"
    PLACE_TOO_LONG = "place_too_long"
    PLACE_INVALID = "place_invalid"  # invisible, or no letter or digit
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class DutySpec:
    """A duty as a leader described it, ready to be stored."""

    name: str
    rule_rrule: str | None
    first_date: date
    window: Window
    need_min: int
    need_max: int
    place: str | None
    weekdays_note: bool


@dataclass(frozen=True)
class DutySyntaxError:
    """Why the text was refused (returned, not raised), what was understood, and the bad bit."""

    problem: DutyProblem
    understood: dict[str, str] = field(default_factory=dict)
    detail: str = ""


def _fail(problem: DutyProblem, detail: str = "") -> DutySyntaxError:
    return DutySyntaxError(problem, {}, detail)


# The vocabulary, as regex fragments (always compiled case-insensitive).
_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_EN_DAYS = {
    "MO": r"mon(?:days?)?", "TU": r"tue(?:sdays?|s)?", "WE": r"wed(?:nesdays?|s)?",
    "TH": r"thu(?:rsdays?|rs|r)?", "FR": r"fri(?:days?)?", "SA": r"sat(?:urdays?)?",
    "SU": r"sun(?:days?)?",
}
_ZH_DAYS = dict(zip("一二三四五六日天1234567", [*_CODES, "SU", *_CODES], strict=True))
_ZH_NUM = dict(zip("一二两三四五六七八九", [1, 2, 2, 3, 4, 5, 6, 7, 8, 9], strict=True))
_EN_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1, "-1": -1}
_EN_DAY = r"(?:" + "|".join(_EN_DAYS.values()) + r")(?![a-z])"
_ZH_WEEK = r"(?:周|週|星期|礼拜|禮拜)"
_ZH_DAY = r"[一二三四五六日天1-7]"
_LIST_MARK = r"\s*(?:[,/&、和及]|\band\b)\s*"
_LIST_SEP = rf"{_LIST_MARK}|\s+"
_RANGE_SEP = r"\s*(?:[-~〜–—−至到]|\bto\b)\s*"
_JOIN = rf"(?:{_LIST_SEP}|{_RANGE_SEP})"
_MARKED_JOIN = rf"(?:{_LIST_MARK}|{_RANGE_SEP})"  # before a bare digit day, never just a space
_EN_ORD = r"[1-5](?:st|nd|rd|th)?|-1|first|second|third|fourth|fifth|last"
# Chinese time-of-day words → how they shift a 12-hour clock hour (see _to24).
_PERIODS = {
    "凌晨": "am", "早上": "morning", "早晨": "morning", "清晨": "morning", "上午": "morning",
    "中午": "noon", "下午": "pm", "傍晚": "pm", "晚上": "night", "夜里": "night", "夜间": "night",
}
_OPPOSITE = {"am": "pm", "pm": "am"}
_POINT = (
    r"(?:(?P<period>" + "|".join(_PERIODS) + r")\s*)?(?P<h>\d{1,2})"
    r"(?:[:.](?P<m>\d{2})|\s*[点點时時](?:(?P<half>半)|(?P<zm>\d{1,2})\s*分?|钟|鐘)?)?"
    r"(?:\s*(?P<ap>[ap])\.?m\.?)?"
)
_NUM = r"\d{1,4}(?![0-9])|[一二两三四五六七八九十]{1,3}"
_NEED_MARK = r"(?<![a-z])(?:needs?|需要|需)(?![a-z])\s*[:=]?\s*"
_NEED_VALUE = (
    rf"(?P<a>{_NUM})(?:{_RANGE_SEP}(?P<b>{_NUM}))?\s*(?:个人|人|名|位|people|persons?|ppl)?"
)
_GAP = r"[\s,、;]*"  # what may sit between <when> and <time> besides spaces
_PUNCT = " ,;:、。."


def _plain(pattern: str) -> str:
    """The pattern without group names, so it can be embedded more than once."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_POINT_RX = _rx(_POINT)
_RANGE_RX = _rx(rf"(?P<a>{_plain(_POINT)}){_RANGE_SEP}(?P<b>{_plain(_POINT)})")
_NEED_RX = _rx(rf"(?:{_NEED_MARK})?{_NEED_VALUE}")
_NEED_FIND = _rx(rf"{_NEED_MARK}(?:{_plain(_NEED_VALUE)}|\S*)")
_NEED_CUT = _rx(r"\s(?:needs?|需要|需)(?![a-z])")
_PLACE_MARK = _rx(r"(?<![a-z])at(?![a-z])|在|地点|地點|@")
_WHEN_ISH = _rx(r"[,/、]|day|mon|tue|wed|thu|fri|sat|sun|每|周|週|星期|礼拜|月")  # a failed <when>?


def _separated(text: str) -> bool:
    """Does the text hold a line or paragraph separator (refused in names and places)?"""
    return "\u2028" in text or "\u2029" in text


def _normalise(text: str) -> str:
    """NFKC (full-width digits and ，：～ become ASCII), then the one text cleaner: control
    and invisible characters go, newlines and tabs are just spacing on a phone keyboard."""
    return strip_invisible(unicodedata.normalize("NFKC", text))


# --- when ------------------------------------------------------------------------------------
def _day_code(word: str) -> str | None:
    """MO..SU for one day word (`wed`, `Thursday`, `周三`, `星期天`, `三`), else None."""
    word = re.sub(rf"^(?:每个?)?{_ZH_WEEK}?", "", word.strip())
    if word in _ZH_DAYS:
        return _ZH_DAYS[word]
    return next((c for c, p in _EN_DAYS.items() if re.fullmatch(p, word, re.IGNORECASE)), None)


def _weekly_days(text: str) -> list[str] | str:
    """Day codes (in week order) for `mon,wed`, `mon-fri`, `周一、三五`; or the unknown item."""
    text = re.sub(r"^every\s+", "", text.strip(), flags=re.IGNORECASE)
    # Ranges first (`mon to fri`), as spaces also separate list items (`周六 周日`).
    text = re.sub(_RANGE_SEP, "-", text, flags=re.IGNORECASE)
    # Chinese lists may run together (每周一三五, 周六周日).
    text = re.sub(rf"(?<=[一二三四五六日天1-7])(?={_ZH_WEEK}|[一二三四五六日天])", "、", text)
    wanted: set[str] = set()
    for piece in re.split(_LIST_SEP, text, flags=re.IGNORECASE):
        ends = piece.split("-")
        codes = [code for code in map(_day_code, ends) if code is not None]
        if len(codes) < len(ends):
            return next(e for e in ends if _day_code(e) is None).strip() or text
        first, last = _CODES.index(codes[0]), _CODES.index(codes[-1])
        # A range such as `fri-mon` wraps round the weekend.
        wanted.update(_CODES[(first + i) % 7] for i in range((last - first) % 7 + 1))
    return [code for code in _CODES if code in wanted]


def _weekly(m: re.Match[str], today: date) -> WhenResult | DutySyntaxError:
    days = _weekly_days(m.group())
    if isinstance(days, str):
        return _fail(DutyProblem.WHEN_UNKNOWN, days)
    return f"FREQ=WEEKLY;BYDAY={','.join(days)}", today, False


def _number(text: str) -> int | None:
    """An integer written in digits or in small Chinese numerals (两, 十二, 二十)."""
    if text.isdecimal():
        return int(text)
    tens, ten, ones = text.partition("十")
    if not ten:
        return _ZH_NUM.get(text)
    high = _ZH_NUM.get(tens) if tens else 1
    low = _ZH_NUM.get(ones) if ones else 0
    return None if high is None or low is None else high * 10 + low


def _monthly(m: re.Match[str], today: date) -> WhenResult | DutySyntaxError:
    ordinal = (m["n"] or "last").lower()  # Chinese 最后一个 has no number
    nth = _EN_ORDINAL.get(ordinal) or _number(ordinal.rstrip("stndrh")) or 1  # 2nd → 2, 三 → 3
    return f"FREQ=MONTHLY;BYDAY={nth:+d}{_day_code(m['day'])}", today, False


def _one_off(m: re.Match[str], today: date) -> WhenResult | DutySyntaxError:
    month, day, given = int(m["m"]), int(m["d"]), m.groupdict().get("y")
    years = [int(given)] if given else range(today.year, today.year + 9)
    for year in years:  # no year given: the next such date on or after today (02-29 included)
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if given and found < today:
            return _fail(DutyProblem.DATE_PAST, found.isoformat())
        if found.year > today.year + MAX_YEARS_AHEAD:
            return _fail(DutyProblem.DATE_INVALID, m.group())
        if found >= today:
            return None, found, False
    return _fail(DutyProblem.DATE_INVALID, m.group())


_WHEN_FORMS: list[tuple[str, Callable[[re.Match[str], date], WhenResult | DutySyntaxError]]] = [
    (r"daily|every\s*day|每天|每日|天天", lambda m, today: ("FREQ=DAILY", today, False)),
    (r"(?:every\s+)?weekdays?|(?:每个?)?工作日", lambda m, today: (WEEKDAYS_RRULE, today, True)),
    (r"(?:every\s+)?weekends?|(?:每个?)?[周週]末",
     lambda m, today: ("FREQ=WEEKLY;BYDAY=SA,SU", today, False)),
    (rf"(?:monthly|every\s+month)\s*(?:on\s+)?(?:the\s+)?(?P<n>{_EN_ORD})\s*(?P<day>{_EN_DAY})",
     _monthly),
    (rf"每个?月的?(?:第\s*(?P<n>[1-5一二三四五])\s*个?|最后一?个?)\s*(?P<day>{_ZH_WEEK}{_ZH_DAY})",
     _monthly),
    (rf"(?:every\s+)?{_EN_DAY}(?:{_JOIN}{_EN_DAY})*", _weekly),
    (rf"(?:每个?)?{_ZH_WEEK}{_ZH_DAY}"
     rf"(?:{_JOIN}?{_ZH_WEEK}{_ZH_DAY}|{_JOIN}?[一二三四五六日天]|{_MARKED_JOIN}[1-7])*", _weekly),
    (r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})", _one_off),
    (r"(?P<m>\d{1,2})[-/](?P<d>\d{1,2})", _one_off),
    (r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号號]?", _one_off),
]
_WHEN_RXS = [(_rx(pattern), handler) for pattern, handler in _WHEN_FORMS]
_WHEN = "|".join(f"(?:{_plain(pattern)})" for pattern, _ in _WHEN_FORMS)
_TIME = _plain(_RANGE_RX.pattern)
# The split point of the whole command is a <when> directly followed by a <time>. Looking for
# the pair, not the first when-like word, lets names such as "周末巡逻" or "Sunday school" work.
_WHEN_TIME = _rx(rf"(?<![a-z0-9])(?P<when>{_WHEN}){_GAP}(?P<time>{_TIME})(?![0-9:])")
_WHEN_ALONE = _rx(rf"(?<![a-z0-9])(?:{_WHEN})(?=$|\s|[^\x00-\x7f])")
_TIME_ALONE = _rx(rf"(?<![0-9a-z:])(?:{_TIME})(?![0-9:])")


def parse_when(text: str, today: date) -> WhenResult | DutySyntaxError:
    """`daily`, `工作日`, `mon,wed`, `每月第一个周六`, `12-05`... → (rrule, first date, note)."""
    text = _normalise(text)
    if not text:
        return _fail(DutyProblem.WHEN_MISSING)
    for pattern, handler in _WHEN_RXS:
        if found := pattern.fullmatch(text):
            return handler(found, today)
    days = _weekly_days(text)
    return _fail(DutyProblem.WHEN_UNKNOWN, days if isinstance(days, str) else text)


# --- time ------------------------------------------------------------------------------------
class _Point(NamedTuple):
    hour: int
    minute: int
    marker: str | None  # am / pm / morning / noon / night, or None for a bare 24-hour number
    english: bool  # an explicit am/pm, which only goes with hours 1-12


def _point(text: str) -> _Point:
    g = _POINT_RX.fullmatch(text)
    assert g is not None  # only called on pieces that _RANGE_RX already matched
    minute = 30 if g["half"] else int(g["m"] or g["zm"] or 0)
    marker = f"{g['ap'].lower()}m" if g["ap"] else _PERIODS.get(g["period"] or "")
    return _Point(int(g["h"]), minute, marker, bool(g["ap"]))


def _to24(hour: int, marker: str | None) -> int:
    """Apply a time-of-day marker: 晚上/下午/pm add 12 to 1-11; 12am and 晚上12点 are midnight."""
    if marker is None or not 1 <= hour <= 12:
        return hour
    if marker in ("pm", "night"):
        return hour + 12 if hour < 12 else (12 if marker == "pm" else 0)
    if marker == "am":
        return 0 if hour == 12 else hour
    if marker == "noon":  # 中午12点 is noon, 中午1点 is 13:00
        return hour + 12 if hour <= 5 else hour
    return hour


def _minutes(hour: int, minute: int, *, end: bool = False) -> int:
    return (24 * 60 if end and hour == minute == 0 else 0) + hour * 60 + minute


def _hours(a: _Point, b: _Point) -> tuple[int, int]:
    """24-hour start and end; a bare side borrows the other's marker (`7-9pm`, `晚上7点-9点`).

    It borrows only if that keeps the window in order within one day, else it takes the
    opposite: `11-1pm` is 11:00-13:00, `10pm-2` and `晚上10点-2点` end at 02:00.
    """
    start, end = _to24(a.hour, a.marker), _to24(b.hour, b.marker)
    if a.marker is None and b.marker is not None:
        start = _to24(a.hour, b.marker)
        if _minutes(start, a.minute) >= _minutes(end, b.minute, end=True):
            start = _to24(a.hour, _OPPOSITE.get(b.marker))
    elif b.marker is None and a.marker is not None:
        end = _to24(b.hour, a.marker)
        if _minutes(end, b.minute, end=True) <= _minutes(start, a.minute):
            end = _to24(b.hour, _OPPOSITE.get(a.marker))
    return start, end


def _clock(hour: int, minute: int) -> time | None:
    if hour == 24 and minute == 0:  # "22:00-24:00" ends at midnight
        return time(0, 0)
    return time(hour, minute) if 0 <= hour <= 23 and 0 <= minute <= 59 else None


def parse_window(text: str) -> Window | DutySyntaxError:
    """`19:00-21:00`, `7-9pm`, `晚上7点-9点`, `6点半到8点半`, `22:00-02:00`... → Window.

    An end before the start crosses midnight only if the start is at or after 18:00 and the
    end at or before 06:00, or the end is exactly midnight; otherwise it is TIME_BACKWARDS.
    """
    text = _normalise(text)
    found = _RANGE_RX.fullmatch(text)
    if found is None:
        return _fail(DutyProblem.TIME_INVALID if text else DutyProblem.TIME_MISSING, text)
    a, b = _point(found["a"]), _point(found["b"])
    if any(p.english and not 1 <= p.hour <= 12 for p in (a, b)):
        return _fail(DutyProblem.TIME_INVALID, text)
    start_hour, end_hour = _hours(a, b)
    start, end = _clock(start_hour, a.minute), _clock(end_hour, b.minute)
    if start is None or end is None or start_hour == 24:
        return _fail(DutyProblem.TIME_INVALID, text)
    if start == end:
        return _fail(DutyProblem.TIME_EMPTY_WINDOW, text)
    overnight = start >= time(18) and end <= time(6)
    if end < start and end != time(0) and not overnight:
        return _fail(DutyProblem.TIME_BACKWARDS, text)
    return Window(start, end)


# --- need, place, name -----------------------------------------------------------------------
def parse_need(text: str) -> tuple[int, int] | DutySyntaxError:
    """`3`, `2-4`, `need 2-4`, `需要2-4人`, `需两人` → (min, max) with 1 ≤ min ≤ max ≤ 100."""
    text = _normalise(text)
    found = _NEED_RX.fullmatch(text)
    low = _number(found["a"]) if found else None
    high = _number(found["b"]) if found and found["b"] else low
    if low is None or high is None or not 1 <= low <= high <= MAX_NEED:
        return _fail(DutyProblem.NEED_INVALID, text)
    return low, high


def check_name(text: str) -> str | DutySyntaxError:
    """A duty's name, by the one rule for names (`storage.cleaning.clean_name`)."""
    if _separated(text):
        return _fail(DutyProblem.NAME_CONTROL)
    name = clean_name(_normalise(text).strip(" ,;、"), MAX_NAME)
    problem = {
        TextProblem.EMPTY: DutyProblem.NAME_MISSING,
        TextProblem.TOO_LONG: DutyProblem.NAME_TOO_LONG,
        TextProblem.UNSHOWABLE: DutyProblem.NAME_CONTROL,
        TextProblem.NO_LETTER: DutyProblem.NAME_NO_LETTER,
    }
    return _fail(problem[name]) if isinstance(name, TextProblem) else name


def check_place(text: str) -> str | DutySyntaxError:
    """A duty's place, by the same rule as names."""
    if _separated(text):
        return _fail(DutyProblem.PLACE_INVALID)
    place = clean_name(_normalise(text), MAX_PLACE)
    if place is TextProblem.TOO_LONG:
        return _fail(DutyProblem.PLACE_TOO_LONG)
    return _fail(DutyProblem.PLACE_INVALID) if isinstance(place, TextProblem) else place


# Words that begin a schedule; from one of them on, the words before a <when> are not a name.
_SCHEDULE_WORD = _rx(
    r"monthly|weekly|daily|every|each|fortnightly|biweekly|yearly|annually|weekdays?|"
    r"weekends?|每个?月\S*|每个?周\S*|每个?星期\S*|每天|每日|每年|隔周|双周|工作日"
)


def _schedule_words(name: str) -> str:
    """The tail of a name from a schedule word on (never the name's first word), or ""."""
    words = name.split(" ")
    for i, word in enumerate(words[1:], start=1):
        if _SCHEDULE_WORD.fullmatch(word):
            return " ".join(words[i:])
    return ""


def _split_tail(tail: str) -> tuple[str | None, str | None, str]:
    """The text after <time> → (need text, place text, leftover words)."""
    place = None
    mark = _PLACE_MARK.search(tail)
    if mark and tail[mark.end() :].strip(_PUNCT):
        # The place is everything after its marker, so a marker inside the place is fine.
        tail, place = tail[: mark.start()], tail[mark.end() :].strip(_PUNCT)
    need = None
    if found := _NEED_FIND.search(tail):
        tail, need = f"{tail[: found.start()]} {tail[found.end() :]}", found.group()
    return need, place, " ".join(tail.split()).strip(_PUNCT)


def _understood(**parts: str | Window | tuple[int, int] | DutySyntaxError | None) -> dict[str, str]:
    """The parts that were recognised, as short strings the bot can echo back."""
    shown: dict[str, str] = {}
    for key, value in parts.items():
        if isinstance(value, Window):
            shown[key] = f"{value.start:%H:%M}-{value.end:%H:%M}"
        elif isinstance(value, tuple):
            shown[key] = str(value[0]) if value[0] == value[1] else f"{value[0]}-{value[1]}"
        elif isinstance(value, str):
            shown[key] = value
    return shown


# --- the whole command -----------------------------------------------------------------------
def parse_duty(text: str, today: date) -> DutySpec | DutySyntaxError:
    """Parse the text after `/duty add` into a DutySpec, or say what is wrong with it.

    Without `need` the duty needs exactly one person (need_min = need_max = 1). A repeating
    duty's first_date is today; a one-off's is its date. `understood` in an error holds every
    part that was recognised: name, when (as typed), time (HH:MM-HH:MM), need, place.
    """
    if _separated(text):  # a line separator would end up inside the name or the place
        return _fail(DutyProblem.NAME_CONTROL)
    text = _normalise(text)
    if not text:
        return _fail(DutyProblem.EMPTY)
    if len(text) > MAX_TEXT:
        return _fail(DutyProblem.UNEXPECTED, text[MAX_TEXT:][:40])
    found = _WHEN_TIME.search(text)
    if found is None:
        return _explain(text, today)
    name = check_name(text[: found.start()])
    if isinstance(name, str) and (stray := _schedule_words(name)):
        # `X monthly 9th mon 19:00-21:00`: a schedule begun in the name is a when that could
        # not be read, not a duty called "X monthly 9th" on Mondays.
        return DutySyntaxError(
            DutyProblem.WHEN_UNKNOWN, _understood(name=name[: -len(stray)].strip()),
            f"{stray} {found['when']}",
        )
    when = parse_when(found["when"], today)
    window = parse_window(found["time"])
    need_text, place_text, rest = _split_tail(text[found.end() :])
    need = parse_need(need_text) if need_text is not None else (1, 1)
    place = check_place(place_text) if place_text is not None else None
    understood = _understood(
        name=name, when=found["when"] if isinstance(when, tuple) else None, time=window,
        need=need if need_text is not None else None, place=place,
    )
    # Report the first problem in reading order, with everything that was understood.
    if isinstance(name, DutySyntaxError):
        return replace(name, understood=understood)
    if isinstance(when, DutySyntaxError):
        return replace(when, understood=understood)
    if isinstance(window, DutySyntaxError):
        return replace(window, understood=understood)
    if isinstance(need, DutySyntaxError):
        return replace(need, understood=understood)
    if isinstance(place, DutySyntaxError):
        return replace(place, understood=understood)
    if rest:
        return DutySyntaxError(DutyProblem.UNEXPECTED, understood, rest)
    rrule, first_date, note = when
    return DutySpec(name, rrule, first_date, window, need[0], need[1], place, note)


def _explain(text: str, today: date) -> DutySyntaxError:
    """No <when> right before a <time>: say which part is missing or wrong, and what was read."""
    error, tail_start = _diagnose(text, today)
    need, place, _ = _split_tail(text[tail_start:])
    return replace(error, understood=error.understood | _understood(
        need=parse_need(need) if need else None, place=check_place(place) if place else None
    ))


def _diagnose(text: str, today: date) -> tuple[DutySyntaxError, int]:
    """The problem, and where the text after the recognised parts (need, place) starts."""
    head = _NEED_CUT.split(text, maxsplit=1)[0]
    # A usable time means the when is what is missing. Checked first because `9-10` reads as
    # both 09:00-10:00 and September 10; `12-05` is no window, so it stays a date.
    for time_found in _TIME_ALONE.finditer(head):
        window = parse_window(time_found.group())
        if isinstance(window, Window):
            words = head[: time_found.start()].split()
            return _when_is_wrong(words, window, today), time_found.end()
    whens = [
        m for m in _WHEN_ALONE.finditer(head)
        if isinstance(parse_when(m.group(), today), tuple)
        and (m.start() > 0 or head[m.end() : m.end() + 1] in ("", " "))  # not 周末巡逻
    ]
    if not whens:
        return _when_is_wrong(head.split(), None, today), len(head)
    # Prefer a when-word standing alone over one glued into a name (巡逻周末队 daily).
    when = min(whens, key=lambda m: m.start() > 0 and head[m.start() - 1] != " ")
    name = check_name(head[: when.start()])
    understood = _understood(name=name, when=when.group())
    if isinstance(name, DutySyntaxError):
        return replace(name, understood=understood), when.end()
    rest = _PLACE_MARK.split(head[when.end() :], maxsplit=1)[0].strip(_PUNCT).split()
    if not rest:
        return DutySyntaxError(DutyProblem.TIME_MISSING, understood, ""), when.end()
    return DutySyntaxError(DutyProblem.TIME_INVALID, understood, rest[0]), when.end()


def _when_is_wrong(words: list[str], window: Window | None, today: date) -> DutySyntaxError:
    """The words before the time hold a name and maybe a when nobody could read."""
    understood = _understood(time=window)
    if not words:
        return DutySyntaxError(DutyProblem.NAME_MISSING, understood, "")
    if len(words) >= 2 and _WHEN_ISH.search(words[-1]):
        understood |= _understood(name=check_name(" ".join(words[:-1])))
        problem = parse_when(words[-1], today)
        if isinstance(problem, DutySyntaxError):
            return replace(problem, understood=understood)
    understood |= _understood(name=check_name(" ".join(words)))
    return DutySyntaxError(DutyProblem.WHEN_MISSING, understood, "")
