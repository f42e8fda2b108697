"""/training and /commend (leaders, in the group), /evaluate (leaders, privately), and a
volunteer's request for a correction of their record (from /me)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from telegram import ForceReply, Message, Update

from bot import render, views
from bot.context import DutyContext, button_number, user_ref
from bot.i18n import language_for_user, translator
from commands.hours_syntax import parse_day
from commands.people import led_groups, named_person, tell_leaders, words_without_mentions
from commands.signup import command_args
from commands.stats import parse_period
from storage import groups, members, record
from storage.cleaning import TextProblem, clean_text, clean_words
from storage.db import transaction
from storage.duties import local_today
from storage.models import Group, Person

TRAINING_HOURS = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(?:h|小时)", re.IGNORECASE)
# A word that is meant as a date (digits with - / 年 月 日 号), readable or not.
DATE_LIKE = re.compile(r"[0-9]+\s*[-/年月.]\s*[0-9]+.*|[0-9]+\s*[日号]")


async def _people_named(
    context: DutyContext, message: Message, group_id: int, words: list[str]
) -> tuple[list[Person], list[str]]:
    """The members named at the start of `words` (one after another) or by a reply; and the
    words left."""
    found: list[Person] = []
    async with context.services.sessions() as session:
        while words:
            hit = await members.by_display_name(session, group_id, words)
            if hit is None or not hit[0].active:
                break
            if hit[1].id not in {p.id for p in found}:
                found.append(hit[1])
            words = words[hit[2]:]
    if not found:  # a reply, an @username or a pick from the @ list
        named = await named_person(message, context.services.sessions, group_id)
        async with context.services.sessions() as session:
            person = (
                await members.person_of(session, named.user.telegram_user_id)
                if named is not None and not named.is_bot else None
            )
            if person is not None and await members.membership_of(
                session, group_id, person.telegram_user_id
            ):
                found.append(person)
    return found, words


def _tail_date(words: list[str], today: date) -> tuple[date | None, list[str]]:
    """A date at the end of the words, or a written date (2026-11-24, 11月24日) at their start
    (today if none; None for a date that cannot be read or has not come yet: never folded
    into the title)."""
    if words:
        day = parse_day(words[-1], today)
        if day is not None:
            return (day if day <= today else None), words[:-1]
        if DATE_LIKE.fullmatch(unicodedata.normalize("NFKC", words[-1])):
            return None, words[:-1]
        if len(words) > 1 and DATE_LIKE.fullmatch(unicodedata.normalize("NFKC", words[0])):
            day = parse_day(words[0], today)
            return (day if day is not None and day <= today else None), words[1:]
    return today, words


async def _leader_naming(
    update: Update, context: DutyContext
) -> tuple[list[Person], list[str]] | None:
    """A leader's command in the group: the people it names and the words after them (None
    when refused or not a command)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return None
    if await context.refused_unless_leader(update):
        return None
    words = words_without_mentions(message, command_args(message))
    return await _people_named(context, message, context.group.id, words)


async def training(update: Update, context: DutyContext) -> None:
    """/training <names…> <title> [date] [2h]: training taken (not service time)."""
    named = await _leader_naming(update, context)
    if named is None:
        return
    people, words = named
    user, group, services = update.effective_user, context.group, context.services
    assert user is not None and group is not None
    t = context.translator_for(update)
    now = services.clock.now()
    minutes = 0
    if words and (found := TRAINING_HOURS.fullmatch(unicodedata.normalize("NFKC", words[-1]))):
        minutes, words = round(float(found[1]) * 60), words[:-1]
    on, words = _tail_date(words, local_today(group.timezone, now))
    title = clean_words(" ".join(words), record.MAX_TITLE) if words else TextProblem.EMPTY
    if (not people or isinstance(title, TextProblem) or on is None or not 0 <= minutes
            <= 24 * 60):
        await context.reply(update, views.record.training_usage(t), kind="training")
        return
    async with transaction(services.sessions) as session:
        record.add_training(session, group.id, people, title, on, minutes, actor=user.id,
                            now=now)
        names = await members.display_names(session, group.id, {p.id for p in people})
    await context.reply(update, views.record.training_added(
        t, [names.get(p.id, "?") for p in people], title, on, minutes
    ), kind="training")


async def commend(update: Update, context: DutyContext) -> None:
    """/commend <name> <title> [date]: a commendation, with a button to announce it once."""
    named = await _leader_naming(update, context)
    if named is None:
        return
    people, words = named
    message, user = update.effective_message, update.effective_user
    group, services = context.group, context.services
    assert message is not None and user is not None and group is not None
    t = context.translator_for(update)
    now = services.clock.now()
    on, words = _tail_date(words, local_today(group.timezone, now))
    title = clean_words(" ".join(words), record.MAX_TITLE) if words else TextProblem.EMPTY
    if len(people) != 1 or isinstance(title, TextProblem) or on is None:
        await context.reply(update, views.record.commend_usage(t), kind="commend")
        return
    async with transaction(services.sessions) as session:
        row = await record.add_commendation(session, group.id, people[0], title, on,
                                            actor=user.id, now=now)
        names = await members.display_names(session, group.id, {people[0].id})
    await services.outgoing.to_group(
        group.chat_id, views.record.commendation_added(t, names.get(people[0].id, "?"), row),
        reply_to=message.message_id, markup=views.record.announce_keyboard(t, row.id),
    )


async def tap_announce(update: Update, context: DutyContext) -> None:
    """The leader chose to announce a commendation in the group (once)."""
    query = update.callback_query
    if query is None:
        return
    if context.group is None:
        await query.answer()
        return
    t = context.translator_for(update)
    if not await context.is_leader(query.from_user.id):
        await query.answer(views.labels.leaders_only(t), show_alert=True)
        return
    commendation_id = button_number(update)
    services = context.services
    async with transaction(services.sessions) as session:
        row = (
            await record.announce_commendation(
                session, commendation_id, group_id=context.group.id, now=services.clock.now()
            )
            if commendation_id is not None else None
        )
        hidden = False
        name = "?"
        if row is not None:
            person = await session.get(Person, row.person_id)
            hidden = person is not None and person.hidden
            name = (await members.display_names(session, row.group_id, {row.person_id})).get(
                row.person_id, "?")
    await query.answer(views.record.kept_private(t) if row is not None and hidden else None)
    if isinstance(query.message, Message):
        await services.outgoing.edit_markup(query.message.chat.id, query.message.message_id,
                                            None)
    if row is not None and not hidden:
        await services.outgoing.to_group(context.group.chat_id,
                                         views.record.commendation_notice(t, name, row))


async def evaluate(update: Update, context: DutyContext) -> None:
    """/evaluate <name> <2026|2026-11> <优秀|良好|合格> [note], privately by a leader."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    led = await led_groups(context, user.id)
    if not led:
        await message.reply_text(views.record.leaders_only_private(t))
        return
    words = command_args(message).split()
    matches: list[tuple[Group, Person, int]] = []
    async with services.sessions() as session:
        for group in led:
            hit = await members.by_display_name(session, group.id, words)
            if hit is not None and hit[0].active:
                matches.append((group, hit[1], hit[2]))
    if len(matches) != 1:
        text = (views.record.evaluate_usage(t) if not matches
                else views.record.name_in_several_teams(t, [g.title for g, _, _ in matches]))
        await message.reply_text(text)
        return
    group, person, used = matches[0]
    rest = words[used:]
    today = local_today(group.timezone, now)
    asked = parse_period(rest[0], today) if rest else None
    period = (
        None if asked is None or asked.kind == "week"
        else f"{asked.first:%Y}" if asked.kind == "year" else f"{asked.first:%Y-%m}"
    )
    grade = record.parse_grade(rest[1]) if len(rest) > 1 else None
    note = clean_text(" ".join(rest[2:]), record.MAX_NOTE) if len(rest) > 2 else None
    if period is None or grade is None or isinstance(note, TextProblem):
        await message.reply_text(views.record.evaluate_usage(t))
        return
    async with transaction(services.sessions) as session:
        done = await record.evaluate(session, group.id, person, period, grade, note,
                                     actor=user.id, now=now)
        name = (await members.display_names(session, group.id, {person.id})).get(person.id, "?")
        ref = members.ref_of(person)
    if isinstance(done, record.OwnEvaluation):
        await message.reply_text(views.record.not_oneself(t))
        return
    await message.reply_text(views.record.evaluated(t, group.title, name, done.evaluation,
                                                    done.before))
    own = translator(language_for_user(ref.language_code, group.language))
    await services.outgoing.to_person(
        ref, views.record.evaluated_private(own, group.title, done.evaluation)
    )


# ---- correction requests -------------------------------------------------------------------

async def tap_ask_correction(update: Update, context: DutyContext) -> None:
    """/me's "ask for a correction" button: which team (if several), then a prompt."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = context.translator_for(update)
    services = context.services
    chosen = button_number(update) if query.data.startswith("fixg:") else None
    async with services.sessions() as session:
        person = await members.person_of(session, query.from_user.id)
        teams = await groups.of_person(session, person.id) if person is not None else []
    if chosen is not None:
        teams = [g for g in teams if g.id == chosen]
    await query.answer()
    if not teams:
        await services.outgoing.to_person(user_ref(query.from_user), views.today.nothing_yet(t))
        return
    if len(teams) > 1:
        await services.outgoing.to_person(
            user_ref(query.from_user), views.record.which_team(t),
            markup=views.record.team_keyboard(teams),
        )
        return
    await context.bot.send_message(
        query.from_user.id, views.record.correction_prompt(t, teams[0].title, teams[0].id),
        reply_markup=ForceReply(selective=True),
    )


async def correction_reply(update: Update, context: DutyContext) -> None:
    """The volunteer's answer to the prompt: the request goes to the team's leaders."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.reply_to_message is None:
        return
    prompt = message.reply_to_message
    group_id = views.record.prompt_team(prompt.text or "")
    if group_id is None or prompt.from_user is None or prompt.from_user.id != context.bot.id:
        return
    t = context.translator_for(update)
    text = clean_words(message.text or "", record.MAX_REQUEST, lines=True)
    if isinstance(text, TextProblem):
        await message.reply_text(render.text_problem(t, t.gettext("request"), text,
                                                     record.MAX_REQUEST))
        return
    services = context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.person_of(session, user.id)
        group = await groups.by_id(session, group_id)
        membership = (
            await members.membership_of(session, group_id, user.id) if group else None
        )
        on_team = (
            person is not None and group is not None and membership is not None
            and membership.active
        )
        if on_team:
            assert person is not None and group is not None and membership is not None
            asked = record.ask_correction(session, group.id, person, text, now=now)
            await session.flush()
            request_id, name, title, language, chat_id = (
                asked.id, membership.display_name, group.title, group.language,
                group.telegram_chat_id,
            )
    if not on_team:  # left the team since the prompt
        await message.reply_text(views.record.not_on_team(t))
        return
    lt = translator(language)
    reached = await tell_leaders(
        context, group_id, chat_id, views.record.correction_for_leaders(lt, title, name, text),
        views.record.correction_keyboard(lt, request_id), except_id=user.id,
    )
    await message.reply_text(views.record.correction_sent(t, title, reached))


async def tap_decide_correction(update: Update, context: DutyContext) -> None:
    """A leader accepts or rejects a correction request (privately)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = context.translator_for(update)
    services = context.services
    request_id = button_number(update)
    async with services.sessions() as session:
        found = await record.request_of(session, request_id) if request_id else None
    if found is None:
        await query.answer(views.record.request_gone(t))
        return
    group = found[1]
    if not await context.leads(group.telegram_chat_id, group.id, query.from_user.id):
        await query.answer(views.labels.leaders_only(t), show_alert=True)
        return
    accept = query.data.startswith("fixok:")
    async with transaction(services.sessions) as session:
        decided = await record.decide_correction(
            session, found[0].id, accept=accept, actor=query.from_user.id,
            now=services.clock.now(),
        )
        person = await session.get(Person, found[0].person_id)
        ref = members.ref_of(person) if person is not None else None
    assert decided is not None
    await query.answer(views.record.decided_toast(t, decided.accepted, decided.already))
    if isinstance(query.message, Message):
        await services.outgoing.edit_markup(query.message.chat.id, query.message.message_id,
                                            None)
    if ref is not None and not decided.already:
        own = translator(language_for_user(ref.language_code, group.language))
        await services.outgoing.to_person(
            ref, views.record.correction_outcome(own, group.title, decided.accepted,
                                                 decided.request.text)
        )
