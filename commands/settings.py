"""/settings [key=value] (leaders): the group's own rules."""

from __future__ import annotations

import unicodedata

from telegram import Update

from bot import views
from bot.context import DutyContext
from commands import notices
from commands.signup import command_args
from storage import groups, settings
from storage.db import transaction

ALIASES = {"实际": "actual", "排班": "scheduled"}


async def settings_command(update: Update, context: DutyContext) -> None:
    """Show every setting, or change one: /settings hours_mode=scheduled."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    if await notices.settings_here(update, context):
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    args = unicodedata.normalize("NFKC", command_args(message)).strip()
    if args and await context.refused_unless_leader(update):
        return
    async with transaction(services.sessions) as session:
        row = await groups.by_id(session, group.id)
        assert row is not None
        if not args:
            text = views.settings.settings_text(
                t, settings.settings_of(row), row.timezone, row.needs_attention
            )
        else:
            key, sep, value = args.replace("＝", "=").partition("=")
            if not sep:
                key, _, value = args.partition(" ")
            value = ALIASES.get(value.strip(), value)
            result = await settings.change(
                session, row, key.strip().casefold(), value, actor=user.id,
                now=services.clock.now(),
            )
            text = views.settings.setting_outcome(t, result)
    await context.reply(update, text, kind="settings")
