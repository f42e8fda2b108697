"""/shift and its sub-commands, in one place: roster, claim, release, mine, cancel, assign."""

from __future__ import annotations

from telegram import Update

from bot import views
from bot.context import DutyContext
from commands import cover, shift, standing
from commands.mine import mine
from commands.signup import command_args


async def dispatch(update: Update, context: DutyContext) -> None:
    """/shift (the roster) or /shift claim <id>."""
    message = update.effective_message
    if message is None or context.group is None:
        return
    verb, _, rest = command_args(message).strip().partition(" ")
    verb = verb.casefold()
    words = rest.split()
    if verb == "claim" and standing.is_standing(words):
        await standing.claim_every(update, context, words)
    elif verb == "release" and standing.is_standing(words):
        await standing.release_every(update, context, words)
    elif verb == "claim":
        await shift.claim_by_text(update, context)
    elif verb == "release":
        await shift.release_by_text(update, context)
    elif verb == "cancel":
        await shift.cancel(update, context)
    elif verb == "cover":
        await cover.ask(update, context)
    elif verb == "mine":
        await mine(update, context)
    elif verb in ("assign", "unassign"):
        await shift.assign(update, context, verb == "assign")
    elif verb:
        t = context.translator_for(update)
        await context.reply(update, views.roster.shift_usage(t), kind="shift.usage")
    else:
        await shift.show(update, context)
