"""/start and /help."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot import menu, notify_view, render
from bot.context import DutyContext, GroupInfo, thread_of, user_ref
from bot.documents.certificate_pdf import VERIFY_PREFIX
from bot.i18n import Translator, translator
from bot.notify_view import guide
from commands import certificate, export, places
from commands.attendance import noshows_text
from commands.org import STAFF_LINK_PREFIX, staff_link_opened
from commands.today import me_text
from storage import daybook, documents, groups, members
from storage import places as places_store
from storage.db import transaction


async def start(update: Update, context: DutyContext) -> None:
    """Greet the user; in a private chat, remember that the bot may now write to them."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    if context.group is None:
        async with transaction(context.services.sessions) as session:
            person = await members.note_private_chat(
                session, user_ref(user), now=context.services.clock.now()
            )
            name = await members.roster_name(session, person.id) or user.full_name
        if context.args and context.args[0].startswith(STAFF_LINK_PREFIX):
            await staff_link_opened(update, context, context.args[0][len(STAFF_LINK_PREFIX):])
            return
        if context.args and context.args[0].startswith(documents.LINK_PREFIX):
            await export.link_opened(update, context,
                                     context.args[0][len(documents.LINK_PREFIX):])
            return
        if context.args and context.args[0].startswith(places_store.LINK_PREFIX):
            await places.scan(update, context, context.args[0][len(places_store.LINK_PREFIX):])
            return
        if context.args and context.args[0].startswith(VERIFY_PREFIX):
            await certificate.verify_number(update, context,
                                            context.args[0][len(VERIFY_PREFIX):])
            return
        if context.args and context.args[0] == "guide":  # the deep link from /guide
            await message.reply_text(guide(t.language))
            return
        month = notify_view.parse_month_payload(context.args[0]) if context.args else None
        if month is not None:  # the deep link to a month's report, for its leaders
            for chunk in await month_report(context, user.id, *month, t):
                await message.reply_text(chunk)
            return
        wanted = (
            notify_view.parse_month_payload(context.args[0], "noshows") if context.args
            else None
        )
        if wanted is not None:  # the deep link to a month's no-shows, for its leaders
            await message.reply_text(await noshows_report(context, user.id, *wanted, t))
            return
        if context.args and context.args[0] == "me":  # the deep link from /me in a group
            mine = await me_text(context, update, user.id, user.full_name)
            if mine is not None:
                await message.reply_text(mine.text, reply_markup=mine.markup)
                return
        text = render.welcome_private(t, name)
        await message.reply_text(text + "\n\n" + menu.help_text(t, menu.Audience.EVERYONE, False))
        return
    await context.services.outgoing.to_group(
        context.group.chat_id,
        menu.help_text(t, menu.Audience.EVERYONE, True),
        thread_id=thread_of(update),
        reply_to=message.message_id,
    )


async def unknown_command(update: Update, context: DutyContext) -> None:
    """A command the bot does not have, sent privately: say so and point to /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    name = message.text.split(maxsplit=1)[0][1:].partition("@")[0]
    await message.reply_text(render.unknown_command(context.translator_for(update), name))


async def help_command(update: Update, context: DutyContext) -> None:
    """List the commands the caller may use here, in the chat's language."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    if context.group is None:
        await message.reply_text(menu.help_text(t, menu.Audience.EVERYONE, False))
        return
    admin = await context.is_group_admin(user.id)
    audience = menu.Audience.GROUP_ADMIN if admin else menu.Audience.EVERYONE
    await context.services.outgoing.to_group(
        context.group.chat_id,
        menu.help_text(t, audience, True),
        thread_id=thread_of(update),
        reply_to=message.message_id,
    )


async def month_report(
    context: DutyContext, user_id: int, group_id: int, first: date, t: Translator
) -> list[str]:
    """A month's figures for a leader of that group, in the group's language."""
    services = context.services
    async with services.sessions() as session:
        group = await groups.by_id(session, group_id)
        if group is None:
            return [render.stale_button(t)]
        chat_id, title, zone, language = (
            group.telegram_chat_id, group.title, group.timezone, group.language
        )
    leads = await context.leads(chat_id, group_id, user_id)
    if not leads:
        return [render.leaders_only_there(t, title)]
    async with services.sessions() as session:
        month = await daybook.period(session, group_id, first, daybook.month_end(first), zone)
    return notify_view.month_view(translator(language), title, first, month)


async def noshows_report(
    context: DutyContext, user_id: int, group_id: int, first: date, t: Translator
) -> str:
    """A month's no-shows for a leader of that group."""
    services = context.services
    async with services.sessions() as session:
        group = await groups.by_id(session, group_id)
        info = GroupInfo.of(group) if group is not None else None
    if info is None:
        return render.stale_button(t)
    if not await context.leads(info.chat_id, info.id, user_id):
        return render.leaders_only_there(t, info.title)
    return await noshows_text(context, info, first)
