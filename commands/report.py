"""/report (typed, captioned, as a reply to a photo, or as a button form), /problem,
/problems and /resolve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ForceReply, InlineKeyboardMarkup, Message, ReplyParameters, Update

from bot import render, views
from bot.context import DutyContext, GroupInfo, thread_of, user_ref
from bot.i18n import Translator
from commands.people import member_in_group
from commands.report_syntax import ReportSyntaxError, numbers_not_understood, parse_report
from commands.signup import command_args
from storage import groups, members, reports
from storage.cleaning import TextProblem, clean_text, clean_words
from storage.db import transaction
from storage.ids import parse_id
from storage.models import Duty, GroupStatus, Person, ReportDraft
from storage.reports import PhotoRef

REPORT_COMMANDS = ("report", "problem")


def photo_of(message: Message | None) -> PhotoRef | None:
    """The largest size of a message's photo, by Telegram's ids."""
    if message is None or not message.photo:
        return None
    largest = message.photo[-1]
    return PhotoRef(message.message_id, largest.file_id, largest.file_unique_id)


def caption_command(message: Message, bot_username: str) -> tuple[str, str] | None:
    """(`report` or `problem`, arguments) when a caption starts with one of them.

    CommandHandler ignores captions, so photos come through a MessageHandler and this.
    """
    caption = (message.caption or "").strip()
    if not caption.startswith("/"):
        return None
    head = caption.split(maxsplit=1)[0]
    rest = caption[len(head):]
    name, _, target = head[1:].partition("@")
    if target and target.casefold() != bot_username.casefold():
        return None
    name = name.casefold()
    return (name, rest.strip()) if name in REPORT_COMMANDS else None


# ---- /report -------------------------------------------------------------------------------

async def report(update: Update, context: DutyContext) -> None:
    """/report [numbers] [text]; alone it opens the button form; replying to a photo attaches it."""
    message = update.effective_message
    if message is None or context.group is None:
        return
    photo = photo_of(message.reply_to_message)
    args = command_args(message)
    if not args.strip() and photo is None:
        await _open_form(update, context)
        return
    await _file(update, context, args, [photo] if photo else [], None)


async def _file(
    update: Update, context: DutyContext, args: str, photos: list[PhotoRef],
    media_group_id: str | None,
) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and context.group is not None
    if user is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    parsed = parse_report(args)
    if isinstance(parsed, ReportSyntaxError):
        text = views.reports.report_syntax_problem(
            t, parsed.problem.value, parsed.key, parsed.value
        )
        await context.reply(update, text, kind="report.bad")
        return
    if not photos and len(parsed.text) <= reports.MAX_TEXT and numbers_not_understood(args):
        # `信号 5G 不好`: zeros would count as a report; let the volunteer tap the numbers in.
        # A form cannot carry photos, so a photo's report is filed as it is.
        await _open_form(update, context, text=parsed.text,
                         notice=views.reports.report_numbers_unread(t))
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership, person, row = await member_in_group(
            session, group, user, now=now, lock="groups"
        )
        result = await reports.file_report(
            session, row, person, parsed, at=message.date or now,
            message_id=message.message_id, media_group_id=media_group_id, photos=photos,
            now=now,
        )
        duty = await _duty(session, result)
    await context.reply(
        update, _filed_text(t, membership.display_name, result, duty, group.timezone),
        kind="report",
    )


async def _duty(session: AsyncSession, result: reports.FileResult) -> Duty | None:
    if isinstance(result, reports.Filed) and result.shift is not None:
        return await session.get(Duty, result.shift.duty_id)
    return None


def _filed_text(
    t: Translator, name: str, result: reports.FileResult, duty: Duty | None,
    zone: str,
) -> str:
    match result:
        case reports.Filed(report_row, shift, photos):
            return views.reports.report_filed(t, name, report_row, photos, duty, shift, zone)
        case reports.AlreadyFiled():
            return views.reports.report_already(t)
        case _:
            return views.reports.report_refused(t, result)


async def photo_message(update: Update, context: DutyContext) -> None:
    """A photo in the group: `/report …` or `/problem …` in its caption files one; an
    uncaptioned photo of an album joins its report."""
    message = update.effective_message
    photo = photo_of(message)
    if message is None or photo is None or context.group is None:
        return
    command = caption_command(message, context.bot.username)
    if command is None:
        if message.media_group_id:
            async with transaction(context.services.sessions) as session:
                await reports.album_photo(
                    session, context.group.id, photo, media_group_id=message.media_group_id,
                    now=context.services.clock.now(),
                )
        return
    if message.sender_chat is not None:
        t = context.translator_for(update)
        await context.reply(update, render.anonymous_personal(t), kind="refused.anonymous")
        return
    name, args = command
    if name == "report":
        await _file(update, context, args, [photo], message.media_group_id)
    else:
        await _problem(update, context, args, [photo], message.media_group_id)


# ---- the button form -----------------------------------------------------------------------

async def _open_form(
    update: Update, context: DutyContext, *, text: str = "", notice: str | None = None
) -> None:
    """Post the button form, optionally holding `text` already, with `notice` above it."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and context.group is not None
    if user is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership, person, _joined = await members.ensure_member(
            session, group.id, user_ref(user), now=now
        )
        draft = await reports.new_draft(
            session, group.id, person.id, thread_id=thread_of(update), now=now
        )
        draft.text = text
        shown = views.reports.form_text(t, membership.display_name, draft)
        if notice:
            shown = notice + "\n" + shown
        markup = views.reports.form_keyboard(t, draft)
        draft_id = draft.id
    sent = await services.outgoing.to_group(
        group.chat_id, shown, thread_id=thread_of(update), reply_to=message.message_id,
        markup=markup,
    )
    if sent is not None:
        async with transaction(services.sessions) as session:
            stored = await session.get(ReportDraft, draft_id)
            if stored is not None:
                stored.message_id = sent.message_id


def _form_action(data: str) -> tuple[int, str, str] | None:
    """`rf:<draft>:<verb>[:<arg>]` → (draft id, verb, arg); None for anything else."""
    parts = data.split(":")
    draft_id = parse_id(parts[1]) if len(parts) in (3, 4) and parts[0] == "rf" else None
    if draft_id is None:
        return None
    verb, arg = parts[2], parts[3] if len(parts) == 4 else ""
    valid = (
        (verb == "f" and arg in reports.FIELDS)
        or (verb == "n" and arg in {str(n) for n in views.reports.FORM_NUMBERS})
        or (verb == "s" and arg in ("1", "-1"))
        or (verb in ("text", "save", "cancel") and not arg)
    )
    return (draft_id, verb, arg) if valid else None


@dataclass
class _FormTap:
    """What a tap on the report form did, worked out inside the transaction."""

    refused: tuple[str, bool] | None = None  # (toast, as an alert)
    info: GroupInfo | None = None
    name: str = ""
    verb: str = ""
    text: str = ""
    markup: InlineKeyboardMarkup | None = None
    result: reports.FileResult | None = None
    duty: Duty | None = None
    thread_id: int | None = None
    message_id: int | None = None


async def _apply_tap(
    session: AsyncSession, context: DutyContext, update: Update, data: str, now: datetime
) -> _FormTap:
    query = update.callback_query
    assert query is not None
    action = _form_action(data)
    draft = None if action is None else await session.get(
        ReportDraft, action[0], with_for_update=True
    )
    group = await groups.by_id(session, draft.group_id) if draft else None
    owner = await session.get(Person, draft.person_id) if draft else None
    if (
        action is None or draft is None or group is None or owner is None
        or group.status is not GroupStatus.ACTIVE
        or query.message is None or query.message.chat.id != group.telegram_chat_id
    ):
        return _FormTap(refused=(render.stale_button(context.translator_for(update)), False))
    info = GroupInfo.of(group)
    context.group = info
    t = context.translator_for(update)
    if owner.telegram_user_id != query.from_user.id:
        return _FormTap(refused=(views.reports.form_not_yours(t), True))
    if draft.done:
        return _FormTap(refused=(views.reports.form_closed(t), False))
    names = await members.display_names(session, group.id, {owner.id})
    name = names.get(owner.id, owner.telegram_name)
    _, verb, arg = action
    result: reports.FileResult | None = None
    if verb == "f":
        draft.field = arg
    elif verb in ("n", "s"):
        reports.draft_set(draft, draft.field, int(arg), step=verb == "s")
    elif verb == "save":
        result = await reports.save_draft(session, draft, group, owner, now=now)
    elif verb == "cancel":
        draft.done = True
    return _FormTap(
        None, info, name, verb, views.reports.form_text(t, name, draft),
        views.reports.form_keyboard(t, draft), result,
        await _duty(session, result) if result is not None else None,
        draft.thread_id, draft.message_id,
    )


async def tap_form(update: Update, context: DutyContext) -> None:
    """A tap on the report form: only its owner may change it; the server holds its state."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    services = context.services
    async with transaction(services.sessions) as session:
        tap = await _apply_tap(session, context, update, query.data or "", services.clock.now())
    # Telegram is answered once the transaction has ended.
    if tap.refused is not None or tap.info is None:
        text, alert = tap.refused or ("", False)
        await query.answer(text, show_alert=alert)
        return
    t, info, chat_id = context.translator_for(update), tap.info, query.message.chat.id
    form_id = query.message.message_id
    if tap.verb == "text":
        await query.answer(views.reports.form_text_asked(t))
        prompt = await _send_prompt(context, info, tap.name, tap.thread_id, tap.message_id)
        draft_id = _form_action(query.data or "")
        if prompt is not None and draft_id is not None:
            async with transaction(services.sessions) as session:
                stored = await session.get(ReportDraft, draft_id[0])
                if stored is not None:
                    stored.prompt_message_id = prompt.message_id
        return
    if tap.verb == "cancel":
        await query.answer(views.reports.form_cancelled(t))
        await services.outgoing.edit_in_group(chat_id, form_id, views.reports.form_cancelled(t),
                                              None)
        return
    if tap.result is not None:
        done = _filed_text(t, tap.name, tap.result, tap.duty, info.timezone)
        if isinstance(tap.result, reports.Filed | reports.AlreadyFiled):
            await query.answer(done[:190])
            await services.outgoing.edit_in_group(chat_id, form_id, done, None)
        else:  # above the limits: the form stays open to fix the number
            await query.answer(done[:190], show_alert=True)
        return
    await query.answer()
    # Tapping 0 when it is already 0 changes nothing: "not modified" is success.
    await services.outgoing.edit_in_group(chat_id, form_id, tap.text, tap.markup)


async def _send_prompt(
    context: DutyContext, group: GroupInfo, name: str, thread_id: int | None,
    form_id: int | None,
) -> Message | None:
    t = context.translator_for(None)
    reply = (
        ReplyParameters(message_id=form_id, allow_sending_without_reply=True) if form_id else None
    )
    return await context.bot.send_message(
        group.chat_id, views.reports.form_text_prompt(t, name), message_thread_id=thread_id,
        reply_parameters=reply, reply_markup=ForceReply(selective=True),
    )


async def form_text_reply(update: Update, context: DutyContext) -> None:
    """A reply to the form's text prompt: it becomes the form's free text."""
    message, user = update.effective_message, update.effective_user
    replied = message.reply_to_message if message else None
    if message is None or user is None or replied is None or context.group is None:
        return
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    t = context.translator_for(update)
    services = context.services
    async with transaction(services.sessions) as session:
        draft = await reports.draft_by_prompt(session, context.group.id, replied.message_id)
        if draft is None or draft.done:
            return
        owner = await session.get(Person, draft.person_id)
        if owner is None or owner.telegram_user_id != user.id:
            return
        cleaned = clean_text(message.text or "", reports.MAX_TEXT, lines=True)
        if isinstance(cleaned, TextProblem):
            await context.reply(
                update, render.text_problem(t, t.gettext("text"), cleaned, reports.MAX_TEXT),
                kind="report.bad",
            )
            return
        draft.text = cleaned
        names = await members.display_names(session, context.group.id, {owner.id})
        text = views.reports.form_text(t, names.get(owner.id, owner.telegram_name), draft)
        markup = views.reports.form_keyboard(t, draft)
        form_id = draft.message_id
    if form_id is not None:
        await services.outgoing.edit_in_group(context.group.chat_id, form_id, text, markup)


# ---- problems ------------------------------------------------------------------------------

async def problem(update: Update, context: DutyContext) -> None:
    """/problem <text>: one tracked problem (a reply to a photo attaches it)."""
    message = update.effective_message
    if message is None or context.group is None:
        return
    photo = photo_of(message.reply_to_message)
    await _problem(update, context, command_args(message), [photo] if photo else [], None)


async def _problem(
    update: Update, context: DutyContext, args: str, photos: list[PhotoRef],
    media_group_id: str | None,
) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and context.group is not None
    if user is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    text = clean_words(args, reports.MAX_TEXT, lines=True)
    if isinstance(text, TextProblem):
        if text is TextProblem.EMPTY:
            await context.reply(update, views.reports.problem_usage(t), kind="problem.usage")
        else:
            await context.reply(
                update, render.text_problem(t, t.gettext("text"), text, reports.MAX_TEXT),
                kind="report.bad",
            )
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership, person, row = await member_in_group(
            session, group, user, now=now, lock="groups"
        )
        result = await reports.file_problem(
            session, row, person, text, message_id=message.message_id,
            media_group_id=media_group_id, photos=photos, now=now,
        )
    match result:
        case reports.ProblemFiled(filed, count):
            reply = views.reports.problem_filed(t, membership.display_name, filed, count)
        case reports.ProblemAlreadyFiled():
            reply = views.reports.report_already(t)
        case reports.TextTooLong():
            reply = views.reports.report_refused(t, result)
    await context.reply(update, reply, kind="problem")


async def problems(update: Update, context: DutyContext) -> None:
    """/problems: the open ones."""
    message = update.effective_message
    if message is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    async with services.sessions() as session:
        found = await reports.open_problems(session, group.id)
        names = await members.display_names(session, group.id, {p.person_id for p in found})
    for chunk in views.reports.problems_list(t, found, names, group.timezone):
        await services.outgoing.to_group(
            group.chat_id, chunk, thread_id=thread_of(update), reply_to=message.message_id
        )


async def resolve(update: Update, context: DutyContext) -> None:
    """/resolve <id> [note] (leaders): close a problem; the reporter is told."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    if await context.refused_unless_leader(update):
        return
    head, _, rest = command_args(message).strip().partition(" ")
    number = parse_id(head)
    if number is None:
        await context.reply(update, views.reports.resolve_usage(t), kind="resolve.usage")
        return
    note = clean_words(rest, 500, lines=True) if rest.strip() else None
    if isinstance(note, TextProblem):
        await context.reply(
            update, render.text_problem(t, t.gettext("note"), note, 500), kind="report.bad"
        )
        return
    async with transaction(services.sessions) as session:
        result = await reports.resolve(
            session, group.id, number, note=note, actor=user.id,
            now=services.clock.now(),
        )
        reporter_name = await members.roster_name(
            session, result.reporter.id, group.id
        ) if isinstance(result, reports.ProblemResolved) else None
    text = views.reports.resolve_outcome(t, result)
    if isinstance(result, reports.ProblemResolved):
        reporter = result.reporter
        name = reporter_name or reporter.telegram_name
        told = reporter.private_chat and await services.outgoing.to_person(
            members.UserRef(reporter.telegram_user_id, name),
            views.reports.reporter_told(t, result.problem, group.title),
        )
        if not told:
            text += "\n" + render.mention(reporter.telegram_user_id, name)
    await context.reply(update, text, kind="resolve")
