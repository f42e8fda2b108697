"""/checkin, /checkout, and for leaders /hours and /noshow: thin adapters over storage."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update

from bot import render, service_view
from bot.context import DutyContext, button_number
from bot.gate import user_ref
from commands.hours_syntax import parse_amount, parse_day
from commands.people import (
    in_group_now,
    member_in_group,
    named_person,
    words_without_mentions,
)
from commands.signup import command_args
from scheduler.recurrence import Window
from storage import attendance, groups, members
from storage.db import Rollback, transaction
from storage.duties import local_today
from storage.hours import round_quarter, span_minutes
from storage.models import Duty, Person, Shift

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
    for word in args.split():
        if COMPANIONS.fullmatch(word):
            count = parse_companions(word)
            if count is None:
                return None
            companions = count
        else:
            place.append(word)
    return (" ".join(place) or None), companions


def _sent_at(message: Message, now: datetime) -> datetime:
    """The message's own date: a backlog handled after an outage keeps its times."""
    return message.date if message.date is not None else now


async def _duty_of(session: AsyncSession, shift: Shift | None) -> Duty | None:
    return await session.get(Duty, shift.duty_id) if shift is not None else None


async def checkin(update: Update, context: DutyContext) -> None:
    """/checkin [+N]: open attendance on the caller's current shift."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    parsed = parse_checkin(command_args(message))
    if parsed is None:
        await context.reply(update, service_view.checkin_usage(t), kind="checkin.usage")
        return
    place, companions = parsed
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership, person, row = await member_in_group(session, group, user, now=now)
        result = await attendance.check_in(
            session, row, person, at=_sent_at(message, now), companions=companions,
            place=place, now=now,
        )
        shift = getattr(result, "shift", None) or getattr(result, "next_shift", None)
        duty = await _duty_of(session, shift)
    text = service_view.checkin_outcome(t, membership.display_name, result, duty, group.timezone)
    markup = None
    if isinstance(result, attendance.CheckedIn) and result.elsewhere:
        markup = service_view.elsewhere_keyboard(t, result.elsewhere)
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
        duty = await _duty_of(session, result.shift) if isinstance(
            result, attendance.Moved
        ) else None
        text = service_view.move_outcome(t, membership.display_name, result, duty,
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
        membership, person, row = await member_in_group(session, group, user, now=now)
        result = await attendance.check_out(
            session, row, person, at=_sent_at(message, now), now=now
        )
        duty = await _duty_of(session, getattr(result, "shift", None))
    text = service_view.checkout_outcome(t, membership.display_name, result, duty, group.timezone)
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
        text = render.name_someone(t) if words else service_view.hours_usage(t)
        await context.reply(update, text, kind="hours.who")
        return
    words = words[named.words:]
    if len(words) < 2:
        await context.reply(update, service_view.hours_usage(t), kind="hours.usage")
        return
    day = parse_day(words[0], today)
    if day is None:
        await context.reply(update, service_view.bad_date(t, words[0]), kind="hours.bad")
        return
    amount = parse_amount(words[1])
    if amount is None:
        await context.reply(update, service_view.bad_hours(t, words[1]), kind="hours.bad")
        return
    span = _span(amount, day, group.timezone) if isinstance(amount, Window) else None
    if span is not None:
        minutes = span_minutes(*span)
    else:
        assert isinstance(amount, int)
        minutes = round_quarter(amount * 60)
    note = members.clean_text(" ".join(words[2:]), 200) if words[2:] else None
    if isinstance(note, members.TextProblem):
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
            result = await attendance.set_hours(
                session, row, person, day=day, minutes=minutes, span=span, note=note,
                actor=user.id, now=now, former_member=not present,
            )
            text = service_view.hours_outcome(t, membership.display_name, result, group.timezone)
            if not isinstance(result, attendance.HoursSet | attendance.Voided):
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
        await context.reply(update, service_view.bad_date(t, word), kind="hours.bad")
        return
    async with transaction(services.sessions) as session:
        confirmed = await attendance.confirm_day(
            session, group.id, day, actor=user.id, now=services.clock.now()
        )
        names = await members.display_names(
            session, group.id, {a.person_id for a in confirmed.records}
        )
    await context.reply(
        update, service_view.day_confirmed(t, day, confirmed, names), kind="hours"
    )


def _span(window: Window, day: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    first = datetime.combine(day, window.start, tz)
    last = datetime.combine(day, window.end, tz)
    if window.crosses_midnight:
        last += timedelta(days=1)
    return first, last


async def noshow(update: Update, context: DutyContext) -> None:
    """/noshow <shift number> <person> [reason] (leaders): recorded, never announced."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    if await context.refused_unless_leader(update):
        return
    words = words_without_mentions(message, command_args(message))
    if not words or not words[0].lstrip("#").isdigit() or len(words[0]) > 12:
        await context.reply(update, service_view.noshow_usage(t), kind="noshow.usage")
        return
    named = await named_person(message, services.sessions, group.id, words[1:])
    if named is None:
        await context.reply(update, render.name_someone(t), kind="noshow.who")
        return
    reason = " ".join(words[1 + named.words:])[:200] or None
    if not await in_group_now(context.bot, group.chat_id, named):
        await context.reply(update, render.not_in_group(t, named.user.full_name),
                            kind="noshow.who")
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership = await members.membership_of(session, group.id, named.user.telegram_user_id)
        if membership is None or not membership.active:
            result: attendance.NoShowResult | None = None
            name = named.user.full_name
        else:
            person = await session.get(Person, membership.person_id)
            assert person is not None
            name = membership.display_name
            result = await attendance.mark_no_show(
                session, group.id, int(words[0].lstrip("#")), person, reason=reason,
                actor=user.id, now=now,
            )
    if result is None:
        await context.reply(update, render.not_in_group(t, name), kind="noshow.who")
        return
    await context.reply(update, service_view.noshow_outcome(t, name, result), kind="noshow")
    if isinstance(result, attendance.NoShowMarked | attendance.NoShowAlready):
        await services.outgoing.to_person(
            user_ref(user), service_view.noshow_private(t, name, result.count, group.title)
        )
