"""One error handler: the user gets a short apology in their language, the log gets the rest."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, NetworkError, TelegramError

from bot import render
from bot.context import DutyContext, thread_of
from bot.metrics import note_failure

log = logging.getLogger(__name__)


async def on_error(update: object, context: DutyContext) -> None:
    """Log the update id and traceback; apologise where the user will see it."""
    note_failure()
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, NetworkError) and not isinstance(context.error, BadRequest):
        # Telegram did not take an answer (retried where that was safe): no bug of ours, and
        # an apology would take the same broken way. What the update changed is committed.
        log.warning("could not reach Telegram while handling update %s: %s", update_id,
                    context.error.message)
        return
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        t = context.translator_for(update)
        if update.callback_query is not None:
            await update.callback_query.answer(render.apology(t))
            return
        message = update.effective_message
        if message is None:
            return
        if context.group is not None:
            await context.services.outgoing.to_group(
                context.group.chat_id, render.apology(t), thread_id=thread_of(update),
                reply_to=message.message_id,
            )
        else:
            await message.reply_text(render.apology(t))
    except TelegramError:
        log.exception("could not apologise for update %s", update_id)
