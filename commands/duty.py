"""/duty: leaders describe recurring duties once (add, list)."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot import roster_view
from bot.context import DutyContext
from commands.duty_syntax import DutySyntaxError, parse_duty
from commands.signup import command_args
from scheduler.recurrence import occurrences
from storage import duties, groups
from storage.db import transaction
from storage.duties import DutyDraft


async def duty(update: Update, context: DutyContext) -> None:
    """/duty add … | /duty list."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    verb, _, rest = command_args(message).strip().partition(" ")
    verb = verb.casefold()
    if verb == "list":
        async with context.services.sessions() as session:
            found = await duties.duties_of(session, context.group.id)
        await context.reply(update, roster_view.duty_list(t, found), kind="duty.list")
        return
    if verb != "add":
        await context.reply(update, roster_view.duty_usage(t), kind="duty.usage")
        return
    if not await context.is_leader(user.id):
        await context.reply(update, roster_view.leaders_only(t), kind="refused")
        return
    now = context.services.clock.now()
    today = duties.local_today(context.group.timezone, now)
    spec = parse_duty(rest, today)
    if isinstance(spec, DutySyntaxError):
        text = roster_view.duty_problem(t, spec.problem.value, spec.understood, spec.detail)
        await context.reply(update, text, kind="duty.bad")
        return
    draft = DutyDraft(
        spec.name, spec.rule_rrule, spec.first_date, spec.window, spec.need_min,
        spec.need_max, spec.place,
    )
    async with transaction(context.services.sessions) as session:
        group = await groups.by_id(session, context.group.id)
        assert group is not None
        created, _ = await duties.add_duty(session, group, draft, by=user.id, now=now)
        # Dates whose shift has not started yet: tonight is gone if 19:00 has passed.
        upcoming = [
            o.local_date
            for o in occurrences(
                duties.rule_of(created), duties.window_of(created), group.timezone, today,
                today + timedelta(days=400),
            )
            if o.start > now
        ][:3]
    await context.reply(
        update, roster_view.duty_added(t, created, upcoming, spec.weekdays_note), kind="duty.add"
    )
