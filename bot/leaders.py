"""Who leads a group: its Telegram administrators (cached a few minutes), members promoted
with /leader add, and the bot's own administrators everywhere. Checked at the moment of use."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from telegram import Bot
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

    def forget(self, chat_id: int) -> None:
        """Drop a chat's entry (after a promotion we saw happen)."""
        self._entries.pop(chat_id, None)


async def is_telegram_admin(
    bot: Bot, cache: AdminCache, settings: Settings, chat_id: int, user_id: int
) -> bool:
    """A Telegram administrator of the chat, an anonymous admin, or a bot administrator."""
    if is_bot_admin(settings, user_id) or user_id == ANONYMOUS_ADMIN_ID:
        return True
    return user_id in await cache.admins(bot, chat_id)


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
    """May this user run leader commands in this group right now?"""
    if await is_telegram_admin(bot, cache, settings, chat_id, user_id):
        return True
    async with sessions() as session:
        membership = await members.membership_of(session, group_id, user_id)
    return membership is not None and membership.active and membership.is_leader
