"""/shift mine: my coming shifts, with a deliberate (two-tap) release."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot import render, views
from bot.context import DutyContext, GroupInfo, button_number, thread_of, user_ref
from commands.shift import after_release, release_for
from storage import claims, groups, members
from storage.db import transaction
from storage.models import Duty, GroupStatus, Shift


async def mine(update: Update, context: DutyContext) -> None:
    """List the caller's coming shifts: privately if they started the bot, else here."""
    user = update.effective_user
    if context.group is None or user is None:
        return
    group, services = context.group, context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=now)
        found = await claims.upcoming_for(session, person.id, group.id, now=now)
        duty_ids = {s.duty_id for s, _ in found}
        names = {d: (await session.get(Duty, d)) for d in duty_ids}
        private = person.private_chat
    t = context.translator_for(update)
    entries = [(shift, claim, names[shift.duty_id]) for shift, claim in found]
    text = views.mine.my_shifts(t, group.title, entries, group.timezone)
    keyboard = views.mine.my_release_keyboard(t, entries, group.timezone)
    if private:
        sent = await services.outgoing.to_person(user_ref(user), text, markup=keyboard)
        if sent is not None:
            await context.reply(update, views.labels.sent_privately(t), kind="mine.private")
            return
    message = update.effective_message
    assert message is not None
    await services.outgoing.to_group(
        group.chat_id, text, thread_id=thread_of(update), reply_to=message.message_id,
        markup=keyboard,
    )


async def _button_shift(update: Update, context: DutyContext) -> tuple[int, GroupInfo] | None:
    """The shift a Release button names and its (active) group; a stale button is answered."""
    query = update.callback_query
    assert query is not None
    shift_id = button_number(update)
    group = None
    if shift_id is not None:
        async with context.services.sessions() as session:
            shift = await session.get(Shift, shift_id)
            group = await groups.by_id(session, shift.group_id) if shift else None
    if shift_id is None or group is None or group.status is not GroupStatus.ACTIVE:
        await query.answer(render.stale_button(context.translator_for(update)))
        return None
    return shift_id, GroupInfo.of(group)


async def tap_release(update: Update, context: DutyContext) -> None:
    """First tap on Release: ask to confirm (nothing changes yet)."""
    query = update.callback_query
    if query is None:
        return
    found = await _button_shift(update, context)
    if found is None:
        return
    t = context.translator_for(update)
    shift_id, group = found
    if not await _holds(context, update, shift_id, group):
        return
    await query.answer(views.mine.confirm_release_toast(t))
    await _edit_buttons(context, update, views.mine.confirm_release_keyboard(t, shift_id))


async def _holds(context: DutyContext, update: Update, shift_id: int, group: GroupInfo) -> bool:
    """In a group anyone sees the buttons: only the person holding the place may go on (the
    others are told so, and the message stays as it is)."""
    query = update.callback_query
    assert query is not None
    async with context.services.sessions() as session:
        person = await members.person_of(session, query.from_user.id)
        mine = [] if person is None else await claims.upcoming_for(
            session, person.id, group.id, now=context.services.clock.now()
        )
    if any(shift.id == shift_id for shift, _claim in mine):
        return True
    t = context.translator_for(update)
    await query.answer(views.mine.release_outcome(t, claims.NotOnShift(), group.timezone))
    return False


async def _edit_buttons(
    context: DutyContext, update: Update, markup: InlineKeyboardMarkup | None
) -> None:
    message = update.effective_message
    assert message is not None
    await context.services.outgoing.edit_markup(message.chat.id, message.message_id, markup)


async def tap_release_confirmed(update: Update, context: DutyContext) -> None:
    """Second tap: release the caller's own place (the server decides whose, not the client)."""
    query = update.callback_query
    if query is None:
        return
    found = await _button_shift(update, context)
    if found is None:
        return
    t = context.translator_for(update)
    shift_id, group = found
    result = await release_for(context.services, group, query.from_user.id, shift_id)
    await query.answer(views.mine.release_outcome(t, result.outcome, group.timezone))
    if isinstance(result.outcome, claims.Released):
        await _edit_buttons(context, update, None)
    await after_release(context.services, group, result, None)


async def tap_keep(update: Update, context: DutyContext) -> None:
    """The "Keep it" button: nothing changes (for the person holding the place)."""
    query = update.callback_query
    if query is None:
        return
    found = await _button_shift(update, context)
    if found is None or not await _holds(context, update, *found):
        return
    await query.answer(views.mine.kept_toast(context.translator_for(update)))
    await _edit_buttons(context, update, None)
