"""The roster with claim buttons, claiming by tap or text, releasing, and leader controls."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from telegram import Update

from bot import render, views
from bot.context import DutyContext, GroupInfo, Services, button_number, thread_of, user_ref
from bot.i18n import translator
from commands.people import in_group_now, named_person, words_without_mentions
from commands.roster_edit import refresh_roster, request_roster_refresh, roster_lines
from commands.signup import command_args
from storage import claims, duties, members, roster
from storage.claims import still_needed
from storage.db import Rollback, at_once, roll_back, transaction
from storage.ids import parse_id
from storage.models import ClaimKind, Duty, Person, Shift


async def show(update: Update, context: DutyContext) -> None:
    """/shift: the next days' shifts grouped by day, one Claim button per shift."""
    message = update.effective_message
    if message is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    page = views.roster.roster_page(
        t, await roster_lines(services, group), group.timezone, services.settings.bot.roster_days, 0
    )
    sent = await services.outgoing.to_group(
        group.chat_id, page.text, thread_id=thread_of(update), reply_to=message.message_id,
        markup=page.keyboard,
    )
    if sent is not None and page.keyboard is not None:
        async with at_once(services.sessions) as db:
            await roster.remember(
                db, group.id, chat_id=sent.chat_id, message_id=sent.message_id,
                thread_id=thread_of(update), now=services.clock.now(),
            )


async def tap_page(update: Update, context: DutyContext) -> None:
    """◀ Earlier / Later ▶ under a long roster."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = context.translator_for(update)
    number = button_number(update)
    if context.group is None or number is None or query.message is None:
        await query.answer(render.stale_button(t))
        return
    group, services = context.group, context.services
    page = views.roster.roster_page(
        t, await roster_lines(services, group, bring_ahead=False), group.timezone,
        services.settings.bot.roster_days, number,
    )
    await query.answer()
    await services.outgoing.edit_in_group(
        group.chat_id, query.message.message_id, page.text, page.keyboard
    )
    async with transaction(services.sessions) as session:
        await roster.set_page(session, group.id, query.message.message_id, page.page)


async def tap_claim(update: Update, context: DutyContext) -> None:
    """A Claim button: the server re-reads everything; the client only names a shift."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = context.translator_for(update)
    shift_id = button_number(update)
    if context.group is None or shift_id is None:
        await query.answer(render.stale_button(t))
        return
    result, joined_as, duty = await _claim(context, update, shift_id)
    text = views.roster.claim_outcome(t, result, context.group.timezone, duty)
    if joined_as is not None:
        text = views.roster.joined_and_claimed(t, joined_as, text)
    await query.answer(text)
    if isinstance(result, claims.Claimed):
        refresh_roster(context)


async def claim_by_text(update: Update, context: DutyContext) -> None:
    """/shift claim <shift id>."""
    if context.group is None:
        return
    t = context.translator_for(update)
    shift_id = parse_id(command_args_after(update, "claim"))
    if shift_id is None:
        await context.reply(update, views.roster.shift_usage(t), kind="shift.usage")
        return
    result, joined_as, duty = await _claim(context, update, shift_id)
    text = render.esc(views.roster.claim_outcome(t, result, context.group.timezone, duty))
    if joined_as is not None:
        text = views.roster.joined_and_claimed(t, render.esc(joined_as), text)
    await context.reply(update, text, kind="shift.claim")
    if isinstance(result, claims.Claimed):
        refresh_roster(context)


async def release_by_text(update: Update, context: DutyContext) -> None:
    """/shift release <shift id>: a deliberate release; late ones tell the leaders."""
    user = update.effective_user
    if context.group is None or user is None:
        return
    t = context.translator_for(update)
    shift_id = parse_id(command_args_after(update, "release"))
    if shift_id is None:
        await context.reply(update, views.roster.shift_usage(t), kind="shift.usage")
        return
    result = await release_for(context.services, context.group, user.id, shift_id)
    await context.reply(
        update, views.mine.release_outcome(t, result.outcome, context.group.timezone),
        kind="shift.release",
    )
    await after_release(context.services, context.group, result, thread_of(update))


@dataclass(frozen=True)
class Release:
    """A release and what the group needs to hear about it."""

    outcome: claims.ReleaseResult
    name: str = ""
    duty_name: str = ""
    promoted_name: str | None = None


async def release_for(
    services: Services, group: GroupInfo, user_id: int, shift_id: int
) -> Release:
    """Release the user's own place on a shift of this group (the only claim they can touch)."""
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership = await members.membership_of(session, group.id, user_id)
        person = await session.get(Person, membership.person_id) if membership else None
        if person is None or membership is None:
            return Release(claims.NotOnShift())
        outcome = await claims.release(
            session, shift_id, person, group_id=group.id, now=now,
            cutoff=timedelta(hours=services.settings.bot.release_cutoff_hours),
        )
        if not isinstance(outcome, claims.Released):
            return Release(outcome, membership.display_name)
        duty = await session.get(Duty, outcome.shift.duty_id)
        promoted = None
        if outcome.promoted is not None:
            moved = await members.membership_of(
                session, group.id, outcome.promoted.telegram_user_id
            )
            promoted = moved.display_name if moved else outcome.promoted.telegram_name
    return Release(outcome, membership.display_name, duty.name if duty else "", promoted)


async def after_release(
    services: Services, group: GroupInfo, release: Release, thread_id: int | None
) -> None:
    """Update the roster; tell whoever moved up; warn the leaders about a late drop-out."""
    result = release.outcome
    if not isinstance(result, claims.Released):
        return
    request_roster_refresh(services, group)
    t = translator(group.language)
    if release.promoted_name is not None:
        await services.outgoing.to_group(
            group.chat_id,
            views.roster.promoted_from_waitlist(t, release.promoted_name, result.shift,
                                               group.timezone),
            thread_id=thread_id,
        )
    if result.late and result.still_needed:
        await services.outgoing.to_group(
            group.chat_id,
            views.mine.late_drop_out(t, release.name, release.duty_name, result, group.timezone),
            thread_id=thread_id,
        )


def command_args_after(update: Update, verb: str) -> str:
    """The text after `/shift <verb>`."""
    message = update.effective_message
    if message is None:
        return ""
    rest = command_args(message).strip()
    head, _, tail = rest.partition(" ")
    return tail.strip() if head.casefold() == verb else ""


async def _claim(
    context: DutyContext, update: Update, shift_id: int
) -> tuple[claims.ClaimResult, str | None, Duty | None]:
    """Claim for the sender, signing them up first if needed (the name, if they joined now),
    and the shift's duty (for its name and place)."""
    assert context.group is not None and update.effective_user is not None
    user = update.effective_user
    now = context.services.clock.now()
    result: claims.ClaimResult
    duty: Duty | None = None
    try:
        async with transaction(context.services.sessions) as session:
            membership, person, joined = await members.ensure_member(
                session, context.group.id, user_ref(user), now=now, lock="people"
            )
            result = await claims.claim(
                session, shift_id, person, group_id=context.group.id, now=now
            )
            shift = getattr(result, "shift", None)
            duty = await session.get(Duty, shift.duty_id) if shift is not None else None
            if joined and not isinstance(result, claims.Claimed):
                roll_back(session, result)  # a claim that failed signs nobody up
    except Rollback as undone:
        assert isinstance(undone.result, claims.ClaimResult)
        return undone.result, None, duty
    return result, membership.display_name if joined else None, duty


async def tap_wait(update: Update, context: DutyContext) -> None:
    """The Waitlist button on a full shift."""
    query, user = update.callback_query, update.effective_user
    if query is None or query.data is None or user is None:
        return
    t = context.translator_for(update)
    shift_id = button_number(update)
    if context.group is None or shift_id is None:
        await query.answer(render.stale_button(t))
        return
    group, services = context.group, context.services
    now = services.clock.now()
    result: claims.WaitResult
    try:
        async with transaction(services.sessions) as session:
            _membership, person, joined = await members.ensure_member(
                session, group.id, user_ref(user), now=now
            )
            result = await claims.join_waitlist(
                session, shift_id, person, group_id=group.id, now=now
            )
            if joined and not isinstance(result, claims.Claimed | claims.Waitlisted):
                roll_back(session, result)  # nothing done: nobody signed up either
    except Rollback as undone:
        assert isinstance(undone.result, claims.WaitResult)
        result = undone.result
    await query.answer(views.roster.wait_outcome(t, result, group.timezone))
    if isinstance(result, claims.Claimed):
        refresh_roster(context)


async def gaps(update: Update, context: DutyContext) -> None:
    """/gaps: coming shifts below their minimum, with claim buttons."""
    message = update.effective_message
    if message is None or context.group is None:
        return
    group, services = context.group, context.services
    page = await _gaps_page(services, group, 0, bring_ahead=True)
    if page.keyboard is None:
        await context.reply(update, page.text, kind="gaps")
        return
    await services.outgoing.to_group(
        group.chat_id, page.text, thread_id=thread_of(update), reply_to=message.message_id,
        markup=page.keyboard,
    )


async def _gaps_page(
    services: Services, group: GroupInfo, number: int, *, bring_ahead: bool = False
) -> views.roster.RosterPage:
    t = translator(group.language)
    lines = [
        line for line in await roster_lines(services, group, bring_ahead=bring_ahead)
        if still_needed(line.shift, len(line.names))
    ]
    return views.roster.roster_page(
        t, lines, group.timezone, services.settings.bot.roster_days, number, gaps=True
    )


async def tap_gaps_page(update: Update, context: DutyContext) -> None:
    """◀ Earlier / Later ▶ under a long /gaps list."""
    query = update.callback_query
    number = button_number(update)
    if query is None or query.message is None or context.group is None or number is None:
        if query is not None:
            await query.answer(render.stale_button(context.translator_for(update)))
        return
    page = await _gaps_page(context.services, context.group, number)
    await query.answer()
    await context.services.outgoing.edit_in_group(
        context.group.chat_id, query.message.message_id, page.text, page.keyboard
    )




async def cancel(update: Update, context: DutyContext) -> None:
    """/shift cancel <shift id>[ <id>…] [reason]: leaders cancel occurrences (a rainy evening
    at three points is one command and one message); their people are told."""
    user = update.effective_user
    if context.group is None or user is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    if await context.refused_unless_leader(update):
        return
    words = command_args_after(update, "cancel").split()
    ids: list[int] = []
    while words:
        numbers = [parse_id(x) for x in re.split(r"[,，、]", words[0])]
        if not numbers or None in numbers:
            break
        ids += [n for n in numbers if n is not None]
        words.pop(0)
    if not ids:
        await context.reply(update, views.roster.shift_usage(t), kind="shift.usage")
        return
    reason = " ".join(words)
    cancelled: list[tuple[Shift, Duty]] = []
    told: dict[int, list[tuple[int, str]]] = {}
    async with transaction(services.sessions) as session:
        for shift_id in dict.fromkeys(ids):
            made = await duties.cancel_shift(
                session, group.id, shift_id, reason or None, by=user.id,
                now=services.clock.now(),
            )
            if made is None:
                continue
            duty = await session.get(Duty, made.cancelled[0].duty_id)
            assert duty is not None
            cancelled.append((made.cancelled[0], duty))
            told.update(await duties.affected_people(session, group.id, made))
    if not cancelled:
        await context.reply(update, views.roster.claim_outcome(t, claims.ShiftGone(), "UTC"),
                            kind="shift.gone")
        return
    await context.reply(
        update, views.roster.shifts_cancelled(t, cancelled, told, reason, group.timezone),
        kind="shift.cancel",
    )
    refresh_roster(context)


async def assign(update: Update, context: DutyContext, on: bool) -> None:
    """/shift assign|unassign <shift id> [force], naming the person: leaders fill the roster."""
    message, user = update.effective_message, update.effective_user
    if message is None or context.group is None or user is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    if await context.refused_unless_leader(update):
        return
    words = words_without_mentions(
        message, command_args_after(update, "assign" if on else "unassign")
    )
    shift_id = parse_id(words[0]) if words else None
    if shift_id is None:
        await context.reply(update, views.roster.shift_usage(t), kind="shift.usage")
        return
    named = await named_person(message, services.sessions, group.id, words[1:])
    if named is None:
        await context.reply(update, render.name_someone(t), kind="leader.who")
        return
    force = any(w.casefold() in ("force", "强制") for w in words[1 + named.words:])
    if not await in_group_now(context.bot, group.chat_id, named):
        await context.reply(update, render.not_in_group(t, named.user.full_name),
                            kind="leader.who")
        return
    now = services.clock.now()
    result: claims.ClaimResult | claims.ReleaseResult
    try:
        async with transaction(services.sessions) as session:
            membership, person, _ = await members.ensure_member(
                session, group.id, named.user, now=now
            )
            if on:
                result = await claims.claim(
                    session, shift_id, person, group_id=group.id, now=now,
                    kind=ClaimKind.ASSIGNED, force=force, actor=user.id,
                )
            else:
                result = await claims.release(
                    session, shift_id, person, group_id=group.id, now=now,
                    cutoff=timedelta(0), actor=user.id, reason="unassigned",
                )
            who = (named.user.telegram_user_id, membership.display_name)
            text = views.roster.assign_outcome(t, result, who, group.timezone)
            if not isinstance(result, claims.Claimed | claims.Released):
                raise Rollback(text)  # a failed assignment signs nobody up
    except Rollback as undone:
        text = str(undone.result)
    await context.reply(update, text, kind="shift.assign")
    if isinstance(result, claims.Claimed | claims.Released):
        refresh_roster(context)


async def unknown_button(update: Update, context: DutyContext) -> None:
    """Any other callback data (stale or forged): a polite toast, nothing changes."""
    query = update.callback_query
    if query is not None:
        await query.answer(render.stale_button(context.translator_for(update)))
