"""/org: organisations (a community office and its teams), staff links, /realname."""

from __future__ import annotations

import re
import unicodedata

from telegram import CallbackQuery, Message, Update

from bot import render, views
from bot.context import DutyContext, button_number, user_ref
from bot.i18n import Translator, language_for_user, translator
from bot.permissions import is_bot_admin
from commands.hours_syntax import parse_day
from commands.signup import command_args
from storage import credit, members, orgs
from storage.cleaning import TextProblem, clean_name, clean_words
from storage.db import transaction
from storage.duties import local_today
from storage.models import Group, Organisation, Person, TokenKind

STAFF_LINK_PREFIX = "s-"
OPENING = re.compile(r"([0-9]{1,5}(?:\.[0-9]{1,2})?)\s*(?:h|小时)?", re.IGNORECASE)


def parse_opening_hours(raw: str) -> int | None:
    """`120`, `120h`, `85.5小时` → minutes (up to 99,999 hours)."""
    found = OPENING.fullmatch(unicodedata.normalize("NFKC", raw).strip())
    return round(float(found[1]) * 60) if found else None


async def org(update: Update, context: DutyContext) -> None:
    """/org …: privately for office staff and bot admins; /org join in a team's group."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    words = command_args(message).split(maxsplit=1)
    verb = unicodedata.normalize("NFKC", words[0]).casefold() if words else ""
    rest = words[1].strip() if len(words) > 1 else ""
    if context.group is not None:
        await _in_group(update, context, verb, rest)
        return
    handlers = {
        "new": _new, "code": _code, "invite": _invite, "settings": _settings,
        "opening": _opening, "": _overview,
    }
    handler = handlers.get(verb)
    if handler is None:
        await message.reply_text(views.orgs.org_usage(context.translator_for(update)))
        return
    await handler(update, context, rest)


async def _in_group(update: Update, context: DutyContext, verb: str, rest: str) -> None:
    user = update.effective_user
    group, services = context.group, context.services
    assert user is not None and group is not None
    t = context.translator_for(update)
    if verb == "":
        async with services.sessions() as session:
            current = await orgs.org_of_group(session, group.id)
        await context.reply(update, views.orgs.team_in_org(t, current), kind="org")
        return
    if verb != "join" or not rest:
        await context.reply(update, views.orgs.org_group_usage(t), kind="org")
        return
    if not await context.is_group_admin(user.id):
        await context.reply(update, render.admins_only(t), kind="refused")
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        row = await session.get(Group, group.id)
        assert row is not None
        result = await orgs.ask_to_join(session, row, rest, by=user.id, now=now)
        staff = (
            [members.ref_of(p) for p in await orgs.staff_people(session, result.org.id)]
            if isinstance(result, orgs.Asked) else []
        )
    match result:
        case orgs.Asked(found, team):
            await context.reply(update, views.orgs.asked_to_join(t, found), kind="org")
            for person in staff:
                staff_t = translator(
                    language_for_user(person.language_code, services.settings.bot.language)
                )
                await services.outgoing.to_person(
                    person, views.orgs.join_request(staff_t, found, group.title, user.full_name),
                    markup=views.orgs.join_request_keyboard(staff_t, team.id),
                )
        case orgs.AlreadyIn(found, joined):
            await context.reply(update, views.orgs.already_in(t, found, joined), kind="org")
        case orgs.NoSuchCode():
            await context.reply(update, views.orgs.no_such_code(t), kind="org")


async def staff_org_of(context: DutyContext, user_id: int) -> Organisation | None:
    """The organisation the person is staff of (the newest), or for a bot administrator who
    is nobody's staff, the newest organisation; None otherwise."""
    async with context.services.sessions() as session:
        person = await members.person_of(session, user_id)
        found = await orgs.staff_orgs(session, person.id) if person is not None else []
        if not found and is_bot_admin(context.services.settings, user_id):
            found = list(reversed(await orgs.all_orgs(session)))
    return found[0] if found else None


async def staff_org(context: DutyContext, update: Update) -> Organisation | None:
    """The organisation the private caller is staff of; None after saying they are not."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    found = await staff_org_of(context, user.id)
    if found is None:
        await message.reply_text(views.orgs.staff_only(context.translator_for(update)))
    return found


async def staff_named(
    context: DutyContext, update: Update, org: Organisation, words: list[str]
) -> orgs.Found | None:
    """The volunteer a staff member names (number, or a name on one team); None after
    saying why not."""
    message = update.effective_message
    assert message is not None
    t = context.translator_for(update)
    async with context.services.sessions() as session:
        named = await orgs.named_in_org(session, org, words)
    match named:
        case orgs.Found():
            return named
        case orgs.SeveralNamed(teams):
            await message.reply_text(views.orgs.several_named(t, teams))
        case None:
            await message.reply_text(views.orgs.no_such_number(t, words[0] if words else ""))
    return None


async def staff_label(
    context: DutyContext, org: Organisation, person: Person, t: Translator
) -> str:
    """How staff see a volunteer named: the roster name and the volunteer number."""
    async with transaction(context.services.sessions) as session:
        member = await orgs.number_of(session, org.id, person.id, now=context.services.clock.now())
        name = await members.roster_name(session, person.id) or person.telegram_name
        return views.orgs.person_label(t, name, orgs.volunteer_number(org, member))


async def _new(update: Update, context: DutyContext, rest: str) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    services = context.services
    if not is_bot_admin(services.settings, user.id):
        await message.reply_text(views.orgs.bot_admins_only(t))
        return
    name = clean_name(rest, orgs.MAX_ORG_NAME)
    if isinstance(name, TextProblem):
        await message.reply_text(views.orgs.name_needed(t))
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=now)
        made = await orgs.create(session, name, person, now=now)
    if isinstance(made, orgs.NameInUse):
        await message.reply_text(views.orgs.name_in_use(t, name))
        return
    await message.reply_text(
        views.orgs.created(t, made.org, made.code, services.settings.bot.timezone)
    )


async def _code(update: Update, context: DutyContext, rest: str) -> None:
    await _new_token(update, context, TokenKind.JOIN)


async def _invite(update: Update, context: DutyContext, rest: str) -> None:
    await _new_token(update, context, TokenKind.STAFF)


async def _new_token(update: Update, context: DutyContext, kind: TokenKind) -> None:
    """A join code for teams, or a one-time link for a new staff member."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    found = await staff_org(context, update)
    if found is None:
        return
    services = context.services
    async with transaction(services.sessions) as session:
        token = orgs.new_token(session, found.id, kind, by=user.id, now=services.clock.now())
    t, zone = context.translator_for(update), services.settings.bot.timezone
    if kind == TokenKind.JOIN:
        await message.reply_text(views.orgs.join_code_text(t, token, zone))
        return
    link = f"https://t.me/{context.bot.username}?start={STAFF_LINK_PREFIX}{token.token}"
    await message.reply_text(views.orgs.staff_link(t, link, token, zone))


async def staff_link_opened(update: Update, context: DutyContext, token: str) -> None:
    """/start s-<token>: become a staff member."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=now)
        result = await orgs.use_staff_link(session, token, person, now=now)
    match result:
        case orgs.BecameStaff(found):
            await message.reply_text(views.orgs.became_staff(t, found))
        case orgs.AlreadyStaff(found):
            await message.reply_text(views.orgs.already_staff(t, found))
        case orgs.LinkSpent():
            await message.reply_text(views.orgs.link_spent(t))


async def _overview(update: Update, context: DutyContext, rest: str) -> None:
    message = update.effective_message
    assert message is not None
    found = await staff_org(context, update)
    if found is None:
        return
    async with context.services.sessions() as session:
        joined = await orgs.teams(session, found.id)
        waiting = await orgs.pending_teams(session, found.id)
        staff = len(await orgs.staff_people(session, found.id))
    await message.reply_text(
        views.orgs.overview(context.translator_for(update), found, joined, waiting, staff)
    )


async def _settings(update: Update, context: DutyContext, rest: str) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    found = await staff_org(context, update)
    if found is None:
        return
    if not rest:
        await message.reply_text(
            views.orgs.settings_lines(t, found, orgs.org_settings(found)) + "\n\n"
            + views.orgs.settings_usage(t)
        )
        return
    key, sep, value = unicodedata.normalize("NFKC", rest).partition("=")
    if not sep:
        await message.reply_text(views.orgs.settings_usage(t))
        return
    services = context.services
    async with transaction(services.sessions) as session:
        row = await session.get(Organisation, found.id)
        assert row is not None
        result = orgs.change_org_setting(
            session, row, key.strip(), value, actor=user.id, now=services.clock.now()
        )
        match result:
            case orgs.OrgSettingChanged():
                text = views.orgs.setting_changed(t, row)
            case orgs.UnknownOrgSetting(name):
                text = views.orgs.unknown_setting(t, name)
            case orgs.BadOrgValue(name, raw):
                text = views.orgs.bad_setting(t, name, raw)
    await message.reply_text(text)


async def _opening(update: Update, context: DutyContext, rest: str) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = context.translator_for(update)
    found = await staff_org(context, update)
    if found is None:
        return
    services = context.services
    now = services.clock.now()
    today = local_today(services.settings.bot.timezone, now)
    parts = rest.split(maxsplit=3)
    minutes = parse_opening_hours(parts[1]) if len(parts) == 4 else None
    as_of = parse_day(parts[2], today) if len(parts) == 4 else None
    source = clean_words(parts[3], 100) if len(parts) == 4 else TextProblem.EMPTY
    if minutes is None or as_of is None or as_of > today or isinstance(source, TextProblem):
        await message.reply_text(views.orgs.opening_usage(t))
        return
    async with transaction(services.sessions) as session:
        row = await session.get(Organisation, found.id)
        assert row is not None
        person = await orgs.by_number(session, row, parts[0])
        if person is not None:
            done = await orgs.set_opening(session, row, person, minutes, as_of, source,
                                          actor=user.id, now=now)
            await credit.note_levels(
                session, person.id, await orgs.org_scope(session, row),
                services.settings.recognition.rules, group_id=None, now=now, announce=False,
            )
    if person is None:
        text = views.orgs.no_such_number(t, parts[0])
    else:
        who = await staff_label(context, found, person, t)
        text = views.orgs.opening_set(t, who, minutes, source, done.before_minutes)
    await message.reply_text(text)


async def tap_decide(update: Update, context: DutyContext) -> None:
    """Approve / Decline on a team's request to join (staff, privately)."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = context.translator_for(update)
    services = context.services
    team_id = button_number(update)
    if team_id is None:
        await query.answer(views.orgs.decide_toast(t, "gone"))
        return
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(query.from_user), now=now)
        result = await credit.decide_team(
            session, team_id, person, approve=query.data.startswith("orgok:"),
            defaults=services.settings.recognition.rules, now=now,
        )
    match result:
        case orgs.TeamDecided(found, group, joined):
            await query.answer(views.orgs.decide_toast(t, "joined" if joined else "declined"))
            await _show_decided(context, query, views.orgs.team_decided(t, found, group, joined))
            team_t = translator(group.language)
            await services.outgoing.to_group(
                group.telegram_chat_id,
                views.orgs.joined_notice(team_t, found) if joined
                else views.orgs.declined_notice(team_t, found),
            )
        case orgs.TeamAlreadyDecided(found, group, joined):
            await query.answer(views.orgs.decide_toast(t, "already"))
            await _show_decided(context, query, views.orgs.team_decided(t, found, group, joined))
        case orgs.NotStaff():
            await query.answer(views.orgs.decide_toast(t, "denied"), show_alert=True)
        case orgs.NoSuchTeam():
            await query.answer(views.orgs.decide_toast(t, "gone"))


async def _show_decided(context: DutyContext, query: CallbackQuery, text: str) -> None:
    """The staff message says what was decided (a second tap finds it said already)."""
    if isinstance(query.message, Message):
        await context.services.outgoing.edit_in_group(
            query.message.chat.id, query.message.message_id, text, None
        )


async def realname(update: Update, context: DutyContext) -> None:
    """/realname <name> (privately, one's own) or /realname <number or name> <name> (staff)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    words = command_args(message).split()
    if not words:
        await message.reply_text(views.orgs.real_name_usage(t))
        return
    services = context.services
    now = services.clock.now()
    office = await staff_org_of(context, user.id) if len(words) > 1 else None
    if office is not None:
        async with services.sessions() as session:
            named = await orgs.named_in_org(session, office, words)
        if named is not None:  # a staff member names a volunteer
            target = await staff_named(context, update, office, words)
            if target is None:
                return
            name = clean_name(" ".join(words[target.words:]), orgs.MAX_REAL_NAME)
            if isinstance(name, TextProblem):
                await message.reply_text(views.orgs.bad_real_name(t))
                return
            async with transaction(services.sessions) as session:
                person = await session.get(Person, target.person.id)
                assert person is not None
                orgs.set_real_name(session, person, name, actor=user.id, now=now)
            await message.reply_text(views.orgs.real_name_set(
                t, name, await staff_label(context, office, target.person, t)
            ))
            return
    raw = command_args(message).strip()
    wanted: str | TextProblem | None = (
        None if raw.casefold() in ("off", "删除", "清除") else clean_name(raw, orgs.MAX_REAL_NAME)
    )
    if isinstance(wanted, TextProblem):
        await message.reply_text(views.orgs.bad_real_name(t))
        return
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=now)
        orgs.set_real_name(session, person, wanted, actor=user.id, now=now)
    await message.reply_text(views.orgs.real_name_set(t, wanted))
