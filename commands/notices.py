"""/remindme, /summary, /settings here, and the leaders' "who is missing?" button."""

from __future__ import annotations

from telegram import Update

from bot import notify_view, render, views
from bot.context import DutyContext, button_number, thread_of, user_ref
from commands.hours_syntax import parse_day
from commands.month_syntax import parse_month
from commands.signup import command_args
from storage import daybook, groups, members, settings
from storage.db import transaction
from storage.duties import local_today
from storage.models import GroupStatus, Shift

ON = ("on", "开", "开启", "yes")
OFF = ("off", "关", "关闭", "no")


async def remindme(update: Update, context: DutyContext) -> None:
    """/remindme on|off: duty reminders privately too (needs a private chat with the bot)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    word = command_args(message).strip().casefold()
    if word not in ON + OFF:
        await context.reply(update, notify_view.remindme_usage(t), kind="remindme")
        return
    async with transaction(context.services.sessions) as session:
        person = await members.set_private_reminders(
            session, user_ref(user), word in ON, now=context.services.clock.now()
        )
        started = person.private_chat
    await context.reply(
        update, notify_view.remindme_done(t, word in ON, started, context.bot.username),
        kind="remindme",
    )


async def summary(update: Update, context: DutyContext) -> None:
    """/summary [date|month] (leaders): the day's summary, or a month's figures, now."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    if await context.refused_unless_leader(update):
        return
    now = services.clock.now()
    today = local_today(group.timezone, now)
    raw = command_args(message).strip()
    month = parse_month(raw, today) if raw else None
    if month is not None:
        async with services.sessions() as session:
            period = await daybook.period(
                session, group.id, month, daybook.month_end(month), group.timezone
            )
        for chunk in notify_view.month_view(t, group.title, month, period):
            await services.outgoing.to_group(
                group.chat_id, chunk, thread_id=thread_of(update), reply_to=message.message_id
            )
        return
    day = parse_day(raw, today) if raw else today
    if day is None:
        await context.reply(update, views.attendance.bad_date(t, raw), kind="summary.bad")
        return
    if day > today:
        await context.reply(update, views.attendance.future_summary(t), kind="summary.bad")
        return
    async with services.sessions() as session:
        book = await daybook.day_book(session, group.id, day, group.timezone)
    for chunk in notify_view.summary(t, book, [], group.timezone):
        await services.outgoing.to_group(
            group.chat_id, chunk, thread_id=thread_of(update), reply_to=message.message_id
        )


async def settings_here(update: Update, context: DutyContext) -> bool:
    """/settings here: automatic posts go to this forum topic. True when handled."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return False
    if command_args(message).strip().casefold() not in ("here", "这里"):
        return False
    t = context.translator_for(update)
    if await context.refused_unless_leader(update):
        return True
    topic = thread_of(update) or 0
    async with transaction(context.services.sessions) as session:
        row = await groups.by_id(session, context.group.id)
        assert row is not None
        result = settings.change_topic(
            session, row, topic, actor=user.id, now=context.services.clock.now()
        )
        await groups.mark_attention(session, row.id, None, now=context.services.clock.now())
    text = (
        notify_view.topic_chosen(t, topic != 0)
        if isinstance(result, settings.SettingChanged)
        else views.settings.setting_outcome(t, result)
    )
    await context.reply(update, text, kind="settings")
    return True


async def tap_absent(update: Update, context: DutyContext) -> None:
    """The leaders' button under a no-show line: names, shown to the leader who asks only."""
    query = update.callback_query
    if query is None:
        return
    shift_id = button_number(update)
    async with context.services.sessions() as session:
        shift = await session.get(Shift, shift_id) if shift_id is not None else None
        group = await groups.by_id(session, shift.group_id) if shift else None
        if (
            shift is None or group is None or group.status is not GroupStatus.ACTIVE
            or query.message is None or query.message.chat.id != group.telegram_chat_id
        ):
            await query.answer(render.stale_button(context.translator_for(update)))
            return
        missing = await daybook.missing_names(session, shift)
    t = context.translator_for(update)
    if not await context.is_leader(query.from_user.id):
        await query.answer(views.labels.leaders_only(t), show_alert=True)
        return
    await query.answer(notify_view.missing_alert(t, missing), show_alert=True)


async def guide(update: Update, context: DutyContext) -> None:
    """/guide: the leader guide, in a private chat (a deep-link button from a group)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    text = notify_view.guide(t.language)
    if context.group is None:
        await message.reply_text(text)
        return
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=services.clock.now())
        private = person.private_chat
    if private and await services.outgoing.to_person(user_ref(user), text):
        await context.reply(update, views.labels.sent_privately(t), kind="mine.private")
        return
    await services.outgoing.to_group(
        context.group.chat_id, views.today.open_privately(t), thread_id=thread_of(update),
        reply_to=message.message_id,
        markup=views.today.open_privately_keyboard(t, context.bot.username, "guide"),
    )
