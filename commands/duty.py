"""/duty: leaders describe recurring duties once, then edit, skip, pause or remove them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta

from telegram import Update

from bot import render, views
from bot.context import DutyContext, button_number, thread_of
from bot.i18n import Translator
from commands.duty_syntax import (
    MAX_YEARS_AHEAD,
    DutyProblem,
    DutySyntaxError,
    check_name,
    check_place,
    parse_duty,
    parse_need,
    parse_when,
    parse_window,
)
from commands.hours_syntax import DayLimit, day_limit, parse_day, plan_last_day
from commands.roster_edit import refresh_roster
from commands.signup import command_args
from storage import duties, groups
from storage.db import transaction
from storage.duties import DutyDraft, DutyEdit
from storage.ids import parse_id
from storage.models import DutyStatus
from storage.recurrence import occurrences


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
        await context.reply(update, views.duties.duty_list(t, found), kind="duty.list")
        return
    if verb in ("edit", "skip", "extra", "pause", "resume", "remove"):
        await change(update, context, verb, rest)
        return
    if verb != "add":
        await context.reply(update, views.duties.duty_usage(t), kind="duty.usage")
        return
    if not await context.is_leader(user.id):
        await context.reply(update, views.labels.leaders_only(t), kind="refused")
        return
    now = context.services.clock.now()
    today = duties.local_today(context.group.timezone, now)
    spec = parse_duty(rest, today)
    if isinstance(spec, DutySyntaxError):
        text = views.duties.duty_problem(t, spec.problem.value, spec.understood, spec.detail)
        await context.reply(update, text, kind="duty.bad")
        return
    draft = DutyDraft(
        spec.name, spec.rule_rrule, spec.first_date, spec.window, spec.need_min,
        spec.need_max, spec.place,
    )
    if duties.one_off_over(draft, context.group.timezone, now):
        when = f"{spec.first_date:%Y-%m-%d} {spec.window.start:%H:%M}-{spec.window.end:%H:%M}"
        text = views.duties.duty_problem(t, DutyProblem.DATE_PAST.value, {}, when)
        await context.reply(update, text, kind="duty.bad")
        return
    async with transaction(context.services.sessions) as session:
        group = await groups.by_id(session, context.group.id)
        assert group is not None
        room = await duties.room_for_another(session, group.id)
        if room:
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
    if not room:
        await context.reply(update, views.duties.too_many_duties(t, duties.MAX_DUTIES),
                            kind="duty.bad")
        return
    message = update.effective_message
    assert message is not None
    await context.services.outgoing.to_group(
        context.group.chat_id,
        views.duties.duty_added(t, created, upcoming, spec.weekdays_note),
        thread_id=thread_of(update), reply_to=message.message_id,
        markup=views.duties.undo_keyboard(t, created.id),
    )


async def tap_undo(update: Update, context: DutyContext) -> None:
    """Undo right after /duty add: the duty is removed again (leaders only, checked now)."""
    query, user = update.callback_query, update.effective_user
    if query is None or query.data is None or user is None:
        return
    t = context.translator_for(update)
    duty_id = button_number(update)
    if context.group is None or duty_id is None:
        await query.answer(render.stale_button(t))
        return
    if not await context.is_leader(user.id):
        await query.answer(views.labels.leaders_only(t), show_alert=True)
        return
    group, services = context.group, context.services
    late = False
    async with transaction(services.sessions) as session:
        duty = await duties.duty_in_group(session, group.id, duty_id)
        if duty is None or duty.status is DutyStatus.ARCHIVED:
            duty = None
        elif not await duties.undoable(session, duty, services.clock.now()):
            late = True
        else:
            await duties.change_duty(
                session, duty, group.timezone, by=user.id, now=services.clock.now(),
                status=DutyStatus.ARCHIVED,
            )
    if duty is None:
        await query.answer(views.duties.duty_gone(t))
        return
    if late:
        await query.answer(views.duties.undo_too_late(t), show_alert=True)
        return
    await query.answer(views.duties.undone_toast(t))
    await query.edit_message_text(views.duties.duty_undone(t, duty.name))
    refresh_roster(context)


_KEYS = re.compile(r"(?:^|\s)(name|when|time|need|place|名称|日期|时间|人数|地点)\s*=", re.I)
_KEY_ALIASES = {"名称": "name", "日期": "when", "时间": "time", "人数": "need", "地点": "place"}


def parse_edit(text: str, today: date) -> DutyEdit | DutySyntaxError | str:
    """`key=value ...` for /duty edit; a name or place is checked as `/duty add` checks it
    (DutySyntaxError); any other problem comes back as a short detail string."""
    text = unicodedata.normalize("NFKC", text)
    found = list(_KEYS.finditer(text))
    if not found or text[: found[0].start()].strip():
        return text.strip()  # "" (nothing to change): the usage alone answers
    edit = DutyEdit()
    for i, match in enumerate(found):
        key = _KEY_ALIASES.get(match.group(1), match.group(1).casefold())
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        value = text[match.end() : end].strip()
        if not value:
            return f"{key}="
        if key in ("name", "place"):
            checked = check_name(value) if key == "name" else check_place(value)
            if isinstance(checked, DutySyntaxError):
                return checked
            edit = replace(edit, name=checked) if key == "name" else replace(edit, place=checked)
        elif key == "when":
            when = parse_when(value, today)
            if isinstance(when, DutySyntaxError):
                # Not a rule nor a coming date: maybe a day word (明天, 下周六) or a date that
                # has passed, which change() then refuses with a reason.
                day = parse_day(value, today, ahead=True)
                if day is None:
                    return value
                when = (None, day, False)
            edit = replace(edit, rrule=(when[0], when[1]))
        elif key == "time":
            window = parse_window(value)
            if isinstance(window, DutySyntaxError):
                return value
            edit = replace(edit, window=window)
        else:
            need = parse_need(value)
            if isinstance(need, DutySyntaxError):
                return value
            edit = replace(edit, need=need)
    return edit


# One date per token; `next sat` is one token although it holds a space.
_DATE_TOKEN = re.compile(r"(?:(?:last|next|this)\s+)?[^,，、;；\s]+", re.IGNORECASE)


def parse_dates(text: str, today: date) -> list[date] | str:
    """`2026-12-05,明天、周六 next sat`: day words looking ahead (parse_day); else the bad token.

    Dates that have passed or lie too far ahead come back too: change() says why not.
    """
    found: list[date] = []
    for token in _DATE_TOKEN.finditer(unicodedata.normalize("NFKC", text)):
        day = parse_day(token.group(), today, ahead=True)
        if day is None:
            return token.group()
        found.append(day)
    return found or text


def date_refusal(
    t: Translator, verb: str, days: list[date], today: date, last: date
) -> str | None:
    """Why the first date that has passed or lies after `last` cannot be used; None if all can."""
    for day in days:
        limit = day_limit(day, today, last)
        if limit is DayLimit.PAST:
            return views.duties.duty_day_past(t, verb, day, today)
        if limit is DayLimit.TOO_FAR:
            return views.duties.duty_day_too_far(t, day, last, today)
    return None


async def change(update: Update, context: DutyContext, verb: str, rest: str) -> None:
    """/duty edit|skip|extra|pause|resume|remove <id> ...: leaders only; volunteers are told."""
    user = update.effective_user
    assert context.group is not None and user is not None
    t = context.translator_for(update)
    group, services = context.group, context.services
    if not await context.is_leader(user.id):
        await context.reply(update, views.labels.leaders_only(t), kind="refused")
        return
    head, _, args = rest.strip().partition(" ")
    now = services.clock.now()
    today = duties.local_today(group.timezone, now)
    duty_id = parse_id(head)
    if duty_id is None:
        await context.reply(update, views.duties.duty_change_usage(t), kind="duty.usage")
        return
    options: dict[str, object] = {}
    if verb == "edit":
        edit = parse_edit(args, today)
        if isinstance(edit, DutySyntaxError):
            text = views.duties.duty_problem(
                t, edit.problem.value, {}, edit.detail, usage=views.duties.duty_change_usage(t)
            )
            await context.reply(update, text, kind="duty.bad")
            return
        if isinstance(edit, str):
            text = views.duties.duty_bad_value(t, edit) if edit else (
                views.duties.duty_change_usage(t)
            )
            await context.reply(update, text, kind="duty.bad")
            return
        if edit.rrule is not None and edit.rrule[0] is None:  # a one-off: as far as /duty add
            last = date(today.year + MAX_YEARS_AHEAD, 12, 31)
            refusal = date_refusal(t, verb, [edit.rrule[1]], today, last)
            if refusal is not None:
                await context.reply(update, refusal, kind="duty.bad")
                return
        options["edit"] = edit
    elif verb in ("skip", "extra"):
        dates = parse_dates(args, today)
        if isinstance(dates, str):
            await context.reply(update, views.duties.duty_bad_value(t, dates), kind="duty.bad")
            return
        refusal = date_refusal(t, verb, dates, today, plan_last_day(today))
        if refusal is not None:
            await context.reply(update, refusal, kind="duty.bad")
            return
        options[verb] = tuple(dates)
    else:
        options["status"] = {
            "pause": DutyStatus.PAUSED, "resume": DutyStatus.ACTIVE, "remove": DutyStatus.ARCHIVED,
        }[verb]
    made: duties.Materialised | None = None
    async with transaction(services.sessions) as session:
        duty = await duties.duty_in_group(session, group.id, duty_id)
        if duty is not None and duty.status is not DutyStatus.ARCHIVED:
            made = await duties.change_duty(
                session, duty, group.timezone, by=user.id, now=now,
                **options,  # type: ignore[arg-type]
            )
            told = await duties.affected_people(session, group.id, made)
    if duty is None or made is None:
        await context.reply(update, views.duties.duty_gone(t), kind="duty.gone")
        return
    await context.reply(
        update, views.duties.duty_changed(t, duty, verb, made, told, group.timezone),
        kind="duty.change",
    )
    refresh_roster(context)
