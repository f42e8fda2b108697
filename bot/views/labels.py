"""Labels every view shares: days, times, hours, kilograms, a shift in a line."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_time
from babel.dates import format_skeleton as babel_skeleton
from babel.numbers import format_decimal as babel_decimal

from bot.i18n import Translator
from bot.render import (
    esc,
    mention,
)
from storage import attendance as att
from storage.daybook import month_end
from storage.models import (
    Duty,
    Shift,
)


# Babel formats the same few days, times and numbers for every line of every roster: cached
# by value and locale (pure functions of them).
@lru_cache(maxsize=4096)
def format_skeleton(skeleton: str, day: date, *, locale: str) -> str:
    """Babel's `format_skeleton`, cached."""
    return babel_skeleton(skeleton, day, locale=locale)


@lru_cache(maxsize=4096)
def format_decimal(value: float, *, format: str, locale: str) -> str:
    """Babel's `format_decimal`, cached."""
    return babel_decimal(value, format=format, locale=locale)


@lru_cache(maxsize=4096)
def _clock(moment: time, locale: str) -> str:
    return format_time(moment, "HH:mm", locale=locale)


def locale_of(t: Translator) -> str:
    """Babel's name for the translator's language."""
    return "zh_Hans_CN" if t.language == "zh_CN" else "en"


def day_label(t: Translator, day: date) -> str:
    """`11月24日周二` / `Tue, Nov 24`."""
    return format_skeleton("MMMEd", day, locale=locale_of(t))


def period_label(t: Translator, first: date, last: date) -> str:
    """`2026年11月` for a whole month, `2026年` for a year, `2026年11月1日至15日` otherwise."""
    if first.day == 1 and last == month_end(first):
        return format_skeleton("yMMMM", first, locale=locale_of(t))
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and (
        first.year == last.year
    ):
        return format_skeleton("y", first, locale=locale_of(t))
    if first == last:
        return format_skeleton("yMMMd", first, locale=locale_of(t))
    # CLDR puts thin spaces around its dash; Chinese reads 至 there.
    return format_interval(first, last, "yMMMd", locale=locale_of(t)).replace(
        "\u2009–\u2009", t.gettext(" – ")
    )


def weekday_label(t: Translator, day: date) -> str:
    """`周二` / `Tue`."""
    return format_skeleton("E", day, locale=locale_of(t))


def clock_label(t: Translator, moment: time) -> str:
    """`19:00`."""
    return _clock(moment, locale_of(t))


def window_label(t: Translator, start: datetime, end: datetime, zone: str) -> str:
    """`19:00–21:00` in the group's time zone."""
    tz = ZoneInfo(zone)
    first = clock_label(t, start.astimezone(tz).time())
    return f"{first}–{clock_label(t, end.astimezone(tz).time())}"


def need_label(t: Translator, low: int, high: int) -> str:
    """`需要 3 人` / `需要 2-4 人`: never "3-3"."""
    if low == high:
        return t.gettext("need {n}").format(n=low)
    return t.gettext("need {low}-{high}").format(low=low, high=high)


def duty_at(duty: Duty | None) -> str:
    """` 督导 @3号点`: the duty's name and place after a time, wherever a shift is named."""
    if duty is None:
        return ""
    return f" {duty.name}" + (f" @{duty.place}" if duty.place else "")
def hours_label(t: Translator, minutes: int) -> str:
    """`2.5 小时` / `2.5 h`."""
    value = format_decimal(minutes / 60, format="#,##0.##", locale=locale_of(t))
    return t.gettext("{hours} h").format(hours=value)


def kg_label(t: Translator, grams: int) -> str:
    """`1.5 公斤` / `1.5 kg`."""
    value = format_decimal(grams / 1000, format="#,##0.###", locale=locale_of(t))
    return t.gettext("{kg} kg").format(kg=value)


def at_label(t: Translator, moment: datetime, zone: str) -> str:
    return clock_label(t, moment.astimezone(ZoneInfo(zone)).time())


def shift_label(t: Translator, shift: Shift, duty: Duty | None, zone: str) -> str:
    name = esc(duty.name) if duty else t.gettext("shift #{id}").format(id=shift.id)
    label = f"{name} {window_label(t, shift.start_at, shift.end_at, zone)}"
    if duty is not None and duty.place:
        label += f" @{esc(duty.place)}"
    return label


def overlap_label(t: Translator, found: att.Overlaps, zone: str) -> str:
    """The record a new one would overlap: its day, time, duty and team."""
    a = found.attendance
    first = a.served_from or a.checkin_at
    if first is None:  # pragma: no cover - overlapping() finds only records with a span
        return day_label(t, a.local_date)
    if a.served_until is None:
        when = t.gettext("checked in {time}").format(time=at_label(t, first, zone))
    else:
        when = window_label(t, first, a.served_until, zone)
    what = esc(found.duty_name) if found.duty_name else t.gettext("hours outside the roster")
    return t.gettext("{day} {when} {what} ({team})").format(
        day=day_label(t, a.local_date), when=when, what=what, team=esc(found.group_title)
    )


def plan_date(t: Translator, day: date, today: date) -> str:
    """`11月23日` / `Nov 23`; with the year (`2027年11月30日`) when it is not this year's."""
    skeleton = "MMMd" if day.year == today.year else "yMMMd"
    return format_skeleton(skeleton, day, locale=locale_of(t))


def html_to_plain_label(text: str) -> str:
    """A label rendered for HTML, back to the characters a toast shows."""
    return html.unescape(text)


def leaders_only(t: Translator) -> str:
    """A leader command from someone who is not a leader."""
    return t.gettext("Only the team's leaders can do that.")


def sent_privately(t: Translator) -> str:
    """The answer went to the private chat."""
    return t.gettext("📬 I sent it to you in our private chat.")


def mentions(t: Translator, people: Sequence[tuple[int, str]]) -> str:
    return t.gettext(", ").join(mention(uid, name) for uid, name in people)
