"""Standing slots by text: `/shift claim <duty id> every [weekday]`, `/shift release <duty id>
every` — "Tuesday nights are Mrs. Chen's"."""

from __future__ import annotations

from telegram import Update

from bot import views
from bot.context import DutyContext, user_ref
from commands.duty_syntax import DutySyntaxError, parse_when
from commands.roster_edit import refresh_roster
from storage import duties, members, standing
from storage.db import transaction
from storage.ids import NO_RECORD, parse_id

EVERY = {"every", "每", "每次", "每周", "always"}
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def is_standing(words: list[str]) -> bool:
    """Does `/shift claim|release` ask about a standing slot?"""
    return len(words) >= 2 and parse_id(words[0]) is not None and words[1].casefold() in EVERY


def weekday_of(words: list[str], context: DutyContext) -> int | str | None:
    """The weekday after `every` (0 = Monday), None for every occurrence, or the bad word."""
    if len(words) < 3:
        return None
    assert context.group is not None
    today = duties.local_today(context.group.timezone, context.services.clock.now())
    when = parse_when(words[2], today)
    if isinstance(when, DutySyntaxError) or when[0] is None:
        return words[2]
    codes = when[0].rpartition("BYDAY=")[2].split(",")
    if len(codes) != 1 or codes[0] not in DAY_CODES:
        return words[2]
    return DAY_CODES.index(codes[0])


async def claim_every(update: Update, context: DutyContext, words: list[str]) -> None:
    """Hold a duty's slot on every coming occurrence (or one weekday's)."""
    user = update.effective_user
    assert context.group is not None and user is not None
    t = context.translator_for(update)
    weekday = weekday_of(words, context)
    if isinstance(weekday, str):
        await context.reply(update, views.duties.duty_bad_value(t, weekday), kind="shift.usage")
        return
    group, services = context.group, context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        _membership, person, _ = await members.ensure_member(
            session, group.id, user_ref(user), now=now
        )
        result = await standing.hold(
            session, parse_id(words[0]) or NO_RECORD, person, weekday, group_id=group.id, now=now
        )
    await context.reply(
        update, views.mine.standing_outcome(t, result, weekday, group.timezone),
        kind="standing",
    )
    refresh_roster(context)


async def release_every(update: Update, context: DutyContext, words: list[str]) -> None:
    """Give the standing slot back, with the coming places it gave."""
    user = update.effective_user
    assert context.group is not None and user is not None
    t = context.translator_for(update)
    group, services = context.group, context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.person_of(session, user.id)
        result: standing.Dropped | standing.DutyGone = (
            standing.Dropped(0) if person is None else await standing.drop(
                session, parse_id(words[0]) or NO_RECORD, person, group_id=group.id, now=now
            )
        )
    await context.reply(update, views.mine.standing_dropped(t, result), kind="standing")
    refresh_roster(context)
