"""/checkin, /checkout, and for leaders /hours and /noshow: thin adapters over storage."""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import TelegramError

from bot import notify_view, render, views
from bot.context import (
    DutyContext,
    GroupInfo,
    button_number,
    sent_at,
    thread_of,
    user_ref,
)
from bot.i18n import Translator, translator
from bot.views.labels import leaders_only
from commands.hours_syntax import parse_amount, parse_day
from commands.month_syntax import parse_month
from commands.people import (
    in_group_now,
    member_in_group,
    named_person,
    words_without_mentions,
)
from commands.signup import command_args
from storage import attendance, corrections, duties, groups, members, noshows
from storage.claims import ShiftGone
from storage.cleaning import TextProblem, clean_text
from storage.daybook import month_end
from storage.db import Rollback, transaction
from storage.duties import local_today
from storage.hours import round_quarter, span_minutes
from storage.ids import parse_id
from storage.models import Person, Shift
from storage.recurrence import Window, occurrence
from storage.settings import settings_of

COMPANIONS = re.compile(r"\+?\s*(\d{1,3})\s*(?:人|位)?")


def parse_companions(args: str) -> int | None:
    """`+2` (or `2人`) family members; None when unreadable or above the limit."""
    if not args:
        return 0
    found = COMPANIONS.fullmatch(args.strip())
    if found is None or int(found[1]) > attendance.MAX_COMPANIONS:
        return None
    return int(found[1])


def parse_checkin(args: str) -> tuple[str | None, int] | None:
    """`/checkin [place] [+N]`: the place named (None: any) and the family members who came;
    None when the count is unreadable or above the limit."""
    place: list[str] = []
    companions = 0
    words = args.split()
    for word in words:
        # `3` alone is family; `3 号点` is a place (only `+3` or `3人` is family there).
        explicit = word.startswith("+") or word[-1] in "人位" or len(words) == 1
        if COMPANIONS.fullmatch(word) and explicit:
            count = parse_companions(word)
            if count is None:
                return None
            companions = count
        else:
            place.append(word)
    return (" ".join(place) or None), companions


async def checkin(update: Update, context: DutyContext) -> None:
    """/checkin [+N]: open attendance on the caller's current shift."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    parsed = parse_checkin(command_args(message))
    if parsed is None:
        await context.reply(update, views.attendance.checkin_usage(t), kind="checkin.usage")
        return
    place, companions = parsed
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership, person, row = await member_in_group(
            session, group, user, now=now, lock="people"
        )
        result = await attendance.check_in(
            session, row, person, at=sent_at(message, now), companions=companions,
            place=place, now=now,
        )
        shift = getattr(result, "shift", None) or getattr(result, "next_shift", None)
        duty = await duties.of_shift(session, shift)
        proof = settings_of(row).checkin_proof
    text = views.attendance.checkin_outcome(
        t, membership.display_name, result, duty, group.timezone,
        unproven="" if proof == "any" else proof,
    )
    markup = None
    if isinstance(result, attendance.CheckedIn) and result.elsewhere:
        markup = views.attendance.elsewhere_keyboard(t, result.elsewhere)
    await context.reply(update, text, kind="checkin", markup=markup)


async def tap_move(update: Update, context: DutyContext) -> None:
    """"Not here? → 3号点": the tapper's own walk-in check-in moves to that place's shift."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    shift_id = button_number(update)
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership, person, row = await member_in_group(session, group, user, now=now)
        result = (
            await attendance.move_walk_in(session, row, person, shift_id, now=now)
            if shift_id is not None else attendance.NotRunningThen()
        )
        duty = await duties.of_shift(session, result.shift) if isinstance(
            result, attendance.Moved
        ) else None
        text = views.attendance.move_outcome(t, membership.display_name, result, duty,
                                         group.timezone)
    await query.answer(text, show_alert=not isinstance(result, attendance.Moved))


async def checkout(update: Update, context: DutyContext) -> None:
    """/checkout: close the caller's attendance with the hours the rules give."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership, person, row = await member_in_group(
            session, group, user, now=now, lock="people"
        )
        result = await attendance.check_out(
            session, row, person, at=sent_at(message, now), now=now
        )
        duty = await duties.of_shift(session, getattr(result, "shift", None))
    text = views.attendance.checkout_outcome(
        t, membership.display_name, result, duty, group.timezone
    )
    await context.reply(update, text, kind="checkout")


async def hours(update: Update, context: DutyContext) -> None:
    """/hours <person> <date> <hours|HH:MM-HH:MM> [note] and /hours confirm <date> (leaders)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    if await context.refused_unless_leader(update):
        return
    now = services.clock.now()
    today = local_today(group.timezone, now)
    words = words_without_mentions(message, command_args(message))
    if words and words[0].casefold() in ("confirm", "确认"):
        await _confirm(update, context, words[1] if len(words) > 1 else None, today)
        return
    named = await named_person(message, services.sessions, group.id, words)
    if named is None:
        text = render.name_someone(t) if words else views.attendance.hours_usage(t)
        await context.reply(update, text, kind="hours.who")
        return
    words = words[named.words:]
    if len(words) < 2:
        await context.reply(update, views.attendance.hours_usage(t), kind="hours.usage")
        return
    day = parse_day(words[0], today)
    if day is None:
        await context.reply(update, views.attendance.bad_date(t, words[0]), kind="hours.bad")
        return
    amount = parse_amount(words[1])
    if amount is None:
        await context.reply(update, views.attendance.bad_hours(t, words[1]), kind="hours.bad")
        return
    span = _span(amount, day, group.timezone) if isinstance(amount, Window) else None
    rest = words[2:]
    if span is not None and rest and parse_amount(rest[0]) == 0:
        minutes, rest = 0, rest[1:]  # `19:00-21:00 0 <reason>`: void the record of that time
    elif span is not None:
        minutes = span_minutes(*span)
    else:
        assert isinstance(amount, int)
        minutes = round_quarter(amount * 60)
    note = clean_text(" ".join(rest), 200) if rest else None
    if isinstance(note, TextProblem):
        await context.reply(
            update, render.text_problem(t, t.gettext("note"), note, 200), kind="hours.bad"
        )
        return
    present = await in_group_now(context.bot, group.chat_id, named)
    try:
        async with transaction(services.sessions) as session:
            membership = await members.membership_of(
                session, group.id, named.user.telegram_user_id
            )
            if named.is_bot or (membership is None and not present):
                raise Rollback(render.not_in_group(t, named.user.full_name))
            if present:
                membership, person, _ = await members.ensure_member(
                    session, group.id, named.user, now=now
                )
            else:
                assert membership is not None
                found = await session.get(Person, membership.person_id)
                assert found is not None
                person = found
            row = await groups.by_id(session, group.id)
            assert row is not None
            result = await corrections.set_hours(
                session, row, person, day=day, minutes=minutes, span=span, note=note,
                actor=user.id, now=now, former_member=not present,
            )
            text = views.attendance.hours_outcome(
                t, membership.display_name, result, group.timezone
            )
            if not isinstance(result, corrections.HoursSet | corrections.Voided):
                raise Rollback(text)  # a refusal signs nobody up
    except Rollback as undone:
        text = str(undone.result)
    await context.reply(update, text, kind="hours")


async def _confirm(
    update: Update, context: DutyContext, word: str | None, today: date
) -> None:
    """/hours confirm [date]: a leader confirms the day's pending records (not their own)."""
    user = update.effective_user
    assert user is not None and context.group is not None
    t = context.translator_for(update)
    group, services = context.group, context.services
    day = parse_day(word, today) if word is not None else today
    if day is None:
        assert word is not None
        await context.reply(update, views.attendance.bad_date(t, word), kind="hours.bad")
        return
    async with transaction(services.sessions) as session:
        confirmed = await corrections.confirm_day(
            session, group.id, day, actor=user.id, now=services.clock.now()
        )
        names = await members.display_names(
            session, group.id, {a.person_id for a in confirmed.records}
        )
    await context.reply(
        update, views.attendance.day_confirmed(t, day, confirmed, names), kind="hours"
    )


def _span(window: Window, day: date, zone: str) -> tuple[datetime, datetime]:
    placed = occurrence(day, window, ZoneInfo(zone))
    return placed.start, placed.end


async def noshow(update: Update, context: DutyContext) -> None:
    """/noshow <shift number> <person> [reason] (leaders): recorded, never announced.

    Works in a private chat too (the shift number says which team); sent in the group, the
    command message is deleted where the bot may, so the group sees no name.
    """
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    words = words_without_mentions(message, command_args(message))
    shift_id = parse_id(words[0]) if words else None
    group = context.group
    if group is None and shift_id is not None:
        async with services.sessions() as session:
            group = await _group_of_shift(session, shift_id)
    t = translator(group.language) if group is not None else context.translator_for(update)

    async def answer(text: str, kind: str) -> None:
        if context.group is not None:
            await context.reply(update, text, kind=kind)
        else:
            await message.reply_text(text)

    if shift_id is None or group is None:
        text = views.attendance.noshow_usage(t) if shift_id is None else \
            views.attendance.noshow_outcome(t, "", ShiftGone())
        await answer(text, "noshow.usage")
        return
    if not await context.leads(group.chat_id, group.id, user.id):
        await answer(leaders_only(t), "refused")
        return
    text, marked = await _mark(update, context, group, shift_id, words[1:], t)
    await answer(text, "noshow")
    if context.group is not None:
        await _delete_quietly(context, group.chat_id, message.message_id)
    if marked is not None:
        name, count = marked
        await services.outgoing.to_person(
            user_ref(user), views.attendance.noshow_private(t, name, count, group.title)
        )


async def _group_of_shift(session: AsyncSession, shift_id: int) -> GroupInfo | None:
    shift = await session.get(Shift, shift_id)
    group = await groups.by_id(session, shift.group_id) if shift is not None else None
    return GroupInfo.of(group) if group is not None else None


async def _mark(
    update: Update, context: DutyContext, group: GroupInfo, shift_id: int, words: list[str],
    t: Translator,
) -> tuple[str, tuple[str, int] | None]:
    """Record the no-show; the answer, and (name, running count) when one was recorded."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services = context.services
    named = await named_person(message, services.sessions, group.id, words)
    if named is None:
        return render.name_someone(t), None
    reason = " ".join(words[named.words:])[:200] or None
    if not await in_group_now(context.bot, group.chat_id, named):
        return render.not_in_group(t, named.user.full_name), None
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership = await members.membership_of(session, group.id, named.user.telegram_user_id)
        if membership is None or not membership.active:
            return render.not_in_group(t, named.user.full_name), None
        person = await session.get(Person, membership.person_id)
        assert person is not None
        name = membership.display_name
        result = await noshows.mark_no_show(
            session, group.id, shift_id, person, reason=reason, actor=user.id, now=now,
        )
    text = views.attendance.noshow_outcome(t, name, result)
    if isinstance(result, noshows.NoShowMarked | noshows.NoShowAlready):
        return text, (name, result.count)
    return text, None


async def _delete_quietly(context: DutyContext, chat_id: int, message_id: int) -> None:
    """Delete a command message if the bot may (it needs the "delete messages" right)."""
    with contextlib.suppress(TelegramError):  # without the right: the leader guide says so
        await context.bot.delete_message(chat_id, message_id)


async def noshow_list(update: Update, context: DutyContext) -> None:
    """/noshows [month] (leaders): the month's no-shows, privately (a deep link otherwise)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    if await context.refused_unless_leader(update):
        return
    today = local_today(group.timezone, services.clock.now())
    raw = command_args(message).strip()
    first = parse_month(raw, today) if raw else today.replace(day=1)
    if first is None:
        await context.reply(update, views.attendance.bad_month(t, raw), kind="noshows.bad")
        return
    text = await noshows_text(context, group, first)
    async with services.sessions() as session:
        person = await members.person_of(session, user.id)
    if person is not None and person.private_chat and await services.outgoing.to_person(
        user_ref(user), text
    ):
        await context.reply(update, views.labels.sent_privately(t), kind="mine.private")
        return
    await services.outgoing.to_group(
        group.chat_id, views.today.open_privately(t), thread_id=thread_of(update),
        reply_to=message.message_id,
        markup=views.today.open_privately_keyboard(
            t, context.bot.username, notify_view.month_payload(group.id, first, "noshows")
        ),
    )


async def noshows_text(context: DutyContext, group: GroupInfo, first: date) -> str:
    """The list a leader reads privately."""
    async with context.services.sessions() as session:
        found = await noshows.no_shows_between(
            session, group.id, first, month_end(first)
        )
    return views.attendance.no_shows_list(translator(group.language), group.title, first, found,
                                      group.timezone)
