"""/checkin, /checkout, and for leaders /hours and /noshow: thin adapters over storage."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update

from bot import render, service_view
from bot.context import DutyContext
from bot.gate import user_ref
from commands.hours_syntax import parse_amount, parse_day
from commands.people import member_in_group, named_person, words_without_mentions
from commands.signup import command_args
from scheduler.recurrence import Window
from storage import attendance, members
from storage.db import transaction
from storage.duties import local_today
from storage.hours import round_quarter, span_minutes
from storage.models import Duty, Shift

COMPANIONS = re.compile(r"\+?\s*(\d{1,3})\s*(?:人|位)?")


def parse_companions(args: str) -> int | None:
    """`+2` (or `2人`) family members; None when unreadable or above the limit."""
    if not args:
        return 0
    found = COMPANIONS.fullmatch(args.strip())
    if found is None or int(found[1]) > attendance.MAX_COMPANIONS:
        return None
    return int(found[1])


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
    companions = parse_companions(command_args(message))
    if companions is None:
        await context.reply(update, service_view.checkin_usage(t), kind="checkin.usage")
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership, person, row = await member_in_group(session, group, user, now=now)
        result = await attendance.check_in(
            session, row, person, at=_sent_at(message, now), companions=companions, now=now
        )
        shift = getattr(result, "shift", None) or getattr(result, "next_shift", None)
        duty = await _duty_of(session, shift)
    text = service_view.checkin_outcome(t, membership.display_name, result, duty, group.timezone)
    await context.reply(update, text, kind="checkin")


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
        day = parse_day(words[1], today) if len(words) > 1 else today
        if day is None:
            await context.reply(update, service_view.bad_date(t, words[1]), kind="hours.bad")
            return
        async with transaction(services.sessions) as session:
            confirmed = await attendance.confirm_day(
                session, group.id, day, actor=user.id, now=now
            )
        await context.reply(update, service_view.day_confirmed(t, day, confirmed), kind="hours")
        return
    named = await named_person(message, services.sessions, group.id)
    if named is None:
        text = render.name_someone(t) if words else service_view.hours_usage(t)
        await context.reply(update, text, kind="hours.who")
        return
    if len(words) < 2:
        await context.reply(update, service_view.hours_usage(t), kind="hours.usage")
        return
    day = parse_day(words[0], today)
    if day is None:
        await context.reply(update, service_view.bad_date(t, words[0]), kind="hours.bad")
        return
    if day > today:
        await context.reply(update, service_view.future_date(t), kind="hours.bad")
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
    async with transaction(services.sessions) as session:
        membership, person, _joined = await members.ensure_member(
            session, group.id, named.user, now=now
        )
        result = await attendance.set_hours(
            session, group.id, person, day=day, minutes=minutes, span=span, note=note,
            actor=user.id, now=now,
        )
    text = service_view.hours_outcome(t, membership.display_name, result, group.timezone)
    await context.reply(update, text, kind="hours")


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
    named = await named_person(message, services.sessions, group.id)
    if named is None:
        await context.reply(update, render.name_someone(t), kind="noshow.who")
        return
    reason = " ".join(words[1:])[:200] or None
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, named.user, now=now)
        result = await attendance.mark_no_show(
            session, group.id, int(words[0].lstrip("#")), person, reason=reason,
            actor=user.id, now=now,
        )
        names = await members.display_names(session, group.id, {person.id})
    name = names.get(person.id, named.user.full_name)
    await context.reply(update, service_view.noshow_outcome(t, name, result), kind="noshow")
    if isinstance(result, attendance.NoShowMarked | attendance.NoShowAlready):
        await services.outgoing.to_person(
            user_ref(user), service_view.noshow_private(t, name, result.count, group.title)
        )
