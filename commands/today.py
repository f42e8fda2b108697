"""/today (the day in the group) and /me (my own records, in private)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Message, Update

from bot import views
from bot.context import DutyContext, thread_of, user_ref
from commands.signup import command_args
from storage import attendance, certificates, credit, daybook, members, pacing
from storage.db import at_once, transaction
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
        await attendance.close_overdue(session, now=now, group_id=group.id)
        book = await daybook.day_book(
            session, group.id, local_today(group.timezone, now), group.timezone
        )
    for chunk in views.today.today_text(t, book, group.timezone):
        await services.outgoing.to_group(
            group.chat_id, chunk, thread_id=thread_of(update), reply_to=message.message_id
        )


@dataclass(frozen=True)
class MeAnswer:
    """The /me text and its toggle button."""

    text: str
    markup: InlineKeyboardMarkup


async def me_text(context: DutyContext, update: Update | None, telegram_user_id: int,
                  fallback_name: str) -> MeAnswer | None:
    """The /me answer for a user (None if the bot has never seen them)."""
    services = context.services
    t = context.translator_for(update)
    zone = context.group.timezone if context.group else services.settings.bot.timezone
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.person_of(session, telegram_user_id)
        if person is None:
            return None
        await attendance.close_overdue(session, now=now, person_id=person.id)
        await credit.settle(
            session, now=now, defaults=services.settings.recognition.rules, person_id=person.id
        )
        name = await members.roster_name(
            session, person.id, context.group.id if context.group else None
        )
        record = await daybook.my_record(
            session, person.id, zone=zone, now=now,
            defaults=services.settings.recognition.rules,
        )
        mine = await certificates.of_person(session, person.id)
    text = views.today.me_text(t, name or fallback_name, record)
    if mine:
        text += "\n" + views.certificates.mine(t, mine, zone)
    return MeAnswer(text, views.today.me_keyboard(t, record.hidden))


async def me(update: Update, context: DutyContext) -> None:
    """/me: privately when the person has started the bot; else one deep-link button."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    if context.group is None:
        word = unicodedata.normalize("NFKC", command_args(message)).strip().casefold()
        if word in HIDE_WORDS:
            await _set_hidden(context, update, HIDE_WORDS[word])
        answer = await me_text(context, update, user.id, user.full_name)
        if answer is None:
            await message.reply_text(views.today.nothing_yet(t))
        else:
            await message.reply_text(answer.text, reply_markup=answer.markup)
        return
    group = context.group
    now = services.clock.now()
    word = unicodedata.normalize("NFKC", command_args(message)).strip().casefold()
    if word in HIDE_WORDS:  # a choice about oneself is made privately
        await context.reply(update, views.orgs.private_only(t, "me"), kind="refused")
        return
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=now)
        private = person.private_chat
    if private:
        answer = await me_text(context, update, user.id, user.full_name)
        if answer is not None and await services.outgoing.to_person(
            user_ref(user), answer.text, markup=answer.markup
        ):
            await context.reply(update, views.labels.sent_privately(t), kind="mine.private")
            return
    async with at_once(services.sessions) as db:  # one button a minute, whichever instance
        first = await pacing.take_window(db, group.chat_id, None, "me.button", now.timestamp(),
                                         (now + DEEP_LINK_EVERY).timestamp()) is None
    if not first:
        return  # the button posted a moment ago still works for everyone
    await services.outgoing.to_group(
        group.chat_id, views.today.open_privately(t), thread_id=thread_of(update),
        reply_to=message.message_id,
        markup=views.today.open_privately_keyboard(t, context.bot.username, "me"),
    )


HIDE_WORDS = {"hide": True, "隐藏": True, "show": False, "显示": False}


async def _set_hidden(context: DutyContext, update: Update, hidden: bool) -> None:
    user = update.effective_user
    assert user is not None
    now = context.services.clock.now()
    async with transaction(context.services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=now)
        members.set_hidden(session, person, hidden, now=now)


async def tap_hide(update: Update, context: DutyContext) -> None:
    """/me's toggle button: leave my name out of top lists and announcements (or not)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    hidden = query.data == "mehide:1"
    await _set_hidden(context, update, hidden)
    t = context.translator_for(update)
    await query.answer(views.today.hidden_toast(t, hidden))
    answer = await me_text(context, update, query.from_user.id, query.from_user.full_name)
    if answer is not None and isinstance(query.message, Message):
        await context.services.outgoing.edit_in_group(
            query.message.chat.id, query.message.message_id, answer.text, answer.markup
        )
