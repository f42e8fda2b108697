"""Training, commendations, evaluations and correction requests."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import esc, plain_text
from bot.views.labels import day_label, hours_label
from storage.models import Commendation, Evaluation, Grade, Group, Training
from storage.record import PersonRecord


def grade_label(t: Translator, grade: Grade) -> str:
    """优秀 / 良好 / 合格."""
    return {
        Grade.EXCELLENT: t.gettext("excellent"),
        Grade.GOOD: t.gettext("good"),
        Grade.PASS: t.gettext("pass"),
    }[grade]


def period_label(t: Translator, period: str) -> str:
    """`2026` → 2026年, `2026-11` → 2026年11月."""
    if len(period) == 4:
        return t.gettext("year {year}").format(year=period)
    year, month = period.split("-")
    return t.gettext("{month}/{year}").format(year=year, month=int(month))


def training_usage(t: Translator) -> str:
    """How /training is written."""
    return plain_text(
        t,
        "Usage (leaders): /training <names> <title> [date] [hours], for example /training "
        "王阿姨 李师傅 垃圾分类岗前培训 2026-03-01 2h; or reply to someone with /training "
        "<title>. Training is part of the record; it is not service time.",
    )


def training_added(
    t: Translator, names: Sequence[str], title: str, on: date, minutes: int
) -> str:
    """Training recorded."""
    text = t.gettext("📚 Training recorded: {names} · {title} · {day}").format(
        names=t.gettext("、").join(esc(n) for n in names), title=esc(title),
        day=day_label(t, on),
    )
    if minutes:
        text += " · " + hours_label(t, minutes)
    return text + "\n" + t.gettext("(Training is not service time and counts toward no star.)")


def commend_usage(t: Translator) -> str:
    """How /commend is written."""
    return plain_text(
        t,
        "Usage (leaders): /commend <name> <title> [date], for example /commend 王阿姨 "
        "2026年度优秀志愿者; or reply to the person with /commend <title>.",
    )


def commendation_added(t: Translator, name: str, row: Commendation) -> str:
    """Commendation recorded; the button announces it."""
    return t.gettext(
        "🏅 Commendation recorded: {name} · {title} · {day}. Announce it in the group?"
    ).format(name=esc(name), title=esc(row.title), day=day_label(t, row.on))


def announce_keyboard(t: Translator, commendation_id: int) -> InlineKeyboardMarkup:
    """Announce (once)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        t.gettext("📣 Announce in the group"), callback_data=f"cmann:{commendation_id}"
    )]])


def commendation_notice(t: Translator, name: str, row: Commendation) -> str:
    """The announcement."""
    return t.gettext("🏅 Congratulations to {name}: {title}!").format(
        name=esc(name), title=esc(row.title)
    )


def kept_private(t: Translator) -> str:
    """The commended person chose to be left out of announcements."""
    return t.gettext("Recorded, not announced: they asked to be left out of announcements")


def leaders_only_private(t: Translator) -> str:
    """/evaluate from someone who leads no team."""
    return t.gettext("Only a team's leaders can evaluate its volunteers.")


def evaluate_usage(t: Translator) -> str:
    """How /evaluate is written."""
    return plain_text(
        t,
        "Usage (leaders, privately): /evaluate <name> <2026 or 2026-11> <优秀|良好|合格> "
        "[note]. The volunteer and office staff see it, never the group.",
    )


def name_in_several_teams(t: Translator, teams: Sequence[str]) -> str:
    """The name is on several of the leader's teams."""
    return t.gettext(
        "That name is on several of your teams ({teams}). Evaluate from the volunteer's "
        "team with their volunteer number, or ask them to change their name."
    ).format(teams=t.gettext("、").join(esc(x) for x in teams))


def not_oneself(t: Translator) -> str:
    """Nobody evaluates themselves."""
    return t.gettext("Nobody evaluates themselves: ask another leader.")


def evaluated(
    t: Translator, team: str, name: str, row: Evaluation, before: Grade | None = None
) -> str:
    """The evaluation is stored (replacing an earlier one for the period, if any)."""
    text = t.gettext("Evaluation saved: {team} · {name} · {period}: {grade}").format(
        team=esc(team), name=esc(name), period=period_label(t, row.period),
        grade=grade_label(t, row.grade),
    )
    if row.note:
        text += t.gettext(" (note: {note})").format(note=esc(row.note))
    if before is not None:
        text += t.gettext(" It replaces the earlier evaluation ({grade}).").format(
            grade=grade_label(t, before)
        )
    return text


def evaluated_private(t: Translator, team: str, row: Evaluation) -> str:
    """The volunteer's own note of an evaluation."""
    return t.gettext(
        "Your leaders in {team} evaluated your service in {period}: {grade}. /me shows your "
        "record."
    ).format(team=esc(team), period=period_label(t, row.period),
             grade=grade_label(t, row.grade))


def record_lines(t: Translator, found: PersonRecord) -> list[str]:
    """/me: training, commendations and evaluations (the latest few)."""
    lines = []
    for commendation in found.commendations[:3]:
        lines.append(t.gettext("🏅 {title} ({day})").format(
            title=esc(commendation.title), day=day_label(t, commendation.on)))
    for evaluation in found.evaluations[:3]:
        lines.append(t.gettext("Evaluation {period}: {grade}").format(
            period=period_label(t, evaluation.period), grade=grade_label(t, evaluation.grade)))
    trainings: list[Training] = found.trainings[:3]
    for training in trainings:
        lines.append(t.gettext("📚 {title} ({day})").format(
            title=esc(training.title), day=day_label(t, training.on)))
    return lines


# ---- correction requests ---------------------------------------------------------------------

PROMPT_TEAM = re.compile(r"#([0-9]{1,10})[^0-9#]*$")


def ask_button(t: Translator) -> InlineKeyboardButton:
    """/me: ask the leaders to correct my record."""
    return InlineKeyboardButton(t.gettext("✏️ Ask for a correction"), callback_data="fix:0")


def which_team(t: Translator) -> str:
    """Several teams: which one's leaders?"""
    return t.gettext("Which team's record should be corrected?")


def team_keyboard(teams: Sequence[Group]) -> InlineKeyboardMarkup:
    """One button per team."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(g.title, callback_data=f"fixg:{g.id}")] for g in teams]
    )


def correction_prompt(t: Translator, team: str, group_id: int) -> str:
    """Reply to this with what is wrong (the team's number closes the message)."""
    return t.gettext(
        "Reply to this message with what should be corrected (which day, which shift, how "
        "many hours). {team}'s leaders will get it. Team #{id}"
    ).format(team=esc(team), id=group_id)


def prompt_team(text: str) -> int | None:
    """The team a prompt was for (its last words)."""
    found = PROMPT_TEAM.search(text)
    return int(found[1]) if found else None


def not_on_team(t: Translator) -> str:
    """The person asking is no longer on that team."""
    return t.gettext("You are no longer on that team's list, so the request was not sent.")


def correction_for_leaders(t: Translator, team: str, name: str, text: str) -> str:
    """To the leaders privately."""
    return t.gettext("✏️ {name} ({team}) asks for a correction of their record:\n{text}"
                     ).format(name=esc(name), team=esc(team), text=esc(text))


def correction_keyboard(t: Translator, request_id: int) -> InlineKeyboardMarkup:
    """Accept / Reject."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("Accept"), callback_data=f"fixok:{request_id}"),
        InlineKeyboardButton(t.gettext("Reject"), callback_data=f"fixno:{request_id}"),
    ]])


def correction_sent(t: Translator, team: str, reached: int) -> str:
    """The volunteer's request went out (or nobody could be reached)."""
    if not reached:
        return t.gettext(
            "Your request is saved, but none of {team}'s leaders has started a private chat "
            "with the bot yet: please tell a leader in person."
        ).format(team=esc(team))
    return t.ngettext(
        "Sent to {n} leader of {team}. You will be told what they decide.",
        "Sent to {n} leaders of {team}. You will be told what they decide.", reached,
    ).format(n=reached, team=esc(team))


def request_gone(t: Translator) -> str:
    """A tap on a request that is gone."""
    return t.gettext("This request no longer exists")


def decided_toast(t: Translator, accepted: bool, already: bool) -> str:
    """The answer to Accept / Reject."""
    if already:
        return t.gettext("Already decided")
    return t.gettext("Accepted: please correct the hours with /hours in the group") if (
        accepted) else t.gettext("Rejected")


def correction_outcome(t: Translator, team: str, accepted: bool, text: str) -> str:
    """The volunteer is told."""
    if accepted:
        return t.gettext(
            "{team}'s leaders accepted your request and will correct your record:\n{text}"
        ).format(team=esc(team), text=esc(text))
    return t.gettext(
        "{team}'s leaders did not accept your request:\n{text}\nAsk them in person if "
        "something is still wrong."
    ).format(team=esc(team), text=esc(text))
