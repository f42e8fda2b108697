"""Naming a person in a command: a reply, a pick from the @ list, a username seen here, or
the name they have on this group's roster.

The Bot API cannot look a @username up; a bot learns an id only from the person's own
messages, a reply to them, or a text mention. Commands that act on someone act only on a
member of the group, checked with Telegram when the command runs, and never on a bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup, Message, MessageEntity, User

from bot.context import DutyContext, GroupInfo, user_ref
from bot.leaders import chat_member, in_group
from storage import groups, members
from storage.db import SessionFactory
from storage.members import UserRef
from storage.models import Group, Membership, Person


@dataclass(frozen=True)
class Named:
    """Who a command is about; `words` of the command's text named them (a roster name)."""

    user: UserRef
    is_bot: bool = False
    words: int = 0


async def named_person(
    message: Message, sessions: SessionFactory, group_id: int, words: Sequence[str] = ()
) -> Named | None:
    """Resolve the person a command names; None means "say the ways to name someone".

    `words` are the command's words where a roster name may stand (`/hours 张大爷 昨天 2`).
    """
    for entity, text in message.parse_entities([MessageEntity.TEXT_MENTION]).items():
        if entity.user is not None:
            return Named(UserRef(entity.user.id, entity.user.full_name or text,
                                 entity.user.username), is_bot=entity.user.is_bot)
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        user = reply.from_user
        return Named(UserRef(user.id, user.full_name, user.username))
    for text in message.parse_entities([MessageEntity.MENTION]).values():
        async with sessions() as session:
            person = await members.by_username(session, group_id, text.lstrip("@"))
        if person is not None:
            return Named(UserRef(person.telegram_user_id, person.telegram_name, person.username))
    if words:
        async with sessions() as session:
            found = await members.by_display_name(session, group_id, list(words))
        if found is not None:
            membership, person, used = found
            return Named(
                UserRef(person.telegram_user_id, membership.display_name, person.username),
                words=used,
            )
    return None


async def in_group_now(bot: Bot, chat_id: int, named: Named) -> bool:
    """Is the person a member of the Telegram group right now (getChatMember), not a bot?"""
    if named.is_bot:
        return False
    member = await chat_member(bot, chat_id, named.user.telegram_user_id)
    return member is not None and in_group(member)


async def member_in_group(
    session: AsyncSession, group: GroupInfo, user: User, *, now: datetime,
    lock: members.Locking = None,
) -> tuple[Membership, Person, Group]:
    """The sender's membership (signing them up under their Telegram name if needed), person,
    and the group's row (its settings); `lock` locks the person's or the group's row too."""
    membership, person, row, _joined = await members.member_and_group(
        session, group.id, user_ref(user), now=now, lock=lock
    )
    return membership, person, row


def words_without_mentions(message: Message, text: str) -> list[str]:
    """The words of `text` once the @mentions and text mentions naming a person are gone."""
    for entity_text in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).values():
        text = text.replace(entity_text, " ", 1)
    return text.split()


async def tell_leaders(
    context: DutyContext, group_id: int, chat_id: int, text: str,
    markup: InlineKeyboardMarkup | None, *, except_id: int,
) -> int:
    """Send a team's leaders (other than `except_id`) a private message; how many it reached
    (a leader who has not started the bot is not reached)."""
    services = context.services
    admins = await services.admin_cache.admins(context.bot, chat_id)
    async with services.sessions() as session:
        leaders = [p for p in await members.leaders_of(session, group_id, admins)
                   if p.telegram_id != except_id]
    reached = 0
    for leader in leaders:
        sent = await services.outgoing.to_person(
            UserRef(leader.telegram_id, leader.name), text, markup=markup
        )
        reached += sent is not None
    return reached


async def led_groups(context: DutyContext, user_id: int) -> list[Group]:
    """The teams the person leads (leaders checked with Telegram, outside any transaction)."""
    services = context.services
    async with services.sessions() as session:
        person = await members.person_of(session, user_id)
        mine = await groups.of_person(session, person.id) if person is not None else []
    led = []
    for group in mine:
        if await context.leads(group.telegram_chat_id, group.id, user_id):
            led.append(group)
    return led
