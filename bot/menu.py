"""The command list: one registry feeds /help and Telegram's command menu (setMyCommands)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from telegram import BotCommand

from bot.i18n import N_, Translator


class Audience(enum.IntEnum):
    """Who may use a command; higher values include the lower ones."""

    EVERYONE = 0
    GROUP_ADMIN = 1


class Where(enum.Flag):
    """Where a command works."""

    GROUP = enum.auto()
    PRIVATE = enum.auto()
    ANY = GROUP | PRIVATE


@dataclass(frozen=True)
class CommandSpec:
    """One command as users see it."""

    name: str
    description: str  # a msgid, translated when shown
    audience: Audience = Audience.EVERYONE
    where: Where = Where.ANY


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", N_("Start talking to the bot"), where=Where.PRIVATE),
    CommandSpec("help", N_("What I can do for you")),
    CommandSpec("signup", N_("Join this team's roster (or change your name)"), where=Where.GROUP),
    CommandSpec("leave", N_("Leave this team's roster"), where=Where.GROUP),
    CommandSpec("shift", N_("The roster: claim a shift with one tap"), where=Where.GROUP),
    CommandSpec("gaps", N_("Shifts that still need people"), where=Where.GROUP),
    CommandSpec("duty", N_("Duties: /duty list, /duty add (leaders)"), where=Where.GROUP),
    CommandSpec("checkin", N_("Check in when you arrive (/checkin +2 with family)"),
                where=Where.GROUP),
    CommandSpec("checkout", N_("Check out when you leave: your hours are counted"),
                where=Where.GROUP),
    CommandSpec("report", N_("Report what you found (numbers, text, photo)"), where=Where.GROUP),
    CommandSpec("problem", N_("Record a problem to follow up"), where=Where.GROUP),
    CommandSpec("problems", N_("Open problems"), where=Where.GROUP),
    CommandSpec("place", N_("Our places and their check-in posters (leaders)"),
                where=Where.GROUP),
    CommandSpec("today", N_("Today: who served, hours, reports"), where=Where.GROUP),
    CommandSpec("me", N_("My hours, shifts and reports")),
    CommandSpec("hours", N_("Leaders: add, correct or confirm hours"), where=Where.GROUP),
    CommandSpec("noshow", N_("Leaders: note that someone did not come"), where=Where.GROUP),
    CommandSpec("resolve", N_("Leaders: close a problem"), where=Where.GROUP),
    CommandSpec("settings", N_("The group's settings (leaders change them)"), where=Where.GROUP),
    CommandSpec("guide", N_("The leader guide: setting up, what the bot posts, hours")),
    CommandSpec("remindme", N_("/remindme on: reminders in your private chat too")),
    CommandSpec("summary", N_("Leaders: the day's summary now (/summary 2026-11-24)"),
                where=Where.GROUP),
    CommandSpec("stats", N_("The team's figures: /stats week, month or year")),
    CommandSpec("export", N_("Leaders: the ledger workbook (台账) of a month, privately")),
    CommandSpec("certificate", N_("Leaders: ask the community office for a volunteer's "
                                  "service certificate")),
    CommandSpec("verify", N_("Check a service certificate by its number")),
    CommandSpec("training", N_("Leaders: record training (not service time)"),
                where=Where.GROUP),
    CommandSpec("commend", N_("Leaders: record a commendation"), where=Where.GROUP),
    CommandSpec("evaluate", N_("Leaders: evaluate a volunteer (privately)"),
                where=Where.PRIVATE),
    CommandSpec("points", N_("My points passbook (积分)"), where=Where.PRIVATE),
    CommandSpec("import", N_("Leaders: import the team's volunteer list (Excel or CSV)"),
                where=Where.PRIVATE),
    CommandSpec("calendar", N_("My coming shifts for my phone's calendar (.ics)"),
                where=Where.PRIVATE),
    CommandSpec("rewards", N_("The community's rewards for points (爱心超市)")),
    CommandSpec("redeem", N_("Leaders: record points redeemed for goods")),
    CommandSpec("forgetme", N_("Have the bot forget you (your hours stay, without your name)"),
                where=Where.PRIVATE),
    CommandSpec("realname", N_("Your real name, for documents only (never in the group)"),
                where=Where.PRIVATE),
    CommandSpec("org", N_("The community office your team belongs to (office staff: more)")),
    CommandSpec("leader", N_("Make a member a leader: reply to them with /leader add"),
                audience=Audience.GROUP_ADMIN, where=Where.GROUP),
    CommandSpec("lang", N_("Change the group's language: /lang zh_CN or en"),
                audience=Audience.GROUP_ADMIN, where=Where.GROUP),
)


def visible_commands(audience: Audience, in_group: bool) -> list[CommandSpec]:
    """The commands someone may use here."""
    where = Where.GROUP if in_group else Where.PRIVATE
    return [c for c in COMMANDS if c.audience <= audience and where in c.where]


def help_text(t: Translator, audience: Audience, in_group: bool) -> str:
    """/help: the commands the caller may use, in the chat's language."""
    lines = [t.gettext("What I can do here:")]
    lines += [
        f"/{c.name} — {t.gettext(c.description)}" for c in visible_commands(audience, in_group)
    ]
    if not in_group:
        lines.append(t.gettext("Most commands work in your team's group chat."))
    return "\n".join(lines)


def bot_commands(t: Translator) -> list[BotCommand]:
    """The menu Telegram shows next to the message box (everyone's commands)."""
    return [
        BotCommand(c.name, t.gettext(c.description))
        for c in COMMANDS
        if c.audience is Audience.EVERYONE
    ]
