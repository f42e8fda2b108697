"""/place and scanning a place's code.

`/place` lists the team's places; `/place qr <place> [new]` (leaders) sends the place's
check-in poster privately — a poster posted in the group would work from home — and `new`
replaces its code (old posters stop working). Scanning the poster opens the private chat
with `start=p-<token>`: the bot checks the volunteer in at that place (their claimed
shift, else a walk-in there), and a second scan checks them out. Posters hang where
passers-by can scan them, so only a member of the team's Telegram group is recorded.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import InputFile, Message, Update
from telegram.error import Forbidden

from bot import views
from bot.acks import Ack, AckKey
from bot.context import DutyContext, GroupInfo, button_number
from bot.documents.poster import poster_pdf, poster_png, scan_link
from bot.i18n import Translator, translator
from bot.leaders import chat_member, in_group
from bot.views import places as view
from bot.views.labels import at_label, hours_label
from commands import location
from commands.people import member_in_group
from commands.signup import command_args
from storage import attendance, duties, places
from storage.attendance import CheckSource
from storage.cleaning import name_key
from storage.db import transaction
from storage.models import Attendance, Group, GroupStatus, Shift
from storage.settings import settings_of

SCANNED = (CheckSource.SCAN, CheckSource.LOCATION)
QR_WORDS = {"qr", "code", "poster", "二维码", "签到码", "海报"}
NEW_WORDS = {"new", "换新", "换码", "重新生成"}
LOCATE_WORDS = {"locate", "location", "位置", "定位"}


async def place_command(update: Update, context: DutyContext) -> None:
    """/place, /place qr <place> [new]."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.group is None:
        return
    t = context.translator_for(update)
    group, services = context.group, context.services
    words = command_args(message).split()
    if words and words[0].casefold() in LOCATE_WORDS:
        if not await context.refused_unless_leader(update):
            await location.locate_command(update, context, words)
        return
    if not words or words[0].casefold() not in QR_WORDS:
        async with services.sessions() as session:
            known = await places.names(session, group.id)
            coded = await places.with_codes(session, group.id)
        await context.reply(update, view.place_list(t, known, coded), kind="place")
        return
    if await context.refused_unless_leader(update):
        return
    renew = len(words) > 2 and words[-1].casefold() in NEW_WORDS
    typed = " ".join(words[1:-1] if renew else words[1:])
    async with services.sessions() as session:
        name = await places.find(session, group.id, typed) if typed else None
        known = await places.names(session, group.id)
    if name is None:
        await context.reply(update, view.unknown_place(t, typed, known), kind="place")
        return
    async with services.sessions() as session:
        sent = None if renew else await places.posters(session, group.id, name)
    try:
        if sent is not None:  # the same code: Telegram has its posters
            await context.bot.send_photo(user.id, sent[1], caption=view.poster_caption(t, name))
            await context.bot.send_document(user.id, sent[0])
        else:  # a new code, stored once its posters reached the leader
            token = places.new_token()
            link = scan_link(context.bot.username, token)
            png = await asyncio.to_thread(poster_png, t, name, group.title, link)
            pdf = await asyncio.to_thread(poster_pdf, t, name, group.title, link)
            photo = await context.bot.send_photo(
                user.id, InputFile(png, filename=view.poster_file(t, name, "png")),
                caption=view.poster_caption(t, name, renewed=renew))
            document = await context.bot.send_document(
                user.id, InputFile(pdf, filename=view.poster_file(t, name, "pdf")))
            assert photo.photo and document.document
            async with transaction(services.sessions) as session:
                row = await session.get(Group, group.id)
                assert row is not None
                await places.set_code(session, row, name, token,
                                      pdf=document.document.file_id,
                                      png=photo.photo[-1].file_id, actor=user.id,
                                      now=services.clock.now())
    except Forbidden:
        await context.reply(update, view.start_me_first(t), kind="place")
        return
    await context.reply(update, views.labels.sent_privately(t), kind="place")


async def scan(update: Update, context: DutyContext, token: str) -> None:
    """/start p-<token>: a scan of a place's code checks in, or out."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    services = context.services
    async with services.sessions() as session:
        place = await places.by_token(session, token)
        row = await session.get(Group, place.group_id) if place is not None else None
    if place is None or row is None or row.status is not GroupStatus.ACTIVE:
        await message.reply_text(view.code_gone(t))
        return
    member = await chat_member(context.bot, row.telegram_chat_id, user.id)
    if member is None or not in_group(member):  # a passer-by: nothing is recorded
        await message.reply_text(view.not_a_member(t, row.title))
        return
    group = GroupInfo.of(row)
    gt = translator(group.language)
    topic = settings_of(row).topic or None
    now = services.clock.now()
    ask_first: int | None = None
    kind = ""
    async with transaction(services.sessions) as session:
        membership, person, team = await member_in_group(session, group, user, now=now)
        closed = [a for a in await attendance.close_overdue(session, now=now,
                                                             person_id=person.id)
                  if a.group_id == group.id]
        current = await attendance.open_attendance(session, person.id)
        least = settings_of(team).min_presence
        there = await attendance.place_of(session, current) if current is not None else None
        if current is not None and current.group_id != group.id:
            other = await session.get(Group, current.group_id)
            text = view.open_in_other_team(t, other.title if other is not None else "?")
        elif current is not None and name_key(there or "") != name_key(place.name):
            assert current.checkin_at is not None
            text = view.open_elsewhere(t, there or "?",
                                       at_label(t, current.checkin_at, group.timezone))
        elif current is not None and current.checkin_source not in SCANNED:
            assert current.checkin_at is not None  # checked in from the group: arriving?
            ask_first = current.id
            text = view.checked_in_by_command(
                t, at_label(t, current.checkin_at, group.timezone))
        elif current is not None and (
            current.checkin_at is not None
            and now - current.checkin_at < timedelta(minutes=least)
        ):
            ask_first = current.id  # a second scan soon after the first: ask
            text = view.leave_so_soon(t, least)
        elif current is not None:
            out = await attendance.check_out(session, team, person, at=now, now=now,
                                             source=CheckSource.SCAN)
            duty = await duties.of_shift(session, getattr(out, "shift", None))
            text = views.attendance.checkout_outcome(gt, membership.display_name, out, duty,
                                                     group.timezone)
            kind = "checkout" if isinstance(out, attendance.CheckedOut) else ""
        elif settings_of(team).checkin_proof == "location":
            text = ""  # the team wants a location at the place: asked next
        else:
            result = await attendance.check_in(session, team, person, at=now,
                                               place=place.name, source=CheckSource.SCAN,
                                               now=now)
            shift = getattr(result, "shift", None) or getattr(result, "next_shift", None)
            duty = await duties.of_shift(session, shift)
            text = views.attendance.checkin_outcome(gt, membership.display_name, result, duty,
                                                    group.timezone)
            kind = "checkin" if isinstance(result, attendance.CheckedIn) else ""
        note = ""
        if closed:  # a forgotten check-out the bot closed just now: said first
            forgotten = closed[0]
            assert forgotten.checkin_at is not None
            note = view.closed_forgotten(
                t, at_label(t, forgotten.checkin_at, group.timezone),
                hours_label(t, forgotten.minutes or 0)) + "\n"
    if ask_first is not None:
        await message.reply_text(note + text, reply_markup=view.leave_keyboard(t, ask_first))
        return
    if not text:
        if note:
            await message.reply_text(note.strip())
        text = await location.begin(context, user, row, place.name)
        if text:
            await message.reply_text(text)
        return
    await message.reply_text(note + text)
    if kind:
        await _tell_group(context, group, topic, kind, gt, text)


async def _tell_group(context: DutyContext, group: GroupInfo, topic: int | None, kind: str,
                      gt: Translator, text: str) -> None:
    """The group sees a scanned check-in as any other (coalesced), marked 扫码."""
    await context.services.acks.add(
        AckKey(group.chat_id, topic, kind), Ack(text=text + view.scanned_mark(gt), reply_to=None)
    )


async def tap_stay(update: Update, context: DutyContext) -> None:
    """scanstay:<attendance>: still on duty (a second scan by mistake)."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if isinstance(query.message, Message):
        await context.services.outgoing.edit_in_group(
            query.message.chat.id, query.message.message_id,
            view.stay(context.translator_for(update)), None)


async def tap_leave(update: Update, context: DutyContext) -> None:
    """scanout:<attendance>: yes, check me out now (a second scan soon after the first)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    attendance_id = button_number(update)
    async with services.sessions() as session:
        found = await session.get(Attendance, attendance_id) if attendance_id else None
        row = await session.get(Group, found.group_id) if found is not None else None
    if found is None or row is None or not found.is_open:
        await query.answer(view.nothing_open(t), show_alert=True)
        return
    group = GroupInfo.of(row)
    gt = translator(group.language)
    topic = settings_of(row).topic or None
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        membership, person, team = await member_in_group(session, group, user, now=now)
        if found.person_id != person.id:
            text = ""
        else:
            out = await attendance.check_out(session, team, person, at=now, now=now,
                                             source=CheckSource.SCAN)
            shift = await session.get(Shift, found.shift_id) if found.shift_id else None
            duty = await duties.of_shift(session, shift)
            text = views.attendance.checkout_outcome(gt, membership.display_name, out, duty,
                                                     group.timezone)
            done = isinstance(out, attendance.CheckedOut)
    await query.answer()
    if not text:
        return
    if isinstance(query.message, Message):
        await services.outgoing.edit_in_group(query.message.chat.id, query.message.message_id,
                                              text, None)
    if done:  # a second tap checked nobody out: the group hears nothing
        await _tell_group(context, group, topic, "checkout", gt, text)
