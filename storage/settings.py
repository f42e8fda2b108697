"""Per-group settings: defaults, the allowed values, and changing one (audited).

A group stores only the keys its leaders changed; everything else takes the default here.
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, duties
from storage.models import Group

HOURS_MODES = ("actual", "scheduled")
# What a check-in must show for its hours to stand without a leader: anything, a scan of
# the place's code, or a location within its radius (storage.attendance.proof_shown).
CHECKIN_PROOFS = ("any", "qr", "location")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class GroupSettings:
    """Everything a group's leaders may tune, with the defaults a new group starts from."""

    hours_mode: str = "actual"  # actual: checkout − checkin (clipped); scheduled: shift length
    checkin_early: int = 30  # minutes before the start when /checkin opens
    checkout_late: int = 60  # minutes after the end still counted; forgotten check-outs close
    max_kg: int = 500  # a report above this is refused as a typo
    reminder_lead: int = 60  # minutes before a start (a duty may set its own)
    roster_time: str = "20:00"  # tomorrow's roster is posted then
    gap_alert_lead: int = 3  # hours before a shift still short of people
    noshow_after: int = 15  # minutes after a start with too few check-ins
    quiet_hours: str = "21:30-07:00"  # only duty reminders (and the summary) go out inside
    summary_time: str = "21:30"
    summary_empty: bool = False  # post a summary for a day with nothing in it
    summary_grace: int = 2  # hours a summary may still go out late after downtime
    topic: int = 0  # forum topic for automatic posts (/settings here); 0 = General
    weekly_day: str = "sunday"  # the weekly summary follows that day's daily one
    min_presence: int = 15  # minutes: a shorter attendance credits nothing
    hours_backdate_days: int = 62  # /hours accepts dates this many days back
    checkin_proof: str = "any"  # qr: a plain /checkin's hours wait for a leader


@dataclass(frozen=True)
class Spec:
    """What one setting accepts: one of `choices`, or a whole number in [low, high]."""

    key: str
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    kind: str = "int"  # int, choice, time (HH:MM), window (HH:MM-HH:MM), bool, here


SPECS: dict[str, Spec] = {
    "hours_mode": Spec("hours_mode", choices=HOURS_MODES),
    "checkin_early": Spec("checkin_early", low=0, high=240),
    "checkout_late": Spec("checkout_late", low=0, high=600),
    "max_kg": Spec("max_kg", low=1, high=100_000),
    "reminder_lead": Spec("reminder_lead", low=0, high=24 * 60),
    "roster_time": Spec("roster_time", kind="time"),
    "gap_alert_lead": Spec("gap_alert_lead", low=0, high=72),
    "noshow_after": Spec("noshow_after", low=0, high=240),
    "quiet_hours": Spec("quiet_hours", kind="window"),
    "summary_time": Spec("summary_time", kind="time"),
    "summary_empty": Spec("summary_empty", kind="bool", choices=("true", "false")),
    "summary_grace": Spec("summary_grace", low=0, high=24),
    "topic": Spec("topic", kind="here"),  # set by /settings here (the topic it is sent in)
    "weekly_day": Spec("weekly_day", choices=WEEKDAYS),
    "min_presence": Spec("min_presence", low=0, high=240),
    "hours_backdate_days": Spec("hours_backdate_days", low=1, high=3660),
    "checkin_proof": Spec("checkin_proof", choices=CHECKIN_PROOFS),
}
TRUE = ("true", "yes", "on", "1", "是", "开")
FALSE = ("false", "no", "off", "0", "否", "关")


_KNOWN = frozenset(f.name for f in dataclasses.fields(GroupSettings))


class Configured(Protocol):
    """A group, or what the planner reads of one: its stored settings."""

    @property
    def settings(self) -> dict[str, Any] | None: ...


def settings_of(group: Configured) -> GroupSettings:
    """The group's settings, defaults filled in; unknown stored keys are ignored."""
    stored = group.settings or {}
    return GroupSettings(**{k: v for k, v in stored.items() if k in _KNOWN})


@dataclass(frozen=True)
class SettingChanged:
    """The value is stored."""

    key: str
    before: Any
    after: Any


@dataclass(frozen=True)
class UnknownSetting:
    """No such key."""

    key: str


@dataclass(frozen=True)
class BadSettingValue:
    """The value is not one the key accepts."""

    spec: Spec
    value: str


SettingResult = SettingChanged | UnknownSetting | BadSettingValue


def _clock(raw: str) -> str | None:
    """`7:05` / `19:00` → `07:05` / `19:00`."""
    hour, sep, minute = raw.strip().replace("：", ":").partition(":")
    if not sep or not hour.isdecimal() or not minute.isdecimal() or len(minute) != 2:
        return None
    if not (0 <= int(hour) <= 23 and 0 <= int(minute) <= 59):
        return None
    return f"{int(hour):02d}:{minute}"


def check_value(key: str, raw: str) -> str | int | bool | UnknownSetting | BadSettingValue:
    """The value a key would store, or why not."""
    spec = SPECS.get(key)
    if spec is None:
        return UnknownSetting(key)
    raw = unicodedata.normalize("NFKC", raw)  # ２１：１５ is 21:15, never stored half-width
    if spec.kind == "bool":
        word = raw.strip().casefold()
        return True if word in TRUE else False if word in FALSE else BadSettingValue(spec, raw)
    if spec.kind == "time":
        clock = _clock(raw)
        return clock if clock is not None else BadSettingValue(spec, raw)
    if spec.kind == "window":
        word = raw.strip().casefold()
        if word in FALSE:
            return "off"
        first, sep, last = word.replace("–", "-").partition("-")
        start, end = _clock(first), _clock(last)
        if not sep or start is None or end is None or start == end:
            return BadSettingValue(spec, raw)
        return f"{start}-{end}"
    if spec.kind == "here":
        return BadSettingValue(spec, raw)
    if spec.choices:
        value = raw.strip().casefold()
        return value if value in spec.choices else BadSettingValue(spec, raw)
    digits = raw.strip()
    if not digits.isdecimal() or len(digits) > 7 or not spec.low <= int(digits) <= spec.high:
        return BadSettingValue(spec, raw)
    return int(digits)


TIMEZONE = Spec("timezone", kind="zone")
# Listed on Debian, but not places: the machine's own zone and a placeholder.
NOT_ZONES = frozenset({"localtime", "Factory"})


@functools.cache
def time_zones() -> frozenset[str]:
    """The IANA names a group may choose (read once: listing them walks the zone files)."""
    return frozenset(zoneinfo.available_timezones() - NOT_ZONES)


async def _change_zone(
    session: AsyncSession, group: Group, raw: str, *, actor: int | None, now: datetime
) -> SettingResult:
    name = raw.strip()
    if name not in time_zones():
        return BadSettingValue(TIMEZONE, raw)
    before, group.timezone = group.timezone, name
    audit.record(
        session, at=now, action="settings.change", object_type="group", object_id=group.id,
        actor=actor, group_id=group.id, before={"timezone": before}, after={"timezone": name},
    )
    # Duties keep their local wall-clock times: coming shifts move to the new zone.
    for duty in await duties.duties_of(session, group.id):
        await duties.materialise(session, duty, name, now=now)
    return SettingChanged("timezone", before, name)


async def change(
    session: AsyncSession, group: Group, key: str, raw: str, *, actor: int | None,
    now: datetime,
) -> SettingResult:
    """Set one key for the group (validated, audited)."""
    if key == "timezone":
        return await _change_zone(session, group, raw, actor=actor, now=now)
    value = check_value(key, raw)
    if isinstance(value, UnknownSetting | BadSettingValue):
        return value
    return _store(session, group, key, value, actor=actor, now=now)


def change_topic(
    session: AsyncSession, group: Group, topic: int, *, actor: int | None, now: datetime
) -> SettingResult:
    """`/settings here`: automatic posts go to the forum topic it was sent in (0: General)."""
    return _store(session, group, "topic", topic, actor=actor, now=now)


def _store(
    session: AsyncSession, group: Group, key: str, value: str | int | bool, *,
    actor: int | None, now: datetime,
) -> SettingResult:
    before = getattr(settings_of(group), key)
    stored = dict(group.settings or {})
    stored[key] = value
    group.settings = stored
    audit.record(
        session, at=now, action="settings.change", object_type="group", object_id=group.id,
        actor=actor, group_id=group.id, before={key: before}, after={key: value},
    )
    return SettingChanged(key, before, value)
