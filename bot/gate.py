"""The gate every update passes: group approval, the bot joining or leaving, chat migration.

Anyone can add a bot to any group, so a new group stays pending, gets one explanation, and
nothing else, until a bot administrator approves it.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, ChatMemberUpdated, Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot import render
from bot.context import DutyContext, GroupInfo, user_ref
from bot.i18n import translator
from bot.permissions import ANONYMOUS_ADMIN_ID
from bot.throttle import Verdict
from storage import groups
from storage.db import reading, transaction
from storage.groups import GroupDefaults
from storage.members import UserRef
from storage.models import GroupStatus

log = logging.getLogger(__name__)

GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)


def button_on_message(query: CallbackQuery) -> bool:
    """Could the pressed data be one of the buttons the message shows? A client only sends
    those; anything else is forged or stale and must not act on (or edit) that message.

    Telegram leaves out an old message's content (an "inaccessible" message, date 0) and an
    inline message has none: their taps go on to the handlers, which check the data.
    """
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return True
    return any(
        button.callback_data == query.data
        for row in message.reply_markup.inline_keyboard for button in row
    )


def describe(update: Update) -> str:
    """What an update is, for the log: the command or the button's kind, never its text."""
    if update.callback_query is not None:
        return "button " + (update.callback_query.data or "").split(":", 1)[0][:16]
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        return "command " + message.text.split()[0].split("@")[0][:32]
    if message is not None:
        return "message"
    return "update"


async def gate(update: Update, context: DutyContext) -> None:
    """Let an update through only from an approved group (or a private chat)."""
    chat, user = update.effective_chat, update.effective_user
    log.debug("update %s: %s from %s in %s", update.update_id, describe(update),
              user.id if user else "-", chat.id if chat else "-")
    query = update.callback_query
    if query is not None and not button_on_message(query):
        await query.answer(render.stale_button(context.translator_for(update)))
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is None or chat.type not in GROUP_TYPES:
        return
    services = context.services
    settings = services.settings
    now = services.clock.now()
    # Most updates come from a group as it was a moment ago: kept, or read, with no write.
    known = services.groups.get(chat.id)
    if known is not None and chat.title and known.title != chat.title:
        known = None  # renamed: the write below records it
    if known is None:
        seen_at = groups.changes()
        async with reading(services.sessions) as session:
            seen = await groups.by_chat_id(session, chat.id)
            steady = seen is not None and (not chat.title or seen.title == chat.title) and (
                seen.status is GroupStatus.ACTIVE
                or (seen.status is GroupStatus.PENDING and seen.pending_notice_sent)
            )
            known = GroupInfo.of(seen) if steady and seen is not None else None
        if known is not None:
            services.groups.put(known, seen_at)
    if known is not None:
        context.group = known
        if known.status is GroupStatus.ACTIVE:
            await _check_sender(update, context, known)
            return
        raise ApplicationHandlerStop
    async with transaction(services.sessions) as session:
        group, _created = await groups.see_group(
            session, chat.id, chat.title or "", now=now,
            defaults=GroupDefaults(settings.bot.timezone, settings.bot.language),
            preapproved=chat.id in settings.bot.allowed_groups,
        )
        info = GroupInfo.of(group)
        explain = info.status is GroupStatus.PENDING and await groups.mark_pending_notice_sent(
            session, group.id
        )
    context.group = info
    if info.status is GroupStatus.ACTIVE:
        await _check_sender(update, context, info)
        return
    if explain:
        await _explain_and_ask(context, info)
    raise ApplicationHandlerStop


async def _explain_and_ask(context: DutyContext, info: GroupInfo) -> None:
    services = context.services
    t = translator(info.language)
    await services.outgoing.to_group(info.chat_id, render.pending_notice(t))
    for admin_id in services.settings.bot.admins:
        admin = UserRef(telegram_user_id=admin_id, full_name="")
        ta = translator(services.settings.bot.language)
        sent = await services.outgoing.to_person(
            admin, render.approval_request(ta, info.title, info.chat_id),
            markup=render.approve_keyboard(ta, info.id),
        )
        if sent is None:
            log.warning("bot admin %s has not started the bot; cannot ask for approval", admin_id)


async def bot_membership_changed(update: Update, context: DutyContext) -> None:
    """The bot was added to or removed from a group."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type not in GROUP_TYPES:
        return
    services = context.services
    now = services.clock.now()
    status = change.new_chat_member.status
    if status in ("left", "kicked"):
        async with transaction(services.sessions) as session:
            await groups.mark_left(session, change.chat.id, by=change.from_user.id, now=now)
        raise ApplicationHandlerStop
    # Added (or promoted): the gate decides what the group may do; the welcome follows.
    context.group = None
    await gate(update, context)
    if context.group is not None and context.group.status is GroupStatus.ACTIVE:
        t = translator(context.group.language)
        await services.outgoing.to_group(change.chat.id, render.approved_notice(t))
    raise ApplicationHandlerStop


async def chat_migrated(update: Update, context: DutyContext) -> None:
    """A group became a supergroup: its chat id changes, its data stays."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    async with transaction(context.services.sessions) as session:
        await groups.migrate_chat(session, old, new, now=context.services.clock.now())
    raise ApplicationHandlerStop


PERSONAL = {"signup", "leave", "checkin", "checkout", "report", "problem", "me"}
PERSONAL_SHIFT_VERBS = {"claim", "release"}
# Commands that change someone's records need a named actor: nobody may, as the group.
RECORDS = {
    "hours", "noshow", "leader", "org", "redeem", "training", "commend", "rewards", "certificate",
}
# Commands whose answer is a file for one person: it goes privately, so it needs a name.
FILES = {"export"}
RECORDS_SHIFT_VERBS = {"assign", "unassign", "cancel"}


def _command_of(update: Update, bot_username: str) -> tuple[str, str] | None:
    """(command, first argument) if the message is a command for this bot."""
    message = update.message
    text = message.text if message and message.text else ""
    if not text.startswith("/"):
        return None
    head, _, rest = text.partition(" ")
    name, _, target = head[1:].partition("@")
    if target and target.casefold() != bot_username.casefold():
        return None
    return name.casefold(), rest.strip().partition(" ")[0].casefold()


async def _pace(update: Update, context: DutyContext, info: GroupInfo, name: str) -> None:
    """The per-member limit (bot.throttle): leaders and bot admins are never held up; a
    command past the burst is set aside and handled again when its turn comes (it holds no
    update slot meanwhile); one past the queue is not done, and the member is told once."""
    user = update.effective_user
    assert user is not None
    services = context.services
    throttle = services.throttle
    if services.replays.pop(update.update_id, None) is not None:
        return  # its turn has come: paced already
    decision = await throttle.check(info.chat_id, user.id,
                                    lambda: context.is_leader(user.id))
    t = translator(info.language)
    if decision.verdict is Verdict.DROP:
        if decision.warn:
            note = render.not_done(t, name)
            if await services.outgoing.to_person(user_ref(user), note) is None:
                await context.reply(update, note, kind="slow_down")
        raise ApplicationHandlerStop
    if decision.verdict is Verdict.WAIT:
        if decision.warn:
            await context.reply(update, render.slow_down(t), kind="slow_down")
        services.replays[update.update_id] = context.application.create_task(
            _replay(context, update, decision.wait)
        )
        raise ApplicationHandlerStop


async def _replay(context: DutyContext, update: Update, wait: float) -> None:
    """Handle a paced command again once its turn has come."""
    await asyncio.sleep(wait)
    await context.application.process_update(update)


async def _check_sender(update: Update, context: DutyContext, info: GroupInfo) -> None:
    """Per-member rate limit, channels, and anonymous admins on personal commands."""
    command = _command_of(update, context.bot.username)
    message, user = update.message, update.effective_user
    if command is None or message is None or user is None:
        return
    t = translator(info.language)
    await _pace(update, context, info, command[0])
    sender = message.sender_chat
    if sender is not None and sender.id != info.chat_id:
        await context.reply(update, render.channel_refused(t), kind="refused.channel")
        raise ApplicationHandlerStop
    name, verb = command
    anonymous = user.id == ANONYMOUS_ADMIN_ID or (sender is not None and sender.id == info.chat_id)
    if not anonymous:
        return
    if name in FILES:
        await context.reply(update, render.anonymous_files(t), kind="refused.anonymous")
        raise ApplicationHandlerStop
    if name in PERSONAL or (name == "shift" and verb in PERSONAL_SHIFT_VERBS):
        await context.reply(update, render.anonymous_personal(t), kind="refused.anonymous")
        raise ApplicationHandlerStop
    # /settings with a key changes how hours count (hours_mode, min_presence, …).
    changes_settings = name == "settings" and verb not in ("", "here", "这里")
    if name in RECORDS or (name == "shift" and verb in RECORDS_SHIFT_VERBS) or changes_settings:
        await context.reply(update, render.anonymous_records(t), kind="refused.anonymous")
        raise ApplicationHandlerStop
