"""The test-facing world-building API: people, groups, posts, edits, button presses.

Everything here is synchronous; the Bot API methods live in `messages.py` and `chats.py`
and the request entry point in `core.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.emulator.html import utf16_len
from bot.emulator.model import JSON, FakeChat, FakeMessage, FakeUser
from bot.emulator.state import State

MessageRef = FakeMessage | int

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@/])@[A-Za-z0-9_]{3,32}")


def user_entities(text: str, mentions: Mapping[str, FakeUser] | None = None) -> list[JSON]:
    """Entities Telegram adds to what a user typed: a leading command, @mentions, text mentions."""
    entities: list[JSON] = []
    command = _COMMAND_RE.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command[0])})
    taken: list[tuple[int, int]] = []
    for key, user in (mentions or {}).items():
        index = text.find(key)
        if index < 0 or not key:
            raise ValueError(f"mention {key!r} does not occur in {text!r}")
        start = utf16_len(text[:index])
        taken.append((index, index + len(key)))
        entities.append(
            {"type": "text_mention", "offset": start, "length": utf16_len(key),
             "user": user.to_dict()}
        )
    for match in _MENTION_RE.finditer(text):
        if any(a < match.end() and match.start() < b for a, b in taken):
            continue
        entities.append(
            {"type": "mention", "offset": utf16_len(text[: match.start()]),
             "length": utf16_len(match[0])}
        )
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def chat_member_status(chat: FakeChat, user: FakeUser) -> str:
    """A (non-bot) user's status in a group, as a `chat_member` update names it."""
    if user.id == chat.creator:
        return "creator"
    if user.id in chat.admins:
        return "administrator"
    return "member" if user.id in chat.members else "left"


class World(State):
    """The emulated Telegram and the synchronous API tests (and the console) use to act in it."""

    # ----------------------------------------------------------------------------- building

    def add_user(
        self,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
        user_id: int | None = None,
    ) -> FakeUser:
        """A new Telegram user."""
        uid = user_id if user_id is not None else next(self._user_ids)
        while user_id is None and uid in self.users:
            uid = next(self._user_ids)
        if uid in self.users:
            raise ValueError(f"user id {uid} is taken")
        user = FakeUser(uid, first_name, username=username, last_name=last_name,
                        language_code=language_code)
        self.users[uid] = user
        return user

    def add_group(
        self,
        title: str,
        *,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        creator: FakeUser | None = None,
        supergroup: bool = True,
        forum: bool = False,
        bot_member: bool = True,
        chat_id: int | None = None,
    ) -> FakeChat:
        """A group chat (no updates are queued: the bot is simply there, or not)."""
        if chat_id is None:
            chat_id = -next(self._supergroup_ids) if supergroup else -next(self._group_ids)
            while chat_id in self.chats:
                chat_id = -next(self._supergroup_ids) if supergroup else -next(self._group_ids)
        if chat_id in self.chats:
            raise ValueError(f"chat id {chat_id} is taken")
        chat = FakeChat(chat_id, "supergroup" if supergroup else "group", title=title,
                        is_forum=forum and supergroup)
        chat.bot_status = "member" if bot_member else "left"
        chat.members.update(u.id for u in members)
        chat.admins.update(u.id for u in admins)
        if creator is not None:
            chat.creator = creator.id
            chat.admins.add(creator.id)
        chat.members.update(chat.admins)
        self.chats[chat_id] = chat
        return chat

    def add_channel(self, title: str, *, username: str | None = None,
                    chat_id: int | None = None) -> FakeChat:
        """A channel, to post as (`send(..., sender_chat=channel)`)."""
        cid = chat_id if chat_id is not None else -next(self._supergroup_ids)
        chat = FakeChat(cid, "channel", title=title, username=username)
        self.chats[cid] = chat
        return chat

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The user's private chat with the bot (its id is the user's id)."""
        chat = self.chats.get(user.id)
        if chat is None:
            chat = FakeChat(user.id, "private", username=user.username,
                            first_name=user.first_name, last_name=user.last_name)
            chat.bot_status = "member"
            self.chats[user.id] = chat
        return chat

    def set_admin(self, chat: FakeChat, user: FakeUser, admin: bool = True, *,
                  anonymous: bool = False) -> None:
        """Make `user` an administrator (optionally anonymous) of the group, or not."""
        if user.id == self.bot_user.id:
            if chat.bot_status in ("member", "administrator"):
                chat.bot_status = "administrator" if admin else "member"
        elif admin:
            chat.members.add(user.id)
            chat.admins.add(user.id)
            if anonymous:
                chat.anonymous_admins.add(user.id)
            else:
                chat.anonymous_admins.discard(user.id)
        else:
            old = chat_member_status(chat, user)
            chat.admins.discard(user.id)
            chat.anonymous_admins.discard(user.id)
            if chat.creator == user.id:
                chat.creator = None
            self._user_change(chat, user, old, chat_member_status(chat, user))
        self.notify()

    def add_member(self, chat: FakeChat, user: FakeUser) -> FakeMessage:
        """`user` joins the group: a service message with `new_chat_members`."""
        chat.members.add(user.id)
        return self.post(chat, user, service={"new_chat_members": [user.to_dict()]})

    def remove_member(
        self, chat: FakeChat, user: FakeUser, *, service_message: bool = True
    ) -> FakeMessage | None:
        """`user` leaves the group: a service message with `left_chat_member` (Telegram leaves
        it out in large groups: `service_message=False`), and a `chat_member` update where the
        bot is an administrator."""
        old = chat_member_status(chat, user)
        message = (
            self.post(chat, user, service={"left_chat_member": user.to_dict()})
            if service_message else None
        )
        chat.members.discard(user.id)
        chat.admins.discard(user.id)
        chat.anonymous_admins.discard(user.id)
        self._user_change(chat, user, old, "left")
        return message

    def add_bot(self, chat: FakeChat, by: FakeUser) -> None:
        """`by` adds the bot to the group: `my_chat_member` plus a `new_chat_members` message."""
        old, chat.bot_status = chat.bot_status, "member"
        chat.members.add(by.id)
        self._member_change(chat, by, old, "member")
        self.post(chat, by, service={"new_chat_members": [self.bot_user.to_dict()]})

    def remove_bot(self, chat: FakeChat, by: FakeUser, kicked: bool = True) -> None:
        """`by` removes the bot (kicked, or left): `my_chat_member`; later calls get 403."""
        old, chat.bot_status = chat.bot_status, "kicked" if kicked else "left"
        self._member_change(chat, by, old, chat.bot_status)

    def migrate(self, chat: FakeChat, by: FakeUser | None = None) -> FakeChat:
        """Upgrade a basic group to a supergroup with a new id; the old id then answers 400."""
        if chat.type != "group":
            raise ValueError("only a basic group can be migrated")
        new = self.add_group(chat.title or "", supergroup=True, bot_member=False)
        new.members, new.admins = set(chat.members), set(chat.admins)
        new.anonymous_admins, new.creator = set(chat.anonymous_admins), chat.creator
        new.bot_status = chat.bot_status
        who = by or self.users.get(chat.creator or 0) or next(
            (self.users[u] for u in sorted(chat.admins | chat.members) if u in self.users),
            self.anonymous_bot,
        )
        self.post(chat, who, service={"migrate_to_chat_id": new.id})
        chat.migrated_to = new.id
        self.post(new, self.anonymous_bot, sender_chat=new,
                  service={"migrate_from_chat_id": chat.id})
        return new

    def block_bot(self, user: FakeUser, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends to them answer 403."""
        user.blocked = blocked
        self.notify()

    def delete_topic(self, chat: FakeChat, thread_id: int) -> None:
        """A forum topic is deleted: sends into it answer `message thread not found`."""
        chat.deleted_topics.add(thread_id)

    def _resolve_reply(self, chat: FakeChat, reply_to: MessageRef | None) -> FakeMessage | None:
        if reply_to is None:
            return None
        if isinstance(reply_to, FakeMessage):
            if reply_to.chat is not chat:
                raise ValueError("reply_to must be a message in the same chat")
            return reply_to
        return self.find_message(chat, reply_to)

    def send(
        self,
        chat: FakeChat,
        user: FakeUser | None,
        text: str = "",
        *,
        reply_to: MessageRef | None = None,
        thread_id: int | None = None,
        mentions: Mapping[str, FakeUser] | None = None,
        photo: bool = False,
        caption: str | None = None,
        sender_chat: FakeChat | None = None,
        media_group_id: str | None = None,
    ) -> FakeMessage:
        """`user` posts `text` (or a photo with `caption`, default `text`) and the bot hears it.

        `sender_chat=chat` posts as an anonymous admin, a channel posts as that channel.
        """
        if sender_chat is not None:
            author = self.anonymous_bot if sender_chat is chat else self.channel_bot
        elif user is None:
            raise ValueError("a message needs a user or a sender_chat")
        else:
            author = user
            if chat.type == "private":
                user.started, user.blocked = True, False
            elif chat.is_group:
                chat.members.add(user.id)
        body = (caption if caption is not None else text) if photo else text
        if not photo and not body:
            raise ValueError("a text message needs text")
        fields: JSON = {"plain": body, "entities": user_entities(body, mentions)}
        if photo:
            fields["caption"] = body or None
            fields["photo"] = self._photo_sizes()
            fields["media_group_id"] = media_group_id
        else:
            fields["text"] = body
        if thread_id is not None:
            fields["message_thread_id"] = thread_id
            fields["is_topic_message"] = chat.is_forum
        fields["reply_to"] = self._resolve_reply(chat, reply_to)
        return self.post(chat, author, sender_chat=sender_chat, **fields)

    def send_document(
        self, chat: FakeChat, user: FakeUser, file_name: str, content: bytes, *,
        caption: str | None = None, mime_type: str = "application/octet-stream",
    ) -> FakeMessage:
        """`user` sends a file (a spreadsheet): the bot can getFile and download it."""
        if chat.type == "private":
            user.started, user.blocked = True, False
        elif chat.is_group:
            chat.members.add(user.id)
        file_id, unique = self.new_file_id(
            "document", size=len(content), filename=file_name, content=content
        )
        document: JSON = {"file_id": file_id, "file_unique_id": unique, "file_name": file_name,
                          "mime_type": mime_type, "file_size": len(content)}
        fields: JSON = {"plain": caption or "", "entities": user_entities(caption or ""),
                        "caption": caption, "document": document, "reply_to": None}
        return self.post(chat, user, **fields)

    def send_location(
        self, chat: FakeChat, user: FakeUser, latitude: float, longitude: float, *,
        forwarded_from: FakeUser | None = None,
    ) -> FakeMessage:
        """`user` shares a location (or forwards someone's, which Telegram marks)."""
        if chat.type == "private":
            user.started, user.blocked = True, False
        extra: JSON = {"location": {"latitude": latitude, "longitude": longitude}}
        if forwarded_from is not None:
            extra["forward_origin"] = {"type": "user", "date": self.now_ts(),
                                       "sender_user": forwarded_from.to_dict()}
        # Fields the message model has no slot for travel in `service`, merged as they are.
        return self.post(chat, user, service=extra, plain=None, reply_to=None)

    def _photo_sizes(self, size: int = 54_321) -> list[JSON]:
        sizes = []
        for width, height, share in ((90, 67, 0.05), (800, 600, 1.0)):
            file_id, unique = self.new_file_id("photo", width=width, height=height)
            sizes.append({"file_id": file_id, "file_unique_id": unique, "width": width,
                          "height": height, "file_size": int(size * share)})
        return sizes

    def edit(self, message: FakeMessage, new_text: str, *,
             mentions: Mapping[str, FakeUser] | None = None) -> FakeMessage:
        """The author edits a message: an `edited_message` update."""
        media = message.photo is not None or message.document is not None
        message.history.append((message.caption if media else message.text) or "")
        if media:
            message.caption = new_text
        else:
            message.text = new_text
        message.plain, message.entities = new_text, user_entities(new_text, mentions)
        message.edit_date = self.now_ts()
        if self.bot_present(message.chat):
            self.enqueue("edited_message", message.to_dict())
        return message

    # ----------------------------------------------------------------------------- buttons

    def tap(self, message: FakeMessage, button: int | str, user: FakeUser) -> str:
        """Press an inline button (flattened index or callback_data); return the query id."""
        buttons = message.buttons
        if isinstance(button, int):
            if not 0 <= button < len(buttons):
                raise IndexError(f"message has {len(buttons)} buttons, no button {button}")
            data = buttons[button].get("callback_data")
            if data is None:
                raise ValueError(f"button {button} has no callback_data: {buttons[button]}")
        else:
            if not any(b.get("callback_data") == button for b in buttons):
                raise ValueError(f"no button with callback_data {button!r} on the message")
            data = button
        return self.tap_raw(message, data, user)

    def tap_raw(self, message: FakeMessage, data: str, user: FakeUser) -> str:
        """Send a callback query with any data (as a forged client could)."""
        query_id = str(next(self._query_ids))
        self._open_queries[query_id] = message
        payload: JSON = {
            "id": query_id, "from": user.to_dict(), "message": message.to_dict(),
            "chat_instance": str(abs(message.chat.id) * 7 + 3), "data": data,
        }
        self.enqueue("callback_query", payload)
        return query_id
