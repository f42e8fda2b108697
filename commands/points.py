"""/points (a volunteer's passbook, privately) and /redeem (leaders and office staff)."""

from __future__ import annotations

import unicodedata

from telegram import Update

from bot import render, views
from bot.context import DutyContext
from bot.i18n import language_for_user, translator
from commands.org import staff_label, staff_named, staff_org
from commands.people import named_person, words_without_mentions
from commands.signup import command_args
from storage import credit, members, orgs, points
from storage.cleaning import TextProblem, clean_words
from storage.db import transaction
from storage.models import Group, Person


async def points_command(update: Update, context: DutyContext) -> None:
    """/points: every passbook of the person (one per organisation or lone team)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.person_of(session, user.id)
        if person is not None:
            await credit.settle(session, now=now, defaults=services.settings.recognition.rules,
                                person_id=person.id)
        scopes = await orgs.scopes_of_person(session, person.id) if person else []
        books = [
            (scope.name, await points.passbook(session, scope.key, person.id))
            for scope in scopes if person is not None
        ]
    if not books:
        await message.reply_text(views.points.no_passbook(t))
        return
    zone = services.settings.bot.timezone
    await message.reply_text("\n\n".join(
        views.points.passbook_text(t, name, lines, zone) for name, lines in books
    ))


def parse_points(word: str) -> int | None:
    """`50`, `50分`, `50积分`, `５０` → 50 (1 to MAX_REDEEM); None for anything else."""
    text = unicodedata.normalize("NFKC", word).strip().removesuffix("积分").removesuffix("分")
    if not text.isascii() or not text.isdecimal() or len(text) > 6:
        return None
    value = int(text)
    return value if 0 < value <= points.MAX_REDEEM else None


async def redeem(update: Update, context: DutyContext) -> None:
    """/redeem <person> <points> <item>: in the group by its leaders, privately by staff."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    words = words_without_mentions(message, command_args(message))
    target: Person | None = None
    if context.group is not None:
        if await context.refused_unless_leader(update):
            return
        group = context.group
        named = await named_person(message, services.sessions, group.id, words)
        if named is None:
            text = render.name_someone(t) if words else views.points.redeem_usage(t)
            await context.reply(update, text, kind="redeem.who")
            return
        words = words[named.words:]
        where = group.id
        async with services.sessions() as session:
            target = await members.person_of(session, named.user.telegram_user_id)
            who = (
                await members.roster_name(session, target.id, group.id) if target else None
            ) or named.user.full_name
            row = await session.get(Group, group.id)
            assert row is not None
            scope = await orgs.scope_of_group(session, row)
    else:
        found = await staff_org(context, update)
        if found is None:
            return
        if not words:
            await message.reply_text(views.points.redeem_usage(t))
            return
        named_staff = await staff_named(context, update, found, words)
        if named_staff is None:
            return
        async with services.sessions() as session:
            scope = await orgs.org_scope(session, found)
        target = named_staff.person
        who, where = await staff_label(context, found, target, t), None
        words = words[named_staff.words:]
    amount = parse_points(words[0]) if words else None
    item = clean_words(" ".join(words[1:]), points.MAX_ITEM) if len(words) > 1 else None
    if target is None or amount is None or item is None or isinstance(item, TextProblem):
        await context.reply(update, views.points.redeem_usage(t), kind="redeem.usage")
        return
    async with transaction(services.sessions) as session:
        person = await session.get(Person, target.id)
        assert person is not None
        await credit.settle(session, now=now, defaults=services.settings.recognition.rules,
                            person_id=person.id)
        result = await points.redeem(session, scope.key, person, amount, item,
                                     group_id=where, actor=user.id, now=now)
        ref = members.ref_of(person)
    in_group = context.group is not None  # a group never sees anyone's points
    match result:
        case points.Redeemed(_, left):
            await context.reply(update, views.points.redeemed(
                t, who, amount, item, None if in_group else left
            ), kind="redeem")
            own_t = translator(language_for_user(ref.language_code, services.settings.bot.language))
            await services.outgoing.to_person(
                ref, views.points.redeemed_private(own_t, scope.name, amount, item, left)
            )
        case points.ShortBalance(have):
            await context.reply(update, views.points.short_balance(
                t, who, None if in_group else have, amount
            ), kind="redeem")
        case points.OwnPoints():
            await context.reply(update, views.points.own_points(t), kind="refused")

