"""/shift and its sub-commands, in one place: roster, claim, release, mine, cancel, assign."""

from __future__ import annotations

from telegram import Update

from bot import roster_view
from bot.context import DutyContext
from commands import cover, shift
from commands.mine import mine
from commands.signup import command_args


async def dispatch(update: Update, context: DutyContext) -> None:
    """/shift (the roster) or /shift claim <id>."""
    message = update.effective_message
    if message is None or context.group is None:
        return
    verb = command_args(message).strip().partition(" ")[0].casefold()
    if verb == "claim":
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
        await context.reply(update, roster_view.shift_usage(t), kind="shift.usage")
    else:
        await shift.show(update, context)
