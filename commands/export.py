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
from storage import daybook, documents, members, orgs
from storage.daybook import month_end
from storage.db import transaction
from storage.duties import local_today
from storage.models import DocumentRequest, Group

SEPARATORS = re.compile(r"\.\.|~|～|至|到|—|–|-|－")
FORMATS = {"csv": "csv", "xlsx": "xlsx", "xls": "xlsx", "excel": "xlsx", "pdf": "pdf",
           "打印": "pdf"}
# Periods /stats does not know: the week and the year before.
BEFORE = {"上周": "week", "last week": "week", "去年": "year", "last year": "year"}
NOW_WORDS = {"今", "今天", "现在", "now", "today"}
SPOOL = 8 * 1024 * 1024  # a file kept in memory up to this size, on disk beyond
LAST_MONTH_UNTIL = 5  # a bare /export on the 1st to the 5th means the month just ended


@dataclass(frozen=True)
class Asked:
    """What /export was asked for."""

    first: date
    last: date
    format: str  # xlsx, csv, pdf


def _format(text: str) -> tuple[str, str]:
    """(the words without the format, the format): `本月 csv`, `本月csv`, `上个月 PDF`."""
    for word in sorted(FORMATS, key=len, reverse=True):
        if text.endswith(word):
            return text[: -len(word)].strip(), FORMATS[word]
    return text, "xlsx"


def _range(text: str, today: date) -> tuple[date, date] | None:
    """Two days with a separator between (`2026-10-01..2026-10-15`, `11月1日-11月15日`,
    `11月1日至今`): tried at every separator, since ISO dates hold hyphens themselves."""
    for found in SEPARATORS.finditer(text):
        left, right = text[: found.start()].strip(), text[found.end():].strip()
        first = parse_day(left, today) if left else None
        last = today if right in NOW_WORDS else parse_day(right, today) if right else None
        if first is not None and last is not None:
            return first, last
    return None


def parse_export(text: str, today: date) -> Asked | None:
    """The period and format; None for words that are neither, or a period not yet begun."""
    rest, fmt = _format(" ".join(unicodedata.normalize("NFKC", text).casefold().split()))
    if not rest and today.day <= LAST_MONTH_UNTIL:  # month-end paperwork: the month before
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        return Asked(first, month_end(first), fmt)
    span = (
        parse_period(rest, today) if rest not in BEFORE
        else _before(BEFORE[rest], today)
    )
    if span is not None:
        return Asked(span.first, span.last, fmt)
    days = _range(rest, today)
    if days is None:
        day = parse_day(rest, today) if rest else None
        days = (day, day) if day is not None else None
    if days is None or days[0] > days[1] or days[0] > today or days[0] < daybook.EARLIEST:
        return None
    return Asked(days[0], min(days[1], today), fmt)


def _before(kind: str, today: date) -> daybook.Span:
    """Last week (Monday to Sunday) or last year, whole."""
    if kind == "week":
        monday = today - timedelta(days=today.weekday() + 7)
        return daybook.span("week", monday, today)
    return daybook.span("year", date(today.year - 1, 1, 1), today)


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
    typed = command_args(message)
    asked = parse_export(typed, local_today(zone, now))
    if asked is None:
        await context.reply(update, views.documents.export_usage(t, typed), kind="export")
        return
    if org is not None:
        async with services.sessions() as session:
            if not await orgs.team_ids(session, org.id):
                await message.reply_text(views.documents.no_teams_yet(t))
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
