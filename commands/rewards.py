"""/rewards: the 爱心超市 catalogue; asking for an item privately, a leader's hand-over."""

from __future__ import annotations

from telegram import Message, Update

from bot import views
from bot.context import DutyContext, button_number
from bot.i18n import language_for_user, translator
from commands.org import staff_org, staff_org_of
from commands.people import tell_leaders
from commands.points import parse_points
from commands.signup import command_args
from storage import credit, members, orgs, points, rewards
from storage.cleaning import TextProblem, clean_words
from storage.db import transaction
from storage.ids import parse_id
from storage.models import Group, Person, RewardItem, RewardRequest
from storage.orgs import Scope


async def _scope_to_edit(update: Update, context: DutyContext) -> Scope | None:
    """Whose catalogue the caller may change: their community (staff, privately), or a
    lone team's (its leaders, in the group). Refuses (and says why) otherwise."""
    t = context.translator_for(update)
    if context.group is None:
        found = await staff_org(context, update)
        if found is None:
            return None
        async with context.services.sessions() as session:
            return await orgs.org_scope(session, found)
    if await context.refused_unless_leader(update):
        return None
    async with context.services.sessions() as session:
        row = await session.get(Group, context.group.id)
        assert row is not None
        scope = await orgs.scope_of_group(session, row)
    if scope.org is not None:
        await context.reply(update, views.rewards.staff_sets_it(t), kind="rewards")
        return None
    return scope


async def rewards_command(update: Update, context: DutyContext) -> None:
    """/rewards [add <points> <item> | remove <number>]."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    words = command_args(message).split()
    verb = words[0].casefold() if words else ""
    if verb in ("add", "remove", "添加", "删除"):
        await _edit(update, context, verb in ("add", "添加"), words[1:])
        return
    if words:
        await context.reply(update, views.rewards.rewards_usage(t), kind="rewards")
        return
    services = context.services
    if context.group is not None:
        async with services.sessions() as session:
            row = await session.get(Group, context.group.id)
            assert row is not None
            scope = await orgs.scope_of_group(session, row)
            items = await rewards.catalogue(session, scope.key)
        await context.reply(
            update, views.rewards.catalogue_text(t, scope.name, items, None) + "\n"
            + views.rewards.in_group_hint(t), kind="rewards",
        )
        return
    async with transaction(services.sessions) as session:
        person = await members.person_of(session, user.id)
        if person is not None:  # hours confirmed since the last tick count already
            await credit.settle(session, now=services.clock.now(),
                                defaults=services.settings.recognition.rules,
                                person_id=person.id)
        scopes = await orgs.scopes_of_person(session, person.id) if person else []
        shown: list[tuple[Scope, list[RewardItem], int | None]] = [
            (scope, await rewards.catalogue(session, scope.key),
             await points.balance(session, scope.key, person.id))
            for scope in scopes if person is not None
        ]
    office = await staff_org_of(context, user.id)
    if office is not None and all(scope.org is None or scope.org.id != office.id
                                  for scope, _, _ in shown):
        async with services.sessions() as session:  # staff see their catalogue too
            scope = await orgs.org_scope(session, office)
            shown.append((scope, await rewards.catalogue(session, scope.key), None))
    if not shown:
        await message.reply_text(views.points.no_passbook(t))
        return
    for scope, items, balance in shown:
        await message.reply_text(
            views.rewards.catalogue_text(t, scope.name, items, balance),
            reply_markup=views.rewards.catalogue_keyboard(t, items) if balance is not None
            else None,
        )


async def _edit(update: Update, context: DutyContext, add: bool, words: list[str]) -> None:
    user = update.effective_user
    assert user is not None
    t = context.translator_for(update)
    scope = await _scope_to_edit(update, context)
    if scope is None:
        return
    services = context.services
    now = services.clock.now()
    if add:
        price = parse_points(words[0]) if words else None
        name = clean_words(" ".join(words[1:]), points.MAX_ITEM) if len(words) > 1 else None
        if price is None or name is None or isinstance(name, TextProblem):
            await context.reply(update, views.rewards.rewards_usage(t), kind="rewards")
            return
        async with transaction(services.sessions) as session:
            added = await rewards.add_item(session, scope.key, name, price, actor=user.id,
                                           now=now)
        text = (views.rewards.item_added(t, added.item) if isinstance(added, rewards.ItemAdded)
                else views.rewards.catalogue_full(t))
        await context.reply(update, text, kind="rewards")
        return
    item_id = parse_id(words[0].lstrip("#")) if words else None
    if item_id is None:
        await context.reply(update, views.rewards.rewards_usage(t), kind="rewards")
        return
    async with transaction(services.sessions) as session:
        removed = await rewards.remove_item(session, scope.key, item_id, actor=user.id,
                                            now=now)
    await context.reply(
        update, views.rewards.item_removed(t, removed) if removed
        else views.rewards.no_such_item(t), kind="rewards",
    )


async def tap_ask(update: Update, context: DutyContext) -> None:
    """A volunteer taps an item (privately): the team's leaders are asked to hand it over."""
    query = update.callback_query
    if query is None:
        return
    t = context.translator_for(update)
    services = context.services
    item_id = button_number(update)
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.person_of(session, query.from_user.id)
        item = await session.get(RewardItem, item_id) if item_id else None
        team = (
            await orgs.team_in_scope(session, person.id, item.scope) if person and item
            else None
        )
        result = (
            await rewards.ask(session, item.id, person, team.id, now=now)
            if person is not None and item is not None and team is not None
            else rewards.ItemGone()
        )
        info = (team.id, team.telegram_chat_id, team.title, team.language) if team else None
        name = (
            (await members.display_names(session, team.id, {person.id})).get(person.id, "?")
            if team is not None and person is not None else "?"
        )
        have = (
            await points.balance(session, item.scope, person.id)
            if item is not None and person is not None else 0
        )
    match result:
        case rewards.ItemGone():
            await query.answer(views.rewards.no_such_item(t), show_alert=True)
            return
        case points.ShortBalance(balance):
            await query.answer(views.points.short_own(t, max(balance, 0)), show_alert=True)
            return
    assert isinstance(result, rewards.RewardAsked) and info is not None
    group_id, chat_id, title, language = info
    await query.answer()
    lt = translator(language)
    reached = await tell_leaders(
        context, group_id, chat_id,
        views.rewards.request_for_leaders(lt, name, title, result.item, have),
        views.rewards.request_keyboard(lt, result.request.id), except_id=query.from_user.id,
    )
    await services.outgoing.to_person(
        members.UserRef(query.from_user.id, query.from_user.full_name),
        views.rewards.asked(t, result.item, reached),
    )


async def tap_hand_over(update: Update, context: DutyContext) -> None:
    """A leader confirms the hand-over (the points are spent) or declines."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = context.translator_for(update)
    services = context.services
    request_id = button_number(update)
    async with services.sessions() as session:
        request = await session.get(RewardRequest, request_id) if request_id else None
        group = await session.get(Group, request.group_id) if request is not None else None
    if request is None or group is None:
        await query.answer(views.rewards.handed_toast(t, "closed"))
        return
    if not await context.leads(group.telegram_chat_id, group.id, query.from_user.id):
        await query.answer(views.labels.leaders_only(t), show_alert=True)
        return
    async with transaction(services.sessions) as session:
        result = await rewards.hand_over(
            session, request.id, accept=query.data.startswith("rwok:"),
            actor=query.from_user.id, now=services.clock.now(),
        )
        person = await session.get(Person, request.person_id)
        ref = members.ref_of(person) if person is not None else None
    outcome = {
        rewards.HandedOver: "handed", rewards.RewardDeclined: "declined",
        rewards.RequestClosed: "closed", points.ShortBalance: "short", points.OwnPoints: "own",
    }[type(result)]
    await query.answer(views.rewards.handed_toast(t, outcome))
    if outcome in ("handed", "declined", "closed") and isinstance(query.message, Message):
        await services.outgoing.edit_markup(query.message.chat.id, query.message.message_id,
                                            None)
    if ref is None:
        return
    own = translator(language_for_user(ref.language_code, group.language))
    match result:
        case rewards.HandedOver(_, item, balance):
            await services.outgoing.to_person(ref, views.rewards.handed_private(own, item,
                                                                               balance))
        case rewards.RewardDeclined(_, item):
            await services.outgoing.to_person(ref, views.rewards.declined_private(own, item))
