"""/export: the ledger workbook's answers and its caption."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from bot.render import esc
from bot.views.labels import period_label


def export_usage(t: Translator, typed: str = "") -> str:
    """How to ask for the ledger (after what could not be read, if anything was typed)."""
    why = t.gettext(
        "I cannot read “{typed}” as a period to export (days not yet come, and days before "
        "2000, have no ledger)."
    ).format(typed=esc(typed.strip()[:40])) + "\n" if typed.strip() else ""
    return why + t.gettext(
        "Usage (leaders, in the group): /export for the ledger workbook of this month (of "
        "last month on the 1st to the 5th), or\n"
        "/export week, /export last week, /export year, /export 2026-10, "
        "/export 2026-10-01..2026-10-15\n"
        "Add csv for CSV files, or pdf for the printed ledger: /export month csv, "
        "/export last month pdf\n"
        "The file holds personal details, so it comes to you in a private chat."
    )


def export_where(t: Translator) -> str:
    """/export privately by someone who is not office staff."""
    return t.gettext(
        "Team leaders: send /export in your team's group; the file comes to you here. "
        "Community office staff get every team's ledger here."
    )


def open_privately(t: Translator) -> str:
    """The group's answer when the leader has not started the bot yet."""
    return t.gettext(
        "📒 The ledger holds personal details, so I send it only in a private chat. "
        "Tap the button to open our chat; the link works for 24 hours and only for you."
    )


def no_teams_yet(t: Translator) -> str:
    """Office staff asked before any team joined."""
    return t.gettext(
        "No team has joined your community yet, so there is no ledger. /org code gives a "
        "join code for the teams."
    )


def link_expired(t: Translator) -> str:
    """An old or unknown document link."""
    return t.gettext("This link has expired. Send /export in the group again.")


def not_yours(t: Translator) -> str:
    """Someone else's document link."""
    return t.gettext(
        "Someone else asked for this file, so only they can open it. "
        "Leaders can send /export in the group themselves."
    )


def no_longer_allowed(t: Translator) -> str:
    """The person no longer leads the team (or is no longer staff)."""
    return t.gettext(
        "You no longer lead this team (or work for this community office), so I cannot "
        "send the file."
    )


def ledger_caption(t: Translator, title: str, records: int, first: date, last: date) -> str:
    """The caption under the workbook."""
    return t.gettext(
        "📒 {title}: volunteer service ledger, {period}, {records} service records.\n"
        "It holds personal details: keep it safe and do not forward it to groups."
    ).format(title=esc(title), period=period_label(t, first, last), records=records)


def no_coming_shifts(t: Translator) -> str:
    """/calendar with nothing claimed."""
    return t.gettext("You have no coming shifts yet: claim one with /shift in your team's group.")


def calendar_caption(t: Translator, count: int) -> str:
    """The caption under the .ics file."""
    return t.ngettext(
        "📅 {n} shift to come. Open the file to add it to your phone's calendar; importing a "
        "newer file later updates it instead of adding a copy.",
        "📅 {n} shifts to come. Open the file to add them to your phone's calendar; importing "
        "a newer file later updates them instead of adding copies.",
        count,
    ).format(n=count)
