"""Naming a person in a command: a reply, a pick from the @ list, or a username seen here.

The Bot API cannot look a @username up; a bot learns an id only from the person's own
messages, a reply to them, or a text mention.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, MessageEntity

from storage import members
from storage.db import SessionFactory
from storage.members import UserRef


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


def words_without_mentions(message: Message, text: str) -> list[str]:
    """The words of `text` once the @mentions and text mentions naming a person are gone."""
    for entity_text in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).values():
        text = text.replace(entity_text, " ", 1)
    return text.split()
