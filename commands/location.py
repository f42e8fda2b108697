"""Location at the place, where a team wants it (`checkin_proof = location`).

A leader sets a place's position: `/place locate <place> [radius]` in the group, then a
Telegram location sent to the bot privately. A volunteer's scan (or `/checkin` sent
privately) then asks for their current location with a one-tap "share location" keyboard:
within the place's radius they are checked in; outside, the attempt is recorded and refused
with the distance. A forwarded location, or one sent more than two minutes after the
request, is refused. Telegram cannot tell a point picked on the map from the phone's
position, so a location is a check, not proof; only the distance is kept, after one consent
tap (declining means the hours wait for a leader).
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from telegram import (
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.error import Forbidden

from bot import render, views
from bot.acks import Ack, AckKey
from bot.context import DutyContext, GroupInfo, sent_at, user_ref
from bot.i18n import Translator, translator
from bot.views import places as view
from commands.people import member_in_group
from storage import attendance, documents, duties, groups, members, places
from storage.attendance import CheckSource
from storage.cleaning import name_key
from storage.db import reading, transaction
from storage.models import Group, GroupStatus, Place
from storage.settings import settings_of

LOCATE, WHERE = "locate", "where"
LOCATE_VALID = timedelta(minutes=10)  # a leader walking over to the place
WHERE_VALID = timedelta(minutes=2)  # the volunteer's location must come at once
WHERE_KEPT = timedelta(minutes=30)  # a later one is answered "too late", not "unasked"
REMEMBERED = timedelta(days=1)  # an expired question is still recognised for a day


def parse_radius(word: str) -> int | None:
    """`200`, `200米`, `200m` → 200 (metres, 10 to 2,000)."""
    text = unicodedata.normalize("NFKC", word).casefold().removesuffix("米").removesuffix("m")
    if not text.strip().isdecimal():
        return None
    value = int(text)
    return value if 10 <= value <= places.MAX_RADIUS else None


def _share_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(view.share_button(t), request_location=True)]],
        resize_keyboard=True, one_time_keyboard=True,
    )


async def _request(context: DutyContext, user_id: int, kind: str, group_id: int,
                   params: dict[str, object], language: str, valid: timedelta) -> None:
    services = context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.person_of(session, user_id)
        assert person is not None
        await documents.expire_requests(session, person.id, (LOCATE, WHERE), now=now)
        documents.new_request(session, kind=kind, person=person, group_id=group_id,
                              org_id=None, params=params, language=language, now=now,
                              valid=valid)


async def locate_command(update: Update, context: DutyContext, words: list[str]) -> None:
    """/place locate <place> [radius]: the position comes next, privately."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and context.group is not None
    t = context.translator_for(update)
    group, services = context.group, context.services
    radius = parse_radius(words[-1]) if len(words) > 2 else None
    typed = " ".join(words[1:-1] if radius is not None else words[1:])
    async with services.sessions() as session:
        name = await places.find(session, group.id, typed) if typed else None
        known = await places.names(session, group.id)
        if name is None and len(words) > 2:  # the last word may be a radius mistyped
            name = await places.find(session, group.id, " ".join(words[1:-1]))
            if name is not None:
                await context.reply(update, view.bad_radius(t, words[-1]), kind="place")
                return
        had = await places.place_named(session, group.id, name) if name else None
    if name is None:
        text = (view.unknown_place(t, typed, known) if typed
                else view.locate_usage(t))
        await context.reply(update, text, kind="place")
        return
    radius = radius or (had.radius if had is not None else places.DEFAULT_RADIUS)
    async with transaction(services.sessions) as session:
        await members.upsert_person(session, user_ref(user), now=services.clock.now())
    await _request(context, user.id, LOCATE, group.id, {"place": name, "radius": radius},
                   t.language, LOCATE_VALID)
    try:
        await context.bot.send_message(user.id, view.send_position(t, name),
                                       reply_markup=_share_keyboard(t))
    except Forbidden:
        await context.reply(update, view.start_me_first_locate(t), kind="place")
        return
    await context.reply(update, views.labels.sent_privately(t), kind="place")


async def begin(context: DutyContext, user: User, team: Group, place: str | None) -> str:
    """A check-in that needs the volunteer's location: ask consent once, then ask for the
    location. Returns the text to answer with now ("" when the question was sent)."""
    t = translator(team.language)
    user_id = user.id
    now = context.services.clock.now()
    async with reading(context.services.sessions) as session:  # only looks: locks nothing
        person = await members.person_of(session, user_id)
        consent = person.location_consent if person is not None else None
        current = (await attendance.open_attendance(session, person.id, lock=False)
                   if person else None)
        open_now = {name_key(p) for p in await attendance.open_places(session, team, now)}
        found = await places.place_named(session, team.id, place) if place else None
        place_id = found.id if found is not None else 0
        located = [p for p in await places.positions(session, team.id)
                   if name_key(p) in open_now]
    wanted = name_key(place) if place else None
    if current is not None or not open_now or (wanted is not None and wanted not in open_now):
        # Nothing to check a location for: already in, or no shift open here now (the
        # answer says when one opens); nothing is recorded by asking.
        return await _check_in(context, user, team, place, None, t)
    if (found is None or found.latitude is None) if place else not located:
        # The place has no position yet: checked in all the same, a leader confirms.
        return view.no_position_yet(t) + "\n" + await _check_in(context, user, team, place,
                                                                None, t)
    if consent is None:
        async with transaction(context.services.sessions) as session:
            if person is not None:  # this question replaces any older one
                await documents.expire_requests(session, person.id, (LOCATE, WHERE), now=now)
        await context.bot.send_message(user_id, view.consent_question(t),
                                       reply_markup=view.consent_keyboard(t, team.id, place_id))
        return ""
    await _ask(context, user_id, team, place, t)
    return ""


async def _ask(context: DutyContext, user_id: int, team: Group, place: str | None,
               t: Translator) -> None:
    await _request(context, user_id, WHERE, team.id, {"place": place}, t.language, WHERE_KEPT)
    await context.bot.send_message(user_id, view.share_now(t, place),
                                   reply_markup=_share_keyboard(t))


async def tap_consent(update: Update, context: DutyContext) -> None:
    """locok:<group>:<place> / locno:…: the one consent tap before the first location."""
    query, user = update.callback_query, update.effective_user
    if query is None or query.data is None or user is None:
        return
    action, group_id, place_id = query.data.split(":")
    services = context.services
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=services.clock.now())
        if action == "locok":  # a "no" is for this time only: asked again next time
            places.consent_to_location(session, person, actor=user.id,
                                       now=services.clock.now())
        team = await session.get(Group, int(group_id))
        place = await session.get(Place, int(place_id)) if int(place_id) else None
        name = place.name if place is not None else None
    await query.answer()
    t = translator(team.language if team is not None else "zh_CN")
    if isinstance(query.message, Message):
        await services.outgoing.edit_in_group(
            query.message.chat.id, query.message.message_id,
            view.consent_question(t) + "\n" + view.consent_answer(t, action == "locok"), None)
    if team is None or team.status is not GroupStatus.ACTIVE:
        return
    if action == "locok":
        await _ask(context, user.id, team, name, t)
    else:
        await context.bot.send_message(user.id, await _check_in(context, user, team, name,
                                                                None, t))


async def private_checkin(update: Update, context: DutyContext) -> None:
    """/checkin privately: for a team that checks in by location (several: which one)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    async with context.services.sessions() as session:
        person = await members.person_of(session, user.id)
        mine = await groups.of_person(session, person.id) if person is not None else []
    teams = [g for g in mine if settings_of(g).checkin_proof == "location"]
    if not teams:
        await message.reply_text(render.group_only(t, "checkin"))
        return
    if len(teams) > 1:
        await message.reply_text(view.which_team(t), reply_markup=view.team_keyboard(teams))
        return
    text = await begin(context, user, teams[0], None)
    if text:
        await message.reply_text(text)


async def tap_team(update: Update, context: DutyContext) -> None:
    """wherego:<group>: the team a private /checkin is for."""
    query, user = update.callback_query, update.effective_user
    if query is None or query.data is None or user is None:
        return
    async with context.services.sessions() as session:
        team = await session.get(Group, int(query.data.split(":")[1]))
        person = await members.person_of(session, user.id)
        member = person is not None and team is not None and any(
            g.id == team.id for g in await groups.of_person(session, person.id))
    await query.answer()
    if team is None or not member:
        return
    text = await begin(context, user, team, None)
    if text:
        await context.bot.send_message(user.id, text)


async def location_message(update: Update, context: DutyContext) -> None:
    """A location sent privately: a place's position (a leader), or a check-in."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.location is None:
        return
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    async with services.sessions() as session:
        person = await members.person_of(session, user.id)
        request = await documents.latest_request(session, person.id, (LOCATE, WHERE), now=now
                                                 ) if person is not None else None
        team = (await session.get(Group, request.group_id)
                if request is not None and request.group_id is not None else None)
        lately = await documents.latest_request(
            session, person.id, (LOCATE, WHERE), now=now - REMEMBERED, expired_too=True,
        ) if person is not None and request is None else None
    if request is None or team is None:
        text = (view.locate_again(t) if lately is not None and lately.kind == LOCATE
                else view.late_location(t) if lately is not None
                else view.location_unasked(t))
        await message.reply_text(text, reply_markup=ReplyKeyboardRemove())
        return
    async with transaction(services.sessions) as session:
        await documents.use_request(session, request.id, now=now)  # one location a question
    latitude, longitude = message.location.latitude, message.location.longitude
    if request.kind == LOCATE:
        if not await context.leads(team.telegram_chat_id, team.id, user.id):
            await message.reply_text(view.no_longer_leader_to_locate(t),
                                     reply_markup=ReplyKeyboardRemove())
            return
        async with transaction(services.sessions) as session:
            spot = await places.set_position(
                session, team, str(request.params["place"]), latitude, longitude,
                int(request.params["radius"]), actor=user.id, now=now)
            text = view.position_set(t, spot.name, spot.radius)
        await message.reply_text(text, reply_markup=ReplyKeyboardRemove())
        return
    wanted = request.params.get("place")
    place = str(wanted) if wanted else None
    if message.forward_origin is not None:
        text = view.forwarded_location(t)
    elif sent_at(message, now) - request.created_at > WHERE_VALID:
        text = view.late_location(t)
    else:
        text = await _check_in(context, user, team, place, (latitude, longitude), t)
    await message.reply_text(text, reply_markup=ReplyKeyboardRemove())


async def _check_in(context: DutyContext, user: User, team: Group, place: str | None,
                    point: tuple[float, float] | None, t: Translator) -> str:
    """Check in by location (within the radius), or without one (the volunteer declined:
    the hours wait for a leader); the answer to send."""
    services = context.services
    user_id = user.id
    group = GroupInfo.of(team)
    gt = translator(team.language)
    now = services.clock.now()
    # Without a location: from a scan of the place's poster, or from /checkin privately.
    source = CheckSource.SCAN if place is not None else CheckSource.PRIVATE
    async with transaction(services.sessions) as session:
        membership, person, row = await member_in_group(session, group, user, now=now)
        if point is not None:
            among = [place] if place else await attendance.open_places(session, row, now)
            judged = await places.judge_location(session, team.id, *point, among=among,
                                                 actor=user_id, now=now)
            if judged is None:
                return view.no_position(t, place)
            if isinstance(judged, places.TooFar):
                return view.too_far(t, judged.place.name, judged.distance, judged.place.radius)
            place, source = judged.place.name, CheckSource.LOCATION
        result = await attendance.check_in(session, row, person, at=now, place=place,
                                           source=source, now=now)
        shift = getattr(result, "shift", None) or getattr(result, "next_shift", None)
        duty = await duties.of_shift(session, shift)
        text = views.attendance.checkin_outcome(
            gt, membership.display_name, result, duty, team.timezone,
            unproven="" if source is CheckSource.LOCATION else "location")
        checked_in = isinstance(result, attendance.CheckedIn)
        topic = settings_of(row).topic or None
    if checked_in:
        mark = view.located_mark(gt) if source is CheckSource.LOCATION else view.scanned_mark(gt)
        await services.acks.add(AckKey(team.telegram_chat_id, topic, "checkin"),
                                Ack(text=text + mark, reply_to=None))
    return text

