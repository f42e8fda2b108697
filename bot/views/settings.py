"""/settings: every key with its meaning, and the answer to a change."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.render import (
    esc,
    quote,
)
from storage import settings

SETTING_HELP = {
    "hours_mode": N_("how hours count: actual (check-in to check-out) or scheduled (the shift)"),
    "checkin_early": N_("minutes before a shift when check-in opens"),
    "checkout_late": N_("minutes after a shift still counted; later check-outs count as forgotten"),
    "max_kg": N_("the most kilograms one report may hold"),
    "reminder_lead": N_("minutes before a shift when the group is reminded"),
    "roster_time": N_("when tomorrow's roster is posted"),
    "gap_alert_lead": N_("hours before a short-staffed shift when leaders are alerted"),
    "noshow_after": N_("minutes after a start when too few check-ins are reported"),
    "quiet_hours": N_("no alerts in these hours (reminders still go out); off to disable"),
    "summary_time": N_("when the day's summary is posted"),
    "summary_empty": N_("post a summary even for a day with nothing in it"),
    "summary_grace": N_("hours a summary may still go out late after downtime"),
    "weekly_day": N_("the weekly summary (with a chart) follows that day's summary"),
    "topic": N_("the forum topic for automatic posts: send /settings here in it (0 = main)"),
    "min_presence": N_("minutes on duty below which a check-in credits nothing"),
    "hours_backdate_days": N_("how many days back leaders may enter or correct hours"),
    "checkin_proof": N_("any: every check-in counts; qr: only a scan of the place's poster "
                        "(or a location there) counts without a leader's confirmation; "
                        "location: only a location within the place's radius (/place qr, "
                        "/place locate)"),
}


def settings_text(
    t: Translator, current: settings.GroupSettings, zone: str, attention: str | None = None
) -> str:
    """/settings: every key, its value, what it means; a problem with automatic posts first."""
    lines = []
    if attention:
        lines.append(t.gettext(
            "⚠️ Automatic posts could not go out here ({reason}). Check the bot's rights, or "
            "send /settings here in an open topic."
        ).format(reason=attention_reason(t, attention)))
    lines.append(t.gettext("⚙️ Settings (leaders change one with /settings key=value):"))
    lines.append(f"<code>timezone={esc(zone)}</code>")
    for key in settings.SPECS:
        value = setting_value(t, getattr(current, key))
        lines.append(f"<code>{key}={esc(value)}</code> — {t.gettext(SETTING_HELP[key])}")
    return "\n".join(lines)


def setting_value(t: Translator, value: object) -> str:
    """A setting's value as a leader types it: `开`/`关` rather than a Python True/False."""
    if isinstance(value, bool):
        return t.gettext("on") if value else t.gettext("off")
    return str(value)


def attention_reason(t: Translator, raw: str) -> str:
    """Why automatic posts failed, in words (Telegram's English error is for the log)."""
    lowered = raw.casefold()
    if "rights" in lowered or "not enough" in lowered:
        return t.gettext("the bot may not post messages here")
    if "topic" in lowered or "thread" in lowered:
        return t.gettext("the chosen topic is closed or gone")
    return t.gettext("Telegram refused the message")


def setting_outcome(t: Translator, result: settings.SettingResult) -> str:
    """The answer to /settings key=value."""
    match result:
        case settings.SettingChanged(key, before, after):
            return t.gettext("⚙️ {key}: {before} → {after}").format(
                key=key, before=esc(setting_value(t, before)),
                after=esc(setting_value(t, after)),
            )
        case settings.UnknownSetting(key):
            return t.gettext("There is no setting “{key}”. Send /settings to see them.").format(
                key=quote(key)
            )
        case settings.BadSettingValue(spec, value):
            allowed = {
                "zone": "Asia/Shanghai, Europe/Berlin, America/New_York …",
                "time": "HH:MM", "window": "HH:MM-HH:MM, off", "here": "/settings here",
            }.get(spec.kind) or (
                " / ".join(spec.choices) if spec.choices else f"{spec.low}–{spec.high}"
            )
            return t.gettext("“{value}” is not allowed for {key}: use {allowed}.").format(
                value=quote(value), key=spec.key, allowed=allowed
            )
