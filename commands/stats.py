"""/stats [week|month|year|YYYY-MM|YYYY]: the team's figures and the change against the same
days of the previous period."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from telegram import Update

from bot import views
from bot.context import DutyContext
from commands.month_syntax import parse_month
from commands.org import staff_org_of
from commands.signup import command_args
from storage import daybook, orgs
from storage.duties import local_today

WORDS = {
    "": "month", "month": "month", "本月": "month", "这个月": "month", "月": "month",
    "week": "week", "本周": "week", "这周": "week", "周": "week",
    "year": "year", "今年": "year", "年": "year",
}


def parse_period(word: str, today: date) -> daybook.Span | None:
    """What /stats was asked for; None for a word that is no period."""
    text = unicodedata.normalize("NFKC", word).strip().casefold()
    kind = WORDS.get(text)
    if kind == "week":
        return daybook.span("week", today - timedelta(days=today.weekday()), today)
    if kind == "month":
        return daybook.span("month", today.replace(day=1), today)
    if kind == "year":
        return daybook.span("year", today.replace(month=1, day=1), today)
    year = re.fullmatch(r"([0-9]{4})\s*年?", text)
    if year and daybook.EARLIEST.year <= int(year[1]) <= today.year:
        return daybook.span("year", date(int(year[1]), 1, 1), today)
    month = parse_month(text, today)
    if month is not None and month <= today and month >= daybook.EARLIEST:
        return daybook.span("month", month, today)
    return None


async def stats(update: Update, context: DutyContext) -> None:
    """The figures of a week, month or year, with the top 10 by hours; privately, office
    staff get their whole organisation with a line per team."""
    message = update.effective_message
    if message is None:
        return
    if context.group is None:
        await _organisation(update, context)
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    today = local_today(group.timezone, services.clock.now())
    asked = parse_period(command_args(message), today)
    if asked is None:
        await context.reply(update, views.stats.stats_usage(t), kind="stats")
        return
    async with services.sessions() as session:
        now = await daybook.period(session, group.id, asked.first, asked.last, group.timezone,
                                   top=10)
        before = await daybook.period(session, group.id, asked.previous_first,
                                      asked.previous_last, group.timezone, top=0)
    await context.reply(
        update, views.stats.stats_text(t, group.title, asked, now, before), kind="stats"
    )


async def _organisation(update: Update, context: DutyContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    services = context.services
    org = await staff_org_of(context, user.id)
    if org is None:
        await message.reply_text(views.stats.staff_only_private(t))
        return
    async with services.sessions() as session:
        teams = await orgs.teams(session, org.id)
        zone = teams[0].timezone if teams else services.settings.bot.timezone
        asked = parse_period(command_args(message), local_today(zone, services.clock.now()))
        if asked is None:
            await message.reply_text(views.stats.stats_usage(t))
            return
        now = await daybook.org_period(session, teams, asked.first, asked.last)
        before = await daybook.org_period(
            session, teams, asked.previous_first, asked.previous_last
        )
    await message.reply_text(views.stats.org_stats_text(t, org.name, asked, now, before))
