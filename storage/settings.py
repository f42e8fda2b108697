"""Per-group settings: defaults, the allowed values, and changing one (audited).

A group stores only the keys its leaders changed; everything else takes the default here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.models import Group

HOURS_MODES = ("actual", "scheduled")


@dataclass(frozen=True)
class GroupSettings:
    """Everything a group's leaders may tune, with the defaults a new group starts from."""

    hours_mode: str = "actual"  # actual: checkout − checkin (clipped); scheduled: shift length
    checkin_early: int = 30  # minutes before the start when /checkin opens
    checkout_late: int = 60  # minutes after the end still counted; forgotten check-outs close
    max_kg: int = 500  # a report above this is refused as a typo


@dataclass(frozen=True)
class Spec:
    """What one setting accepts: one of `choices`, or a whole number in [low, high]."""

    key: str
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0


SPECS: dict[str, Spec] = {
    "hours_mode": Spec("hours_mode", choices=HOURS_MODES),
    "checkin_early": Spec("checkin_early", low=0, high=240),
    "checkout_late": Spec("checkout_late", low=0, high=600),
    "max_kg": Spec("max_kg", low=1, high=100_000),
}


def settings_of(group: Group) -> GroupSettings:
    """The group's settings, defaults filled in; unknown stored keys are ignored."""
    stored = group.settings or {}
    known = {f.name for f in dataclasses.fields(GroupSettings)}
    return GroupSettings(**{k: v for k, v in stored.items() if k in known})


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


def check_value(key: str, raw: str) -> str | int | UnknownSetting | BadSettingValue:
    """The value a key would store, or why not."""
    spec = SPECS.get(key)
    if spec is None:
        return UnknownSetting(key)
    if spec.choices:
        value = raw.strip().casefold()
        return value if value in spec.choices else BadSettingValue(spec, raw)
    digits = raw.strip()
    if not digits.isdecimal() or len(digits) > 7 or not spec.low <= int(digits) <= spec.high:
        return BadSettingValue(spec, raw)
    return int(digits)


async def change(
    session: AsyncSession, group: Group, key: str, raw: str, *, actor: int | None,
    now: datetime,
) -> SettingResult:
    """Set one key for the group (validated, audited)."""
    value = check_value(key, raw)
    if isinstance(value, UnknownSetting | BadSettingValue):
        return value
    before = getattr(settings_of(group), key)
    stored = dict(group.settings or {})
    stored[key] = value
    group.settings = stored
    audit.record(
        session, at=now, action="settings.change", object_type="group", object_id=group.id,
        actor=actor, group_id=group.id, before={key: before}, after={key: value},
    )
    return SettingChanged(key, before, value)
