"""/today (the day in the group) and /me (my own records, in private)."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot import views
from bot.context import DutyContext, thread_of, user_ref
from storage import attendance, daybook, members
from storage.db import transaction
from storage.duties import local_today

DEEP_LINK_EVERY = timedelta(minutes=1)


async def today(update: Update, context: DutyContext) -> None:
    """/today: today's shifts with who checked in, hours so far, report totals."""
    message = update.effective_message
    if message is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        await attendance.close_overdue(session, now=now)
        book = await daybook.day_book(
            session, group.id, local_today(group.timezone, now), group.timezone
        )
    for chunk in views.today.today_text(t, book, group.timezone):
        await services.outgoing.to_group(
            group.chat_id, chunk, thread_id=thread_of(update), reply_to=message.message_id
        )


async def me_text(context: DutyContext, update: Update | None, telegram_user_id: int,
                  fallback_name: str) -> str | None:
    """The /me answer for a user (None if the bot has never seen them)."""
    services = context.services
    t = context.translator_for(update)
    zone = context.group.timezone if context.group else services.settings.bot.timezone
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        await attendance.close_overdue(session, now=now)
        person = await members.person_of(session, telegram_user_id)
        if person is None:
            return None
        name = await members.roster_name(
            session, person.id, context.group.id if context.group else None
        )
        record = await daybook.my_record(
            session, person.id, zone=zone, now=now,
            star_hours=services.settings.recognition.star_hours,
        )
    return views.today.me_text(t, name or fallback_name, record)


async def me(update: Update, context: DutyContext) -> None:
    """/me: privately when the person has started the bot; else one deep-link button."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    if context.group is None:
        text = await me_text(context, update, user.id, user.full_name)
        await message.reply_text(text or views.today.nothing_yet(t))
        return
    group = context.group
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=now)
        private = person.private_chat
    if private:
        text = await me_text(context, update, user.id, user.full_name)
        if text is not None and await services.outgoing.to_person(user_ref(user), text):
            await context.reply(update, views.labels.sent_privately(t), kind="mine.private")
            return
    last = services.deep_links.get(group.chat_id)
    if last is not None and now - last < DEEP_LINK_EVERY:
        return  # the button posted a moment ago still works for everyone
    services.deep_links[group.chat_id] = now
    await services.outgoing.to_group(
        group.chat_id, views.today.open_privately(t), thread_id=thread_of(update),
        reply_to=message.message_id,
        markup=views.today.open_privately_keyboard(t, context.bot.username, "me"),
    )
