"""/forgetme: privately, confirmed with a button; the confirmation says what goes and what
stays (the service records, anonymised, so the team's totals do not change)."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import DutyContext, GroupInfo
from bot.views import mine as view
from commands.roster_edit import request_roster_refresh
from storage import forget, members
from storage.db import transaction


async def forgetme(update: Update, context: DutyContext) -> None:
    """/forgetme: what it erases and keeps, and the button that does it."""
    message = update.effective_message
    if message is None:
        return
    t = context.translator_for(update)
    if context.group is not None:
        await context.reply(update, view.forget_privately(t), kind="forget")
        return
    await message.reply_text(view.forget_question(t), reply_markup=view.forget_keyboard(t))


async def tap_forget(update: Update, context: DutyContext) -> None:
    """forget:yes / forget:no."""
    query, user = update.callback_query, update.effective_user
    if query is None or query.data is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    await query.answer()
    if query.data != "forget:yes":
        text = view.forget_cancelled(t)
    else:
        teams: tuple[GroupInfo, ...] = ()
        async with transaction(services.sessions) as session:
            person = await members.person_of(session, user.id)
            if person is not None:
                done = await forget.forget(session, person, now=services.clock.now())
                teams = tuple(GroupInfo.of(group) for group in done.groups)
        for team in teams:  # no roster keeps showing their name
            request_roster_refresh(services, team)
        text = view.forgotten(t)
    if isinstance(query.message, Message):
        await services.outgoing.edit_in_group(query.message.chat.id, query.message.message_id,
                                              text, None)
