"""/start and /help."""

from __future__ import annotations

from telegram import Update

from bot import menu, render
from bot.context import DutyContext, thread_of
from bot.gate import user_ref
from bot.notify_view import guide
from commands.today import me_text
from storage import members
from storage.db import transaction


async def start(update: Update, context: DutyContext) -> None:
    """Greet the user; in a private chat, remember that the bot may now write to them."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    if context.group is None:
        async with transaction(context.services.sessions) as session:
            await members.note_private_chat(
                session, user_ref(user), now=context.services.clock.now()
            )
        if context.args and context.args[0] == "guide":  # the deep link from /guide
            await message.reply_text(guide(t.language))
            return
        if context.args and context.args[0] == "me":  # the deep link from /me in a group
            mine = await me_text(context, update, user.id, user.full_name)
            if mine is not None:
                await message.reply_text(mine)
                return
        text = render.welcome_private(t, user.full_name)
        await message.reply_text(text + "\n\n" + menu.help_text(t, menu.Audience.EVERYONE, False))
        return
    await context.services.outgoing.to_group(
        context.group.chat_id,
        menu.help_text(t, menu.Audience.EVERYONE, True),
        thread_id=thread_of(update),
        reply_to=message.message_id,
    )


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
