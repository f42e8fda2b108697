"""The emulated world's state: users, chats, messages, the update queue, and waiting on it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

from bot.emulator.model import (
    CHANNEL_BOT_ID,
    GROUP_ANONYMOUS_BOT_ID,
    JSON,
    Call,
    FakeChat,
    FakeMessage,
    FakeUser,
    SentFile,
)
from scheduler.clock import Clock

ChatRef = FakeChat | int


class State:
    """State of the emulated Telegram: users, chats, messages, the update queue, waits."""

    def __init__(
        self,
        clock: Clock,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_id: int | None = None,
        bot_username: str = "dutybot_test_bot",
        bot_first_name: str = "DutyBot",
    ) -> None:
        self.clock = clock
        self.token = token
        head = token.split(":", 1)[0]
        default_id = int(head) if head.isdigit() else 123456
        self.bot_user = FakeUser(bot_id or default_id, bot_first_name, True, username=bot_username)
        self.anonymous_bot = FakeUser(
            GROUP_ANONYMOUS_BOT_ID, "Group", True, username="GroupAnonymousBot"
        )
        self.channel_bot = FakeUser(CHANNEL_BOT_ID, "Channel", True, username="Channel_Bot")
        self.users: dict[int, FakeUser] = {
            u.id: u for u in (self.bot_user, self.anonymous_bot, self.channel_bot)
        }
        self.chats: dict[int, FakeChat] = {}
        self.privacy_mode = False
        self.calls: list[Call] = []
        self.callback_answers: dict[str, JSON] = {}
        self.my_commands: dict[tuple[str, str | None], list[JSON]] = {}
        self.sent_files: list[SentFile] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_connections = 40
        self.webhook_default_updates = False  # setWebhook without allowed_updates
        self.allowed_updates: list[str] = []  # as last given to getUpdates; empty: all
        self.last_update_id = 0
        self.delivered_update_id = 0
        self.confirmed_update_id = 0
        self._updates: list[JSON] = []
        self._messages: dict[int, list[FakeMessage]] = {}
        self._by_id: dict[tuple[int, int], FakeMessage] = {}
        self._next_message_id: dict[int, int] = {}
        self._open_queries: dict[str, FakeMessage | None] = {}
        self._files: dict[str, JSON] = {}
        self._user_ids = itertools.count(1001)
        self._supergroup_ids = itertools.count(1001000000001)
        self._group_ids = itertools.count(400000001)
        self._query_ids = itertools.count(4_382_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._media_groups = itertools.count(13_000_000_000_000_001)
        self._waiters: list[asyncio.Future[None]] = []

    # ----------------------------------------------------------------------------- plumbing

    def now_ts(self) -> int:
        """The emulator clock as unix seconds."""
        return int(self.clock.now().timestamp())

    def notify(self) -> None:
        """Wake everything waiting for a change of state."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def changed(self, timeout: float | None) -> None:
        """Wait until the state changes or `timeout` seconds pass (no error on timeout)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until `predicate()` is true; raise TimeoutError saying what was waited for."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                name = getattr(predicate, "__qualname__", repr(predicate))
                recent = ", ".join(f"{c.method}→{c.outcome}" for c in self.calls[-8:]) or "none"
                raise TimeoutError(
                    f"{name} still false after {timeout:g}s; last calls: {recent}; updates "
                    f"{self.last_update_id} queued, {self.delivered_update_id} delivered, "
                    f"{self.confirmed_update_id} confirmed"
                )
            await self.changed(min(remaining, 0.05))  # also poll: predicates may look elsewhere

    def enqueue(self, kind: str, payload: JSON) -> int:
        """Queue an update of `kind` (message, callback_query, ...) for getUpdates."""
        self.last_update_id += 1
        self._updates.append({"update_id": self.last_update_id, kind: payload})
        self.notify()
        return self.last_update_id

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    @property
    def all_updates_confirmed(self) -> bool:
        """Has the bot confirmed (by offset) every update queued so far?"""
        return self.confirmed_update_id >= self.last_update_id

    def forget_updates(self, below: int) -> None:
        """Drop updates with ids below `below` (a getUpdates offset confirms them)."""
        self._updates = [u for u in self._updates if u["update_id"] >= below]
        self._recount_confirmed()

    def confirm_update(self, update_id: int) -> None:
        """A webhook answered 2xx for this update: Telegram forgets it."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self._recount_confirmed()

    def drop_unwanted_updates(self) -> None:
        """Forget queued updates of kinds left out of `allowed_updates` (never sent)."""
        if self.allowed_updates:
            wanted = set(self.allowed_updates)
            self._updates = [u for u in self._updates if wanted.intersection(u)]
            self._recount_confirmed()
        elif self.webhook_url and self.webhook_default_updates:
            self._updates = [u for u in self._updates if "chat_member" not in u]
            self._recount_confirmed()

    def _recount_confirmed(self) -> None:
        first = self._updates[0]["update_id"] - 1 if self._updates else self.last_update_id
        if first > self.confirmed_update_id:
            self.confirmed_update_id = first
            self.notify()

    def new_file_id(self, kind: str, **info: Any) -> tuple[str, str]:
        """A fresh (file_id, file_unique_id) pair, remembered for later sends by id."""
        n = next(self._file_ids)
        file_id, unique = f"{kind[:2].upper()}ACAgEMU{n:010d}", f"AQAD{n:08d}"
        self._files[file_id] = {"kind": kind, "file_unique_id": unique, **info}
        return file_id, unique

    def new_media_group_id(self) -> str:
        """A fresh media_group_id for an album."""
        return str(next(self._media_groups))

    def file_path(self, file_id: str) -> str:
        """The download path getFile gives for a file a user sent."""
        return f"documents/{file_id}"

    def download(self, path: str) -> bytes | None:
        """A file's bytes by its getFile path (None if unknown)."""
        known = self._files.get(path.removeprefix("documents/"))
        content = known.get("content") if known is not None else None
        return content if isinstance(content, bytes) else None

    def known_file(self, file_id: str) -> JSON | None:
        """What the emulator knows of a file id, if it issued it."""
        return self._files.get(file_id)

    # ----------------------------------------------------------------------------- lookups

    def chat(self, ref: ChatRef) -> FakeChat:
        """The chat for a FakeChat or an id (KeyError if unknown)."""
        return self.chats[ref] if isinstance(ref, int) else ref

    def find_message(self, chat: ChatRef, message_id: int) -> FakeMessage:
        """The message `message_id` in `chat` (KeyError if there is none)."""
        return self._by_id[(self.chat(chat).id, message_id)]

    def get_message(self, chat_id: int, message_id: int) -> FakeMessage | None:
        """The live (not deleted) message, or None."""
        message = self._by_id.get((chat_id, message_id))
        return None if message is None or message.deleted else message

    def messages(self, chat: ChatRef) -> list[FakeMessage]:
        """Every message in the chat (users' and the bot's), oldest first, deleted ones left out."""
        return [m for m in self._messages.get(self.chat(chat).id, []) if not m.deleted]

    def bot_messages(self, chat: ChatRef) -> list[FakeMessage]:
        """The bot's messages in the chat, oldest first."""
        return [m for m in self.messages(chat) if m.by_bot]

    def last_bot_message(self, chat: ChatRef) -> FakeMessage | None:
        """The bot's latest message in the chat, or None."""
        said = self.bot_messages(chat)
        return said[-1] if said else None

    def bot_present(self, chat: FakeChat) -> bool:
        """Does the bot receive updates from this chat?"""
        return chat.type == "private" or chat.bot_status in ("member", "administrator")

    def _member_change(self, chat: FakeChat, by: FakeUser, old: str, new: str) -> None:
        def member(status: str) -> JSON:
            data: JSON = {"status": status, "user": self.bot_user.to_dict()}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self.enqueue("my_chat_member", {
            "chat": chat.to_dict(), "from": by.to_dict(), "date": self.now_ts(),
            "old_chat_member": member(old), "new_chat_member": member(new),
        })

    def _user_change(self, chat: FakeChat, user: FakeUser, old: str, new: str) -> None:
        """A `chat_member` update: Telegram sends these only where the bot is an admin."""
        if old == new or chat.bot_status != "administrator":
            return
        self.enqueue("chat_member", {
            "chat": chat.to_dict(), "from": user.to_dict(), "date": self.now_ts(),
            "old_chat_member": {"status": old, "user": user.to_dict()},
            "new_chat_member": {"status": new, "user": user.to_dict()},
        })

    def bot_left(self, chat: FakeChat) -> None:
        """The bot left by itself (leaveChat)."""
        old, chat.bot_status = chat.bot_status, "left"
        self._member_change(chat, self.bot_user, old, "left")

    # ----------------------------------------------------------------------------- messages

    def store(self, message_factory: Callable[[int], FakeMessage], chat: FakeChat) -> FakeMessage:
        """Give a new message the chat's next id and keep it."""
        message_id = self._next_message_id.get(chat.id, 1)
        self._next_message_id[chat.id] = message_id + 1
        message = message_factory(message_id)
        self._messages.setdefault(chat.id, []).append(message)
        self._by_id[(chat.id, message_id)] = message
        self.notify()
        return message

    def post(self, chat: FakeChat, user: FakeUser, *, sender_chat: FakeChat | None = None,
             service: JSON | None = None, **fields: Any) -> FakeMessage:
        """Store a message from a user (or service) and queue it as an update if the bot sees it."""
        message = self.store(
            lambda mid: FakeMessage(mid, chat, self.now_ts(), user, sender_chat=sender_chat,
                                    service=service or {}, **fields),
            chat,
        )
        if self.bot_present(chat) and self._visible(message):
            self.enqueue("channel_post" if chat.type == "channel" else "message", message.to_dict())
        return message

    def _visible(self, message: FakeMessage) -> bool:
        if not self.privacy_mode or message.chat.type == "private" or message.service:
            return True
        source = message.text or message.caption or ""
        replied = message.reply_to is not None and message.reply_to.by_bot
        return source.startswith("/") or replied or f"@{self.bot_user.username}" in source

    def close_query(self, query_id: str) -> bool:
        """Mark a callback query answered; False if unknown or answered before."""
        return self._open_queries.pop(query_id, None) is not None
