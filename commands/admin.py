"""Administration: approving groups (bot administrators) and the group's language."""

from __future__ import annotations

from telegram import Update

from bot import render
from bot.context import DutyContext, button_number
from bot.i18n import LANGUAGES, translator
from bot.permissions import is_bot_admin
from commands.people import in_group_now, named_person, words_without_mentions
from commands.signup import command_args
from storage import groups, members
from storage.db import transaction

LANGUAGE_ALIASES = {
    "zh_cn": "zh_CN", "zh-cn": "zh_CN", "zh": "zh_CN", "中文": "zh_CN", "cn": "zh_CN",
    "en": "en", "english": "en", "英文": "en", "英语": "en",
}


async def lang(update: Update, context: DutyContext) -> None:
    """/lang zh_CN|en: the group's administrators choose the language the bot speaks there."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    if not await context.is_group_admin(user.id):
        await context.reply(update, render.admins_only(t), kind="refused")
        return
    wanted = LANGUAGE_ALIASES.get(command_args(message).strip().casefold())
    if wanted is None or wanted not in LANGUAGES:
        await context.reply(update, render.language_usage(t), kind="lang.usage")
        return
    async with transaction(context.services.sessions) as session:
        await groups.set_language(
            session, context.group.id, wanted, by=user.id, now=context.services.clock.now()
        )
    await context.reply(update, render.language_changed(translator(wanted)), kind="lang")


async def approve(update: Update, context: DutyContext) -> None:
    """The Approve button a bot administrator got privately for a new group."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = context.translator_for(update)
    services = context.services
    if not is_bot_admin(services.settings, query.from_user.id):
        await query.answer(render.approve_toast(t, "denied"), show_alert=True)
        return
    group_id = button_number(update)
    if group_id is None:
        await query.answer(render.approve_toast(t, "gone"))
        return
    async with transaction(services.sessions) as session:
        result = await groups.approve(
            session, group_id, by=query.from_user.id, now=services.clock.now()
        )
    match result:
        case groups.Approved(group):
            await query.answer(render.approve_toast(t, "approved"))
            await query.edit_message_text(render.approval_done(t, group.title))
            await services.outgoing.to_group(
                group.telegram_chat_id, render.approved_notice(translator(group.language))
            )
        case groups.AlreadyApproved(group):
            await query.answer(render.approve_toast(t, "already"))
        case groups.GroupGone():
            await query.answer(render.approve_toast(t, "gone"))


async def leader(update: Update, context: DutyContext) -> None:
    """/leader add|remove <person>: Telegram admins and bot admins promote members."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    if not await context.is_group_admin(user.id):
        await context.reply(update, render.admins_only(t), kind="refused")
        return
    words = words_without_mentions(message, command_args(message))
    verb = words[0].casefold() if words else ""
    if verb not in ("add", "remove"):
        await context.reply(update, render.leader_usage(t), kind="leader.usage")
        return
    named = await named_person(message, services.sessions, group.id, words[1:])
    if named is None:
        await context.reply(update, render.name_someone(t), kind="leader.who")
        return
    target = named.user.telegram_user_id
    if verb == "add" and not await in_group_now(context.bot, group.chat_id, named):
        await context.reply(update, render.not_in_group(t, named.user.full_name),
                            kind="leader.who")
        return
    if verb == "remove" and await context.is_group_admin(target):
        await context.reply(update, render.telegram_admin_stays(t), kind="refused")
        return
    async with transaction(services.sessions) as session:
        result = await members.set_leader(
            session, group.id, target, verb == "add", by=user.id, now=services.clock.now()
        )
    match result:
        case members.LeaderChanged(membership, is_leader):
            text = render.leader_changed(t, membership.display_name, is_leader)
        case members.LeaderUnchanged(membership, is_leader):
            text = render.leader_unchanged(t, membership.display_name, is_leader)
        case members.NotMember():
            text = render.leader_not_member(t)
    await context.reply(update, text, kind="leader")
