"""/export [week|month|year|YYYY-MM|DATE..DATE] [csv|pdf]: the ledger (台账), privately: the
workbook, its CSV files, or the printed ledger as a PDF.

A leader asks in the group and gets the team's ledger; office staff ask privately and get
every team of the organisation. Files hold personal data, so they go only to a private
chat: straight away where the leader has started the bot, else behind one deep-link button
that only the person who asked can open, for a day. Every file sent is audited.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from telegram import InputFile, Update
from telegram.error import Forbidden

from bot import views
from bot.context import DutyContext, thread_of, user_ref
from bot.documents.ledger_book import write_ledger
from bot.documents.pdf_ledger import write_pdf_ledger
from bot.i18n import translator
from bot.permissions import is_bot_admin
from commands.hours_syntax import parse_day
from commands.org import staff_org_of
from commands.signup import command_args
from commands.stats import parse_period
from storage import documents, members, orgs
from storage.daybook import month_end
from storage.db import transaction
from storage.duties import local_today
from storage.models import DocumentRequest, Group

RANGE = re.compile(r"(\S+?)\s*(?:\.\.|~|至|到)\s*(\S+)")
FORMATS = {"csv": "csv", "xlsx": "xlsx", "excel": "xlsx", "pdf": "pdf", "打印": "pdf"}
SPOOL = 8 * 1024 * 1024  # a file kept in memory up to this size, on disk beyond
LAST_MONTH_UNTIL = 5  # a bare /export on the 1st to the 5th means the month just ended


@dataclass(frozen=True)
class Asked:
    """What /export was asked for."""

    first: date
    last: date
    format: str  # xlsx, csv, pdf


def parse_export(text: str, today: date) -> Asked | None:
    """The period and format; None for words that are neither."""
    words = unicodedata.normalize("NFKC", text).casefold().split()
    fmt = "xlsx"
    if words and words[-1] in FORMATS:
        fmt = FORMATS[words.pop()]
    rest = " ".join(words)
    found = RANGE.fullmatch(rest)
    if found:
        first, last = parse_day(found[1], today), parse_day(found[2], today)
        if first is None or last is None or first > last or first > today:
            return None
        return Asked(first, min(last, today), fmt)
    if not rest and today.day <= LAST_MONTH_UNTIL:  # month-end paperwork: the month before
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        return Asked(first, month_end(first), fmt)
    span = parse_period(rest, today)
    if span is None:
        return None
    return Asked(span.first, span.last, fmt)


async def export(update: Update, context: DutyContext) -> None:
    """The ledger workbook: a team's for its leaders, the organisation's for its staff."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    group = context.group
    org = None
    if group is None:
        org = await staff_org_of(context, user.id)
        if org is None:
            await message.reply_text(views.documents.export_where(t))
            return
    elif await context.refused_unless_leader(update):
        return
    zone = group.timezone if group is not None else services.settings.bot.timezone
    asked = parse_export(command_args(message), local_today(zone, now))
    if asked is None:
        await context.reply(update, views.documents.export_usage(t), kind="export")
        return
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=now)
        request = documents.new_request(
            session, kind="ledger", person=person,
            group_id=group.id if group is not None else None,
            org_id=org.id if org is not None else None,
            params={"first": asked.first.isoformat(), "last": asked.last.isoformat(),
                    "format": asked.format},
            language=t.language, now=now,
        )
        await session.flush()
        private, token = person.private_chat, request.token
    if group is None:
        await _send(context, request, user.id)
        return
    if private and await _send(context, request, user.id):
        await context.reply(update, views.labels.sent_privately(t), kind="export.private")
        return
    await services.outgoing.to_group(
        group.chat_id, views.documents.open_privately(t), thread_id=thread_of(update),
        reply_to=message.message_id,
        markup=views.today.open_privately_keyboard(
            t, context.bot.username, documents.LINK_PREFIX + token
        ),
    )


async def link_opened(update: Update, context: DutyContext, token: str) -> None:
    """/start d-<token>: the file, for the person who asked, within a day."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    services = context.services
    async with services.sessions() as session:
        person = await members.person_of(session, user.id)
        result = (
            await documents.open_request(session, token, person.id, now=services.clock.now())
            if person is not None else documents.LinkExpired()
        )
    match result:
        case documents.LinkExpired():
            await message.reply_text(views.documents.link_expired(t))
        case documents.NotYours():
            await message.reply_text(views.documents.not_yours(t))
        case documents.Ready(request):
            await _send(context, request, user.id)


async def _team_ids(context: DutyContext, request: DocumentRequest, user_id: int) -> list[int]:
    """The teams the person may still have in this document (leadership or staff is checked
    again when the file is made, not only when it was asked for)."""
    async with context.services.sessions() as session:
        if request.org_id is not None:
            person = await members.person_of(session, user_id)
            allowed = is_bot_admin(context.services.settings, user_id) or (
                person is not None and await orgs.is_staff(session, request.org_id, person.id)
            )
            return list(await orgs.team_ids(session, request.org_id)) if allowed else []
        group = await session.get(Group, request.group_id)
        if group is None:
            return []
        chat_id, group_id = group.telegram_chat_id, group.id
    return [group_id] if await context.leads(chat_id, group_id, user_id) else []


async def _send(context: DutyContext, request: DocumentRequest, user_id: int) -> bool:
    """Make the file and send it privately; False when the private chat is closed."""
    services = context.services
    t = translator(request.language)
    teams = await _team_ids(context, request, user_id)
    if not teams:
        await context.bot.send_message(user_id, views.documents.no_longer_allowed(t))
        return True
    first = date.fromisoformat(request.params["first"])
    last = date.fromisoformat(request.params["last"])
    fmt = str(request.params["format"])
    rules = services.settings.recognition.rules
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as out:
        if fmt == "pdf":
            written = await write_pdf_ledger(services.sessions, teams, first, last, t, out,
                                             rules=rules)
        else:
            written = await write_ledger(services.sessions, teams, first, last, t, out,
                                         csv=fmt == "csv", rules=rules)
        out.seek(0)
        caption = views.documents.ledger_caption(t, written.title, written.records, first, last)
        try:
            await context.bot.send_document(
                user_id, InputFile(out.read(), filename=written.file_name), caption=caption
            )
        except Forbidden:
            return False
    async with transaction(services.sessions) as session:
        documents.note_sent(
            session, request, actor=user_id, now=services.clock.now(),
            what={"first": first.isoformat(), "last": last.isoformat(), "format": fmt,
                  "teams": teams, "records": written.records},
        )
    return True
