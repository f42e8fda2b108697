"""Who leads a group: its Telegram administrators, members promoted with /leader add, and the
bot's own administrators everywhere.

Checked at the moment of use with getChatMember (a demoted admin, or a leader who left the
group, loses the powers at once); getChatAdministrators answers are cached a few minutes for
the lists (alerts), and `chat_member` updates only evict that cache: they reach a bot only
where it is an administrator, so they are never the only signal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from telegram import Bot, ChatMember
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.config import Settings
from bot.permissions import ANONYMOUS_ADMIN_ID, is_bot_admin
from storage import members
from storage.db import SessionFactory

ADMIN_CACHE_SECONDS = 300.0


@dataclass
class AdminCache:
    """getChatAdministrators answers, kept a few minutes per chat."""

    seconds: float = ADMIN_CACHE_SECONDS
    _entries: dict[int, tuple[float, frozenset[int]]] = field(default_factory=dict)

    async def admins(self, bot: Bot, chat_id: int) -> frozenset[int]:
        """The chat's administrators' user ids (empty if Telegram cannot tell us)."""
        now = time.monotonic()
        cached = self._entries.get(chat_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            found = frozenset(m.user.id for m in await bot.get_chat_administrators(chat_id))
        except TelegramError:
            return cached[1] if cached else frozenset()
        self._entries[chat_id] = (now + self.seconds, found)
        return found

    def peek(self, chat_id: int) -> frozenset[int] | None:
        """The cached admins of a chat, fresh or not, without asking Telegram."""
        entry = self._entries.get(chat_id)
        return entry[1] if entry is not None else None

    def forget(self, chat_id: int) -> None:
        """Drop a chat's entry (after a promotion we saw happen)."""
        self._entries.pop(chat_id, None)


ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
GONE_STATUSES = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


async def chat_member(bot: Bot, chat_id: int, user_id: int) -> ChatMember | None:
    """getChatMember now; None when Telegram cannot tell (the caller falls back)."""
    try:
        return await bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return None


def in_group(member: ChatMember) -> bool:
    """Is this a member of the group now (a restricted one too), and not a bot?"""
    if member.user.is_bot:
        return False
    if member.status == ChatMemberStatus.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status not in GONE_STATUSES


async def is_telegram_admin(
    bot: Bot, cache: AdminCache, settings: Settings, chat_id: int, user_id: int
) -> bool:
    """A Telegram administrator of the chat now, an anonymous admin, or a bot administrator."""
    if is_bot_admin(settings, user_id) or user_id == ANONYMOUS_ADMIN_ID:
        return True
    member = await chat_member(bot, chat_id, user_id)
    if member is None:
        return user_id in await cache.admins(bot, chat_id)
    admin = member.status in ADMIN_STATUSES
    cached = cache.peek(chat_id)
    if cached is not None and admin != (user_id in cached):
        cache.forget(chat_id)  # the list is stale: the next alert asks Telegram again
    return admin


async def is_leader(
    bot: Bot,
    cache: AdminCache,
    settings: Settings,
    sessions: SessionFactory,
    *,
    chat_id: int,
    group_id: int,
    user_id: int,
) -> bool:
    """May this user run leader commands in this group right now?

    The team's leaders by `storage.members.leaders_of` (a Telegram administrator now, or a
    promoted member), asked with getChatMember at this moment; and the bot's administrators,
    who may act in every team.
    """
    if is_bot_admin(settings, user_id) or user_id == ANONYMOUS_ADMIN_ID:
        return True
    member = await chat_member(bot, chat_id, user_id)
    if member is None:
        if user_id in await cache.admins(bot, chat_id):
            return True
    elif member.status in ADMIN_STATUSES:
        return True
    elif not in_group(member):
        return False
    async with sessions() as session:
        membership = await members.membership_of(session, group_id, user_id)
    return membership is not None and membership.active and membership.is_leader
