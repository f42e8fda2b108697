"""Naming a person in a command: a reply, a pick from the @ list, or a username seen here.

The Bot API cannot look a @username up; a bot learns an id only from the person's own
messages, a reply to them, or a text mention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, MessageEntity, User

from bot.context import GroupInfo
from bot.gate import user_ref
from storage import groups, members
from storage.db import SessionFactory
from storage.members import UserRef
from storage.models import Group, Membership, Person


@dataclass(frozen=True)
class Named:
    """Who a command is about."""

    user: UserRef


async def named_person(
    message: Message, sessions: SessionFactory, group_id: int
) -> Named | None:
    """Resolve the person a command names; None means "ask for a reply instead"."""
    for entity, text in message.parse_entities([MessageEntity.TEXT_MENTION]).items():
        if entity.user is not None:
            return Named(UserRef(entity.user.id, entity.user.full_name or text,
                                 entity.user.username))
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        user = reply.from_user
        return Named(UserRef(user.id, user.full_name, user.username))
    for text in message.parse_entities([MessageEntity.MENTION]).values():
        async with sessions() as session:
            person = await members.by_username(session, group_id, text.lstrip("@"))
        if person is not None:
            return Named(UserRef(person.telegram_user_id, person.telegram_name, person.username))
    return None


async def member_in_group(
    session: AsyncSession, group: GroupInfo, user: User, *, now: datetime
) -> tuple[Membership, Person, Group]:
    """The sender's membership (signing them up under their Telegram name if needed), person,
    and the group's row (its settings)."""
    membership, person, _joined = await members.ensure_member(
        session, group.id, user_ref(user), now=now
    )
    row = await groups.by_id(session, group.id)
    assert row is not None
    return membership, person, row


def words_without_mentions(message: Message, text: str) -> list[str]:
    """The words of `text` once the @mentions and text mentions naming a person are gone."""
    for entity_text in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).values():
        text = text.replace(entity_text, " ", 1)
    return text.split()
