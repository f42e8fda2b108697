"""Importing a team's volunteer list: a leader sends a CSV or XLSX file privately, the bot
answers row by row, then asks the leader, member by member, whether a member of the group
is a volunteer of the list (the same @username, or the same roster name).

The file is fetched from Telegram and read before any transaction opens; the rows are
imported in one transaction; the questions are sent after it.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError

from bot.context import DutyContext, user_ref
from bot.documents.roster_file import MAX_FILE, FileProblem, kind_of, read_table
from bot.i18n import Translator, language_for_user, translator
from bot.views import imports as view
from commands.people import led_groups
from commands.signup import command_args
from storage import documents, groups, imports, members
from storage.db import transaction
from storage.imports import NoNameColumn
from storage.models import DocumentRequest, Group, Person

log = logging.getLogger(__name__)

QUESTIONS_AT_ONCE = 10  # link questions sent after an import; /import shows the rest
REQUEST_KIND = "import"
REMOVE_WORDS = {"remove", "删除", "删掉", "去掉"}


async def import_command(update: Update, context: DutyContext) -> None:
    """/import: in the group, where to send the list; privately, how, each led team's list,
    and the link questions still open."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    if context.group is not None:
        await context.reply(update, view.in_group(t), kind="import")
        return
    led = await led_groups(context, user.id)
    if not led:
        await message.reply_text(view.leaders_only(t, await _is_member(context, user.id)))
        return
    verb, _, name = command_args(message).strip().partition(" ")
    if verb.casefold() in REMOVE_WORDS and name.strip():
        await _remove(update, context, led, name.strip())
        return
    async with context.services.sessions() as session:
        status = [
            view.list_status(t, group.title, *await imports.entry_counts(session, group.id))
            for group in led
        ]
    await message.reply_text(view.usage(t) + "\n\n" + "\n".join(status))
    for group in led:
        await _ask_links(context, t, user.id, group, limit=QUESTIONS_AT_ONCE)


async def document_in_group(update: Update, context: DutyContext) -> None:
    """A spreadsheet posted in the group: a list there shows everyone's personal details."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    if kind_of(message.document.file_name or "") is FileProblem.NOT_A_LIST:
        return  # a photo, a PDF: not ours to comment on
    await context.reply(update, view.list_in_group(context.translator_for(update)),
                        kind="import.group")


async def _remove(update: Update, context: DutyContext, led: list[Group], name: str) -> None:
    """/import remove <name>: off the imported list (audited with what it said)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    services = context.services
    async with transaction(services.sessions) as session:
        done = await imports.remove(session, [g.id for g in led], name, actor=user.id,
                                    now=services.clock.now())
    titles = {g.id: g.title for g in led}
    if isinstance(done, imports.Removed):
        text = view.removed(t, done.entry.name, titles[done.entry.group_id],
                            done.entry.person_id is not None)
    elif done:
        text = view.name_in_several_lists(t, name, [titles[g] for g in done])
    else:
        text = view.not_on_list(t, name)
    await message.reply_text(text)


async def _is_member(context: DutyContext, user_id: int) -> bool:
    async with context.services.sessions() as session:
        person = await members.person_of(session, user_id)
        return person is not None and bool(await groups.of_person(session, person.id))


async def document_message(update: Update, context: DutyContext) -> None:
    """A file sent privately: a leader's volunteer list."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.document is None:
        return
    t = context.translator_for(update)
    document = message.document
    file_name = document.file_name or ""
    kind = kind_of(file_name)
    if isinstance(kind, FileProblem):
        await message.reply_text(view.file_problem(t, kind))
        return
    if (document.file_size or 0) > MAX_FILE:
        await message.reply_text(view.file_problem(t, FileProblem.TOO_BIG))
        return
    led = await led_groups(context, user.id)
    if not led:
        await message.reply_text(view.leaders_only(t, await _is_member(context, user.id)))
        return
    if len(led) == 1:
        await _import(context, t, user.id, led[0], document.file_id, file_name)
        return
    services = context.services
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=services.clock.now())
        request = documents.new_request(
            session, kind=REQUEST_KIND, person=person, group_id=None, org_id=None,
            params={"file_id": document.file_id, "file_name": file_name},
            language=t.language, now=services.clock.now(),
        )
        await session.flush()
        request_id = request.id
    await message.reply_text(view.which_team(t, file_name),
                             reply_markup=view.which_team_keyboard(request_id, led))


async def tap_team(update: Update, context: DutyContext) -> None:
    """impto:<request>:<team>: the team a leader of several chose for the list."""
    query, user = update.callback_query, update.effective_user
    if query is None or query.data is None or user is None:
        return
    t = context.translator_for(update)
    _, request_id, group_id = query.data.split(":")
    services = context.services
    async with services.sessions() as session:
        request = await session.get(DocumentRequest, int(request_id))
        person = await members.person_of(session, user.id)
        group = await session.get(Group, int(group_id))
        usable = (
            request is not None and request.kind == REQUEST_KIND and person is not None
            and request.person_id == person.id and request.expires_at > services.clock.now()
        )
        file_id = str(request.params.get("file_id", "")) if request is not None else ""
        file_name = str(request.params.get("file_name", "")) if request is not None else ""
    if not usable or group is None:
        await query.answer(view.request_gone(t), show_alert=True)
        return
    if not await context.leads(group.telegram_chat_id, group.id, user.id):
        await query.answer(view.no_longer_leader_to_import(t), show_alert=True)
        return
    await query.answer()
    async with transaction(services.sessions) as session:  # one import per file sent
        request = await documents.use_request(session, int(request_id),
                                              now=services.clock.now())
    await query.edit_message_reply_markup(None)
    await _import(context, t, user.id, group, file_id, file_name)


async def _import(
    context: DutyContext, t: Translator, user_id: int, group: Group, file_id: str,
    file_name: str,
) -> None:
    """Fetch, read and import the list; answer row by row; ask about the links."""
    bot = context.bot
    try:
        telegram_file = await bot.get_file(file_id)
        content = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.info("could not fetch a list: %s", exc)
        await bot.send_message(user_id, view.download_failed(t))
        return
    table = read_table(file_name, content)
    if isinstance(table, FileProblem):
        await bot.send_message(user_id, view.file_problem(t, table))
        return
    services = context.services
    async with transaction(services.sessions) as session:
        result = await imports.import_rows(session, group.id, table, actor=user_id,
                                           source=file_name, now=services.clock.now())
    if isinstance(result, NoNameColumn):
        await bot.send_message(user_id, view.no_name_column(t, result.headings))
        return
    await bot.send_message(user_id, view.imported(t, group.title, file_name, result))
    touched = {r.name for r in result.rows if isinstance(r, imports.Added | imports.Updated)}
    await _ask_links(context, t, user_id, group, limit=QUESTIONS_AT_ONCE, names=touched)


async def _ask_links(
    context: DutyContext, t: Translator, user_id: int, group: Group, *, limit: int,
    names: set[str] | None = None,
) -> None:
    """One question per member who may be an imported volunteer (at most `limit`; after an
    import, only about the rows it added or changed: /import asks the rest again)."""
    async with context.services.sessions() as session:
        found = await imports.candidates(session, group.id, names)
    for candidate in found[:limit]:
        await context.bot.send_message(
            user_id, view.link_question(t, group.title, candidate),
            reply_markup=view.link_keyboard(t, candidate),
        )
    if len(found) > limit:
        await context.bot.send_message(user_id, view.more_links(t, len(found) - limit))


async def tap_link(update: Update, context: DutyContext) -> None:
    """implink:<entry>:<person> or impno:<entry>:<person>: a leader's answer."""
    query, user = update.callback_query, update.effective_user
    if query is None or query.data is None or user is None:
        return
    t = context.translator_for(update)
    action, entry_id, person_id = query.data.split(":")
    services = context.services
    async with services.sessions() as session:
        group = await imports.group_of_entry(session, int(entry_id))
    if group is None:
        await query.answer(view.link_gone(t), show_alert=True)
        return
    if not await context.leads(group.telegram_chat_id, group.id, user.id):
        await query.answer(view.leaders_only_link(t), show_alert=True)
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        target = await imports.member_label(session, group.id, int(person_id))
        if action == "implink":
            done = await imports.link(session, group.id, int(entry_id), int(person_id),
                                      actor=user.id, now=now)
            if isinstance(done, imports.LinkGone) and done.already:
                text = ""  # a second tap: the message says so already
            else:
                text = (view.linked(t, target, done) if isinstance(done, imports.Linked)
                        else view.link_gone(t))
            member = await session.get(Person, int(person_id))
            ref = members.ref_of(member) if member is not None else None
        else:
            name = await imports.entry_name(session, int(entry_id))
            said = await imports.decline(session, group.id, int(entry_id), int(person_id),
                                         actor=user.id, now=now)
            text = view.declined(t, target, name) if said else view.link_gone(t)
    if not text:
        await query.answer(view.linked_already(t))
        return
    await query.answer()
    if isinstance(query.message, Message):
        await services.outgoing.edit_in_group(query.message.chat.id, query.message.message_id,
                                              text, None)
    if action == "implink" and isinstance(done, imports.Linked) and ref is not None:
        mt = translator(language_for_user(ref.language_code, group.language))
        await services.outgoing.to_person(
            ref, view.linked_for_member(mt, group.title, done.entry.name, done.changed))
