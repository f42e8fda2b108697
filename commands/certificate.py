"""/certificate and /verify: service certificates (服务证明).

A leader asks in the group (`/certificate 王阿姨 2026`), or the volunteer with /me's button;
the organisation's office staff issue with a button, and the PDF goes privately to the
volunteer and the issuer. Anyone checks a number with `/verify <number>` or the QR code's
link (`start=v-<number>`); staff withdraw one with `/certificate revoke <number> [reason]`.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import Forbidden

from bot import views
from bot.context import DutyContext, button_number, user_ref
from bot.documents.certificate_pdf import certificate_pdf
from bot.documents.fonts import unprintable
from bot.i18n import language_for_user, translator
from bot.throttle import CommandThrottle, Verdict
from commands.export import parse_export
from commands.people import words_without_mentions
from commands.record import _people_named
from commands.signup import command_args
from storage import certificates, members, orgs
from storage.db import SessionFactory, transaction
from storage.duties import local_today
from storage.models import Certificate, CertificateStatus, Group, Organisation, Person

REVOKE_WORDS = {"revoke", "撤销", "作废"}
SEND_WORDS = {"send", "补发", "重发"}
# /verify answers per person: VERIFY_LIMIT at once, then VERIFY_LIMIT a VERIFY_WINDOW (one
# every six minutes): numbers are not to be guessed.
VERIFY_LIMIT = 10
VERIFY_WINDOW = timedelta(hours=1)
ANY_CHAT = 0  # /verify counts a person's answers in every chat together


def verify_limit(sessions: SessionFactory) -> CommandThrottle:
    """VERIFY_LIMIT at once, then one every VERIFY_WINDOW / VERIFY_LIMIT: a bucket per person
    in the database, whichever instance answers (and in the clock the tests move)."""
    return CommandThrottle(burst=VERIFY_LIMIT,
                           every=VERIFY_WINDOW.total_seconds() / VERIFY_LIMIT, queue=0,
                           shared=sessions)


def _period(words: list[str], today: date) -> tuple[date, date] | None:
    """This year so far by default; else a year, a month or days as /export reads them."""
    if not words:
        return today.replace(month=1, day=1), today
    asked = parse_export(" ".join(words), today)
    if asked is None or asked.format != "xlsx":
        return None
    return asked.first, asked.last


async def certificate(update: Update, context: DutyContext) -> None:
    """Ask for a volunteer's certificate (leaders, in the group); revoke one (staff)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    if context.group is None:
        words = unicodedata.normalize("NFKC", command_args(message)).split()
        await _privately(update, context, words)
        return
    if await context.refused_unless_leader(update):
        return
    group = context.group
    services = context.services
    words = words_without_mentions(message, unicodedata.normalize("NFKC", command_args(message)))
    async with services.sessions() as session:
        org = await orgs.org_of_group(session, group.id)
    if org is None:
        await context.reply(update, views.certificates.no_organisation(t), kind="certificate")
        return
    people, rest = await _people_named(context, message, group.id, words)
    period = _period(rest, local_today(group.timezone, services.clock.now()))
    if len(people) != 1 or period is None:
        await context.reply(update, views.certificates.usage(t), kind="certificate")
        return
    await _ask(context, update, org, people[0], period, group_id=group.id)


async def _ask(
    context: DutyContext, update: Update, org: Organisation, person: Person,
    period: tuple[date, date], *, group_id: int | None,
) -> None:
    """Record the request and put it before the office's staff."""
    user = update.effective_user
    assert user is not None
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    # The real name is for documents and the office: the group hears the roster name.
    name = (await _roster_name(context, person) if group_id is not None
            else person.real_name or person.telegram_name)
    real = person.real_name or name
    own = person.telegram_user_id == user.id
    team = context.group.title if context.group is not None else None
    async with transaction(services.sessions) as session:
        result = await certificates.request(
            session, org, person, first=period[0], last=period[1], requested_by=user.id,
            group_id=group_id, now=now,
        )
        staff = await orgs.staff_people(session, org.id)
        number = (await orgs.member_of(session, org.id, person.id))
        label = orgs.volunteer_number(org, number) if number is not None else ""
    match result:
        case certificates.NoRealName():
            text = (views.certificates.no_real_name_yours(t) if own
                    else views.certificates.no_real_name(t, await _roster_name(context, person)))
        case certificates.NoHours():
            text = views.certificates.no_hours(t, None if own else name, *period)
        case certificates.AlreadyAsked(waiting):
            text = views.certificates.already_asked(t, org.name, waiting,
                                                    services.settings.bot.timezone)
        case certificates.Requested(found, minutes):
            text = views.certificates.asked(t, org.name, None if own else name, *period)
            asker = user.full_name if own else await _roster_name_of(context, user.id)
            for member in staff:
                st = translator(language_for_user(member.language_code,
                                                  services.settings.bot.language))
                await services.outgoing.to_person(
                    members.ref_of(member),
                    views.certificates.request_for_staff(
                        st, real, label, *period, minutes, asker=asker, team=team),
                    markup=views.certificates.decide_keyboard(st, found.id),
                )
    await context.reply(update, text, kind="certificate")


async def _roster_name_of(context: DutyContext, telegram_id: int) -> str:
    async with context.services.sessions() as session:
        person = await members.person_of(session, telegram_id)
        name = await members.roster_name(session, person.id) if person is not None else None
    return name or ""


async def _roster_name(context: DutyContext, person: Person) -> str:
    async with context.services.sessions() as session:
        return await members.roster_name(session, person.id) or person.telegram_name


async def tap_ask(update: Update, context: DutyContext) -> None:
    """/me's button: the volunteer asks for this year's certificate."""
    query = update.callback_query
    if query is None:
        return
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(query.from_user), now=now)
        scopes = [s for s in await orgs.scopes_of_person(session, person.id) if s.org is not None]
    await query.answer()
    if not scopes:
        await context.bot.send_message(query.from_user.id, views.certificates.no_organisation(t))
        return
    org = scopes[0].org
    assert org is not None
    today = local_today(services.settings.bot.timezone, now)
    which = query.data.partition(":")[2] if query.data else ""
    if which == "last":
        period = (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    elif which == "this":
        period = (today.replace(month=1, day=1), today)
    else:  # /me's button: which year (in January, this year has hardly begun)
        await context.bot.send_message(
            query.from_user.id, views.certificates.which_year(t),
            reply_markup=views.certificates.which_year_keyboard(t, today),
        )
        return
    await _ask(context, update, org, person, period, group_id=None)


async def tap_decide(update: Update, context: DutyContext) -> None:
    """Office staff issue (certok) or decline (certno) a requested certificate."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    issue = query.data.startswith("certok:")
    certificate_id = button_number(update)
    if certificate_id is None:
        await query.answer(views.certificates.nothing_to_issue(t), show_alert=True)
        return
    async with services.sessions() as session:
        asked = await session.get(Certificate, certificate_id)
        staff = await members.person_of(session, query.from_user.id)
        allowed = asked is not None and staff is not None and await orgs.is_staff(
            session, asked.org_id, staff.id)
        volunteer = await session.get(Person, asked.person_id) if asked and allowed else None
        missing = unprintable(volunteer.real_name or "") if issue and volunteer else ""
    if missing:  # the PDF would drop part of the name: never issue that (staff are told)
        await query.answer(views.certificates.unprintable(t, missing), show_alert=True)
        return
    async with transaction(services.sessions) as session:
        found = await session.get(Certificate, certificate_id)
        staff = await members.person_of(session, query.from_user.id)
        if found is None or staff is None or not await orgs.is_staff(
            session, found.org_id, staff.id
        ):
            result: certificates.DecideResult | None = None
        else:
            result = await certificates.decide(
                session, certificate_id, issue=issue, staff=staff, now=now,
                today=local_today(services.settings.bot.timezone, now),
            )
            if not isinstance(result, certificates.Issued | certificates.Declined
                              | certificates.NoticeStarted):
                session.expunge_all()
    match result:
        case None:
            await query.answer(views.certificates.staff_only(t), show_alert=True)
        case certificates.Issued(done, person):
            await query.answer(views.certificates.issued_toast(t))
            await _decided(context, query.message, views.certificates.issued_line(
                t, done.number or "", int((done.snapshot or {}).get("minutes", 0))))
            await _deliver(context, done, person, query.from_user.id)
            await _notice_decided(context, done, issued=True)
        case certificates.Declined(declined):
            await query.answer(views.certificates.declined_toast(t))
            await _decided(context, query.message, views.certificates.declined_line(t))
            dt = translator(services.settings.bot.language)
            async with services.sessions() as session:
                volunteer = await session.get(Person, declined.person_id)
                name = (await members.roster_name(session, declined.person_id)
                        if volunteer is not None else None) or ""
            period = (declined.first, declined.last)
            if volunteer is None or volunteer.telegram_user_id != declined.requested_by:
                await _tell(context, None, views.certificates.not_issued(dt, name, *period),
                            telegram_id=declined.requested_by)
            await _tell(context, declined.person_id,
                        views.certificates.not_issued(dt, None, *period))
            await _notice_decided(context, declined, issued=False)
        case certificates.NoticeStarted(noticed, person, _minutes, _days):
            await query.answer(views.certificates.notice_toast(t))
            assert noticed.notice_until is not None
            until = _local(noticed.notice_until, context) or noticed.last
            team = await _announce(context, noticed, person)
            await _decided(context, query.message, views.certificates.notice_line(t, team, until),
                           views.certificates.stop_notice_keyboard(t, noticed.id))
        case certificates.AlreadyDecided():
            await query.answer(views.certificates.already_decided(t))
        case certificates.NoRealName():
            await query.answer(views.certificates.no_real_name_now(t), show_alert=True)
        case certificates.NoHours() | certificates.NotFound():
            await query.answer(views.certificates.nothing_to_issue(t), show_alert=True)


async def _announce(context: DutyContext, noticed: Certificate, person: Person) -> str:
    """The public notice (组织公示) in the team's group, with the objection button (the
    group hears the roster name); its message is kept, to say the outcome. The team's
    name."""
    assert noticed.group_id is not None
    services = context.services
    async with services.sessions() as session:
        group = await session.get(Group, noticed.group_id)
        name = await members.roster_name(session, person.id, noticed.group_id)
    if group is None:
        return ""
    gt = translator(group.language)
    posted = await services.outgoing.to_group(
        group.telegram_chat_id,
        views.certificates.notice_text(gt, noticed, name or person.telegram_name,
                                       group.timezone),
        markup=views.certificates.object_keyboard(gt, noticed.id),
    )
    if posted is not None:
        async with transaction(services.sessions) as session:
            await certificates.noticed_at(session, noticed.id, posted.message_id)
    return group.title


async def _notice_decided(context: DutyContext, decided: Certificate, *, issued: bool) -> None:
    """After a notice: its message in the group says what the office decided, and whoever
    objected hears it."""
    if decided.notice_message_id is None or decided.group_id is None:
        return
    services = context.services
    async with services.sessions() as session:
        group = await session.get(Group, decided.group_id)
        name = await members.roster_name(session, decided.person_id, decided.group_id) or "?"
        objector = (await members.person_of(session, decided.objected_by)
                    if decided.objected_by is not None else None)
    if group is None:
        return
    gt = translator(group.language)
    outcome = (views.certificates.notice_declined(gt) if not issued
               else views.certificates.notice_issued_after_all(gt) if objector is not None
               else views.certificates.notice_issued(gt))
    await services.outgoing.edit_in_group(
        group.telegram_chat_id, decided.notice_message_id,
        views.certificates.notice_text(gt, decided, name, group.timezone) + "\n" + outcome,
        None,
    )
    if objector is not None:
        ot = translator(language_for_user(objector.language_code, group.language))
        await services.outgoing.to_person(
            members.ref_of(objector), views.certificates.decision_for_objector(ot, name, issued))


async def tap_object(update: Update, context: DutyContext) -> None:
    """certobj:<id>: a leader of the team or a staff member objects during the notice; the
    staff member who approved decides again."""
    query = update.callback_query
    if query is None:
        return
    t = context.translator_for(update)
    services = context.services
    certificate_id = button_number(update)
    user = query.from_user
    async with services.sessions() as session:
        found = (await session.get(Certificate, certificate_id)
                 if certificate_id is not None else None)
        group = (await session.get(Group, found.group_id)
                 if found is not None and found.group_id is not None else None)
        person = await members.person_of(session, user.id)
        staff = found is not None and person is not None and await orgs.is_staff(
            session, found.org_id, person.id)
    if found is None or group is None:
        await query.answer(views.certificates.not_on_notice(t), show_alert=True)
        return
    if not staff and not await context.leads(group.telegram_chat_id, group.id, user.id):
        await query.answer(views.certificates.objectors_only(t), show_alert=True)
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        result = await certificates.object_to(session, found.id, actor=user.id, now=now)
        if isinstance(result, certificates.Objected):
            volunteer = await session.get(Person, found.person_id)
            approver = await members.person_of(session, result.certificate.decided_by or 0)
            who = (await members.roster_name(session, person.id, group.id)
                   if person is not None else None) or user.full_name
            minutes = sum(s.minutes for s in await certificates.served_in(
                session, found.org_id, found.person_id, found.first, found.last))
    if not isinstance(result, certificates.Objected):
        await query.answer(views.certificates.held_already(t) if result.held
                           else views.certificates.not_on_notice(t), show_alert=True)
        return
    await query.answer(views.certificates.objected_toast(t))
    await _decided(context, query.message, views.certificates.objected_in_group(t))
    if approver is None or volunteer is None:
        return
    st = translator(language_for_user(approver.language_code, services.settings.bot.language))
    await services.outgoing.to_person(
        members.ref_of(approver),
        views.certificates.objection_for_staff(
            st, who, volunteer.real_name or volunteer.telegram_name, found.first, found.last,
            minutes),
        markup=views.certificates.decide_keyboard(st, found.id),
    )


async def _decided(context: DutyContext, message: object, outcome: str,
                   markup: InlineKeyboardMarkup | None = None) -> None:
    """The staff message says what became of the request (its buttons gone, or `markup`)."""
    if isinstance(message, Message):
        await context.services.outgoing.edit_in_group(
            message.chat.id, message.message_id, f"{message.text_html}\n{outcome}", markup
        )


async def _deliver(context: DutyContext, done: Certificate, person: Person, issuer: int) -> None:
    """The PDF to the issuer and, where the bot may write to them, the volunteer."""
    assert done.snapshot is not None and done.number is not None
    services = context.services
    t = translator(services.settings.bot.language)
    pdf = certificate_pdf(t, done.snapshot, done.number, context.bot.username)
    name = t.gettext("Certificate-{number}.pdf").format(number=done.number)
    caption = views.certificates.caption(t, done.snapshot, done.number)
    await context.bot.send_document(issuer, InputFile(pdf, filename=name), caption=caption)
    if person.telegram_user_id == issuer:
        return
    try:
        await context.bot.send_document(person.telegram_user_id, InputFile(pdf, filename=name),
                                        caption=caption)
    except Forbidden:
        await context.bot.send_message(issuer, views.certificates.hand_it_over(
            t, str(done.snapshot.get("name", "")), done.number))


async def _tell(context: DutyContext, person_id: int | None, text: str, *,
                telegram_id: int | None = None, unless: int | None = None) -> None:
    """A private word to someone (by person, or by Telegram id), if they started the bot:
    through the shell's one way of writing to a person."""
    async with context.services.sessions() as session:
        person = (await session.get(Person, person_id) if person_id is not None
                  else await members.person_of(session, telegram_id or 0))
        ref = members.ref_of(person) if person is not None else None
    if ref is not None and ref.telegram_user_id != unless:
        await context.services.outgoing.to_person(ref, text)


async def _privately(update: Update, context: DutyContext, words: list[str]) -> None:
    """Staff: `/certificate revoke <number> [reason]`; anyone else is told where to ask."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    verb = words[0].casefold() if words else ""
    if verb not in REVOKE_WORDS | SEND_WORDS or len(words) < 2:
        await message.reply_text(views.certificates.usage(t))
        return
    if verb in SEND_WORDS:
        await _send_again(context, update, words[1])
        return
    services = context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        staff = await members.person_of(session, user.id)
        org_id = await _staff_org_of_number(session, staff, words[1])
        if staff is None or org_id is None:
            result: certificates.RevokeResult | None = None
        else:
            result = await certificates.revoke(
                session, org_id, words[1], staff=staff,
                reason=" ".join(words[2:])[:certificates.MAX_REASON] or None,
                now=now,
            )
    match result:
        case None:
            await message.reply_text(views.certificates.staff_only(t))
        case certificates.Revoked(found):
            await message.reply_text(views.certificates.revoked(t, found.number or ""))
            await _tell(context, found.person_id, views.certificates.revoked_for_volunteer(
                translator(services.settings.bot.language), found.number or ""))
        case certificates.AlreadyRevoked(found):
            await message.reply_text(views.certificates.already_revoked(t, found.number or ""))
        case certificates.NotFound():
            await message.reply_text(views.certificates.unknown_number(t, words[1]))


async def _staff_org_of_number(
    session: AsyncSession, staff: Person | None, number: str
) -> int | None:
    """The organisation of the certificate with that number, if the person is its staff (of
    whichever of their organisations issued it)."""
    found = await certificates.by_number(session, number)
    if staff is None or found is None or not await orgs.is_staff(session, found.org_id, staff.id):
        return None
    return found.org_id


async def _send_again(context: DutyContext, update: Update, number: str) -> None:
    """Staff, or the volunteer it certifies: an issued certificate's PDF once more (a
    delivery that failed, a lost file)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    async with context.services.sessions() as session:
        asker = await members.person_of(session, user.id)
        org_id = await _staff_org_of_number(session, asker, number)
        found = await certificates.issued_in(session, org_id, number) if org_id else None
        if org_id is None and asker is not None:
            own = await certificates.by_number(session, number)
            if own is not None and own.person_id == asker.id:
                org_id = own.org_id
                found = own if own.status is CertificateStatus.ISSUED else None
        allowed = org_id is not None
    if not allowed:
        await message.reply_text(views.certificates.staff_only(t))
    elif found is None or found.snapshot is None or found.number is None:
        await message.reply_text(views.certificates.unknown_number(t, number))
    else:
        dt = translator(context.services.settings.bot.language)
        await message.reply_document(
            InputFile(certificate_pdf(dt, found.snapshot, found.number, context.bot.username),
                      filename=dt.gettext("Certificate-{number}.pdf").format(
                          number=found.number)),
            caption=views.certificates.caption(dt, found.snapshot, found.number),
        )


async def verify(update: Update, context: DutyContext) -> None:
    """/verify <number>: what anyone may learn from a certificate's number."""
    message = update.effective_message
    if message is None:
        return
    await verify_number(update, context, command_args(message))


async def verify_number(update: Update, context: DutyContext, number: str) -> None:
    """Answer for one number (also the QR code's link), at most VERIFY_LIMIT an hour."""
    user = update.effective_user
    if user is None:
        return
    t = context.translator_for(update)
    if not certificates.normal_number(number):
        await context.reply(update, views.certificates.verify_usage(t), kind="verify")
        return
    services = context.services
    decision = await services.verifications.check(
        ANY_CHAT, user.id, now=services.clock.now().timestamp())
    if decision.verdict is not Verdict.ANSWER:
        await context.reply(update, views.certificates.verify_slow_down(t), kind="verify")
        return
    async with services.sessions() as session:
        found = await certificates.verify(session, number)
    match found:
        case certificates.Verified(number=known, snapshot=snapshot, revoked_at=revoked_at):
            text = views.certificates.verified(t, known, snapshot, _local(revoked_at, context))
        case _:
            text = views.certificates.unknown_number(t, number)
    await context.reply(update, text, kind="verify")


def _local(at: datetime | None, context: DutyContext) -> date | None:
    return local_today(context.services.settings.bot.timezone, at) if at is not None else None
