"""Cover requests: ask someone to take your place; the first free volunteer who taps gets it."""

from __future__ import annotations

from telegram import Update

from bot import render, views
from bot.context import DutyContext, button_number, thread_of, user_ref
from commands.roster_edit import request_roster_refresh
from commands.shift import command_args_after
from storage import claims, cover, members
from storage.db import Rollback, roll_back, transaction
from storage.ids import parse_id
from storage.models import Duty, Person


async def ask(update: Update, context: DutyContext) -> None:
    """/shift cover <shift id>: post "X needs someone for …" with a Take button."""
    user = update.effective_user
    if context.group is None or user is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    shift_id = parse_id(command_args_after(update, "cover"))
    if shift_id is None:
        await context.reply(update, views.roster.shift_usage(t), kind="shift.usage")
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership = await members.membership_of(session, group.id, user.id)
        person = await session.get(Person, membership.person_id) if membership else None
        if person is None or membership is None:
            result: cover.CoverResult = claims.NotOnShift()
        else:
            result = await cover.ask_cover(session, shift_id, person, group_id=group.id, now=now)
        duty = await session.get(Duty, result.shift.duty_id) if isinstance(
            result, cover.CoverOpened) else None
    if not isinstance(result, cover.CoverOpened) or membership is None:
        await context.reply(update, views.mine.release_outcome(t, result, group.timezone),
                            kind="cover.refused")
        return
    await services.outgoing.to_group(
        group.chat_id,
        views.mine.cover_wanted(t, membership.display_name, duty, result.shift, group.timezone),
        thread_id=thread_of(update),
        markup=views.mine.take_keyboard(t, result.request.id),
    )


async def tap_take(update: Update, context: DutyContext) -> None:
    """The Take button: the server decides who gets the place."""
    query, user = update.callback_query, update.effective_user
    if query is None or query.data is None or user is None:
        return
    t = context.translator_for(update)
    request_id = button_number(update)
    if context.group is None or request_id is None:
        await query.answer(render.stale_button(t))
        return
    group, services = context.group, context.services
    now = services.clock.now()
    asker = None
    result: cover.TakeResult
    try:
        async with transaction(services.sessions) as session:
            membership, taker, joined = await members.ensure_member(
                session, group.id, user_ref(user), now=now
            )
            result = await cover.take_cover(
                session, request_id, taker, group_id=group.id, now=now
            )
            if joined and not isinstance(result, cover.CoverTaken):
                roll_back(session, result)  # nothing taken: nobody signed up either
            if isinstance(result, cover.CoverTaken):
                asked = await members.membership_of(
                    session, group.id, result.asked_by.telegram_user_id
                )
                asker = (result.asked_by.telegram_user_id,
                         asked.display_name if asked else result.asked_by.telegram_name)
    except Rollback as undone:
        assert isinstance(undone.result, cover.TakeResult)
        result = undone.result
    await query.answer(views.mine.take_outcome(t, result, group.timezone))
    if not isinstance(result, cover.CoverTaken) or asker is None:
        return
    await query.edit_message_reply_markup(None)
    await services.outgoing.to_group(
        group.chat_id,
        views.mine.cover_done(t, (user.id, membership.display_name), asker, result.shift,
                               group.timezone),
        thread_id=thread_of(update),
    )
    request_roster_refresh(services, group)
