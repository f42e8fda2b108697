"""A volunteer's own places: /shift mine, releasing (two taps), cover requests, standing slots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import (
    esc,
    mention,
    plain_text,
    spacer,
)
from bot.views.duties import duty_gone
from bot.views.labels import clock_label, day_label, duty_at, locale_of, weekday_label, window_label
from bot.views.roster import MAX_BUTTONS, claim_outcome
from storage import claims
from storage.cover import CoverGone, CoverResult, CoverTaken, OwnRequest, TakeResult
from storage.models import Claim, ClaimStatus, Duty, Shift
from storage.standing import Dropped, DutyGone, Held


def release_outcome(
    t: Translator, result: claims.ReleaseResult | CoverResult, zone: str
) -> str:
    """What happened when someone released a place."""
    match result:
        case claims.Released(shift, _late, _needed):
            return t.gettext("You are off {day} {window}.").format(
                day=day_label(t, shift.local_date),
                window=window_label(t, shift.start_at, shift.end_at, zone),
            )
        case claims.NotOnShift():
            return t.gettext("You are not on this shift.")
        case claims.Started():
            return t.gettext("This shift has already started.")
        case _:
            return t.gettext("This shift no longer exists.")


def late_drop_out(
    t: Translator, name: str, duty_name: str, result: claims.Released, zone: str
) -> str:
    """Told in the group when someone drops out inside the cutoff and the shift is short."""
    shift = result.shift
    return t.gettext(
        "⚠️ Leaders: {name} dropped out of {duty} on {day} {window}; it needs {n} more. "
        "Tap /shift to fill it."
    ).format(
        name=esc(name), duty=esc(duty_name), day=day_label(t, shift.local_date),
        window=window_label(t, shift.start_at, shift.end_at, zone), n=result.still_needed,
    )


def my_shifts(
    t: Translator, team: str, entries: Sequence[tuple[Shift, Claim, Duty | None]], zone: str
) -> str:
    """/shift mine: the caller's coming shifts in one team."""
    if not entries:
        return t.gettext("You have no coming shifts in {team}. /shift shows the roster.").format(
            team=esc(team)
        )
    lines = [t.gettext("Your coming shifts in {team}:").format(team=esc(team))]
    for shift, claim, duty in entries:
        name = esc(duty_at(duty).strip())
        line = (
            f"#{shift.id} {esc(day_label(t, shift.local_date))} "
            f"{window_label(t, shift.start_at, shift.end_at, zone)} {name}"
        )
        if claim.status is ClaimStatus.WAITING:
            line += spacer(t) + t.gettext("(on the waitlist)")
        lines.append(line)
    return "\n".join(lines)


def my_release_keyboard(
    t: Translator, entries: Sequence[tuple[Shift, Claim, Duty | None]], zone: str
) -> InlineKeyboardMarkup | None:
    """One Release button per place held."""
    tz = ZoneInfo(zone)
    rows = [
        [InlineKeyboardButton(
            t.gettext("Release {day} {time}").format(
                day=weekday_label(t, shift.local_date),
                time=clock_label(t, shift.start_at.astimezone(tz).time()),
            ),
            callback_data=f"rel:{shift.id}",
        )]
        for shift, claim, _duty in entries[:MAX_BUTTONS]
        if claim.status is ClaimStatus.ACTIVE
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def confirm_release_keyboard(t: Translator, shift_id: int) -> InlineKeyboardMarkup:
    """The confirm step of a release."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("✅ Yes, release #{id}").format(id=shift_id),
                             callback_data=f"relok:{shift_id}"),
        InlineKeyboardButton(t.gettext("Keep it"), callback_data=f"keep:{shift_id}"),
    ]])


def confirm_release_toast(t: Translator) -> str:
    """After the first Release tap."""
    return t.gettext("Are you sure? Tap “Yes” to give the place back.")


def kept_toast(t: Translator) -> str:
    """After "Keep it"."""
    return t.gettext("Kept. Thank you!")


def cover_wanted(t: Translator, name: str, duty: Duty | None, shift: Shift, zone: str) -> str:
    """The group post asking for cover."""
    return t.gettext("🙋 {name} needs someone for {duty} on {day} {window}.").format(
        name=esc(name), duty=esc(duty.name) if duty else "", day=day_label(t, shift.local_date),
        window=window_label(t, shift.start_at, shift.end_at, zone),
    )


def take_keyboard(t: Translator, request_id: int) -> InlineKeyboardMarkup:
    """The Take button under a cover request."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.gettext("🤝 I'll take it"), callback_data=f"take:{request_id}")]]
    )


def take_outcome(t: Translator, result: TakeResult, zone: str) -> str:
    """The toast after tapping Take."""
    match result:
        case CoverTaken(shift, _asked_by):
            return t.gettext("✅ The place on {day} {window} is yours. Thank you!").format(
                day=day_label(t, shift.local_date),
                window=window_label(t, shift.start_at, shift.end_at, zone),
            )
        case CoverGone():
            return t.gettext("Someone has already taken this place.")
        case OwnRequest():
            return t.gettext("This is your own request.")
        case _:
            return claim_outcome(t, result, zone)


def cover_done(
    t: Translator, taker: tuple[int, str], asker: tuple[int, str], shift: Shift, zone: str
) -> str:
    """Both are told, by mention."""
    return t.gettext("🤝 {taker} takes over from {asker} on {day} {window}.").format(
        taker=mention(*taker), asker=mention(*asker), day=day_label(t, shift.local_date),
        window=window_label(t, shift.start_at, shift.end_at, zone),
    )


def standing_outcome(
    t: Translator, result: Held | DutyGone, weekday: int | None, zone: str
) -> str:
    """What holding a standing slot did."""
    if isinstance(result, DutyGone):
        return duty_gone(t)
    if weekday is None:
        head = t.gettext("📌 This duty's place is yours on every occurrence.")
    else:
        head = t.gettext("📌 This duty's place is yours every {weekday}.").format(
            weekday=format_date(date(2024, 1, 1 + weekday), "EEEE", locale=locale_of(t))
        )
    lines = [head, t.ngettext(
        "You are on {n} coming shift now.", "You are on {n} coming shifts now.", result.filled
    ).format(n=result.filled)]
    if result.missed:
        lines.append(t.gettext("Full or clashing, so not claimed: {dates}").format(
            dates=t.gettext(", ").join(day_label(t, s.local_date) for s in result.missed)
        ))
    lines.append(plain_text(t, "/shift release <duty number> every gives it back."))
    return "\n".join(lines)


def standing_dropped(t: Translator, result: Dropped | DutyGone) -> str:
    """What giving a standing slot back did."""
    if isinstance(result, DutyGone):
        return duty_gone(t)
    return t.ngettext(
        "Your standing place is given back; {n} coming place is free again.",
        "Your standing place is given back; {n} coming places are free again.",
        result.released,
    ).format(n=result.released)


def forget_privately(t: Translator) -> str:
    """/forgetme in a group."""
    return t.gettext("To have the bot forget you, send /forgetme to me in a private chat.")


def forget_question(t: Translator) -> str:
    """What /forgetme erases, and what stays."""
    return t.gettext(
        "Forget me: the bot erases your real name, roster names, building, skills, "
        "usernames and Telegram identity, the notes of your evaluations, and your details "
        "in the records of changes and in imported lists; your coming shifts, standing "
        "places and roles end, and your points passbook is closed.\n"
        "What stays: the hours you served and your reports, under “Former volunteer #N”, so "
        "the team's totals do not change; certificates already issued keep verifying, with "
        "the masked name only.\n"
        "This cannot be undone. Go ahead?"
    )


def forget_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """Confirm, or keep everything."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(t.gettext("Yes, forget me"), callback_data="forget:yes")],
        [InlineKeyboardButton(t.gettext("No, keep my records"), callback_data="forget:no")],
    ])


def forget_cancelled(t: Translator) -> str:
    """Kept."""
    return t.gettext("Nothing was erased.")


def forgotten(t: Translator) -> str:
    """Done."""
    return t.gettext(
        "Done: the bot has forgotten you. Your hours stay in the teams' totals without your "
        "name. If you sign up again, you start as a new volunteer."
    )
