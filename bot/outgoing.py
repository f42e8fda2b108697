"""Every message the bot posts goes out here, so a moved chat or a removed bot is handled once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden

from scheduler.clock import Clock
from storage import groups, members
from storage.db import SessionFactory, transaction
from storage.members import UserRef

log = logging.getLogger(__name__)


class Outgoing:
    """Posts to groups and private chats and reacts to what Telegram answers."""

    def __init__(self, bot: Bot, sessions: SessionFactory, clock: Clock) -> None:
        self._bot = bot
        self._sessions = sessions
        self._clock = clock

    async def to_group(
        self,
        chat_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message | None:
        """Post into a group; follow a migration once; a removed bot marks the group left."""
        try:
            return await self._send(chat_id, text, thread_id, reply_to, markup)
        except ChatMigrated as exc:
            new_id = int(exc.new_chat_id)
            async with transaction(self._sessions) as session:
                await groups.migrate_chat(session, chat_id, new_id, now=self._clock.now())
            # Topics and message ids do not survive the move.
            return await self._send(new_id, text, None, None, markup)
        except Forbidden as exc:
            log.warning("cannot post in chat %s: %s", chat_id, exc.message)
            async with transaction(self._sessions) as session:
                await groups.mark_left(session, chat_id, by=None, now=self._clock.now())
            return None

    async def edit_in_group(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Edit a message of ours; "not modified" counts as done. False if it is gone."""
        return await self._edit(chat_id, self._bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        ))

    async def edit_markup(
        self, chat_id: int, message_id: int, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Change only a message's buttons; "not modified" counts as done."""
        return await self._edit(chat_id, self._bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=markup
        ))

    async def _edit(self, chat_id: int, edit: Awaitable[object]) -> bool:
        """What Telegram says to an edit: done (or "not modified"), or the message is gone
        (False); anything else is raised."""
        try:
            await edit
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not modified" in reason:
                return True
            if "not found" in reason or "can't be edited" in reason:
                return False
            raise
        except Forbidden as exc:
            log.warning("cannot edit in chat %s: %s", chat_id, exc.message)
            return False
        return True

    async def to_person(
        self, user: UserRef, text: str, *, markup: InlineKeyboardMarkup | None = None
    ) -> Message | None:
        """Post privately; None if the user has not started the bot or blocked it."""
        try:
            return await self._bot.send_message(user.telegram_user_id, text, reply_markup=markup)
        except Forbidden:
            async with transaction(self._sessions) as session:
                await members.note_private_chat(
                    session, user, now=self._clock.now(), started=False
                )
            return None

    async def _send(
        self,
        chat_id: int,
        text: str,
        thread_id: int | None,
        reply_to: int | None,
        markup: InlineKeyboardMarkup | None,
    ) -> Message:
        reply = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to
            else None
        )
        try:
            return await self._bot.send_message(
                chat_id, text, message_thread_id=thread_id, reply_parameters=reply,
                reply_markup=markup,
            )
        except BadRequest as exc:
            if thread_id is None or "thread not found" not in exc.message.lower():
                raise
            # The topic was deleted or closed: General still reaches the team.
            return await self._bot.send_message(
                chat_id, text, reply_parameters=reply, reply_markup=markup
            )
