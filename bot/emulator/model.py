"""The emulator's data: users, chats, messages, recorded calls, errors and faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

GROUP_ANONYMOUS_BOT_ID = 1087968824
CHANNEL_BOT_ID = 136817688

JSON = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer: raised inside method implementations, or injected as a fault."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        parameters: JSON | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters: JSON = dict(parameters or {})
        if retry_after is not None:
            self.parameters["retry_after"] = retry_after

    def body(self) -> JSON:
        """The JSON answer Telegram would give."""
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.description!r})"


def bad_request(reason: str) -> ApiError:
    """A 400 `Bad Request: reason`."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """A 403 `Forbidden: reason`."""
    return ApiError(403, f"Forbidden: {reason}")


FaultKind = Literal["drop_before", "drop_after", "hang"]
Fault = ApiError | FaultKind


class ConnectionDropped(Exception):
    """The transport must close the connection without answering (an injected fault)."""

    def __init__(self, method: str, *, applied: bool) -> None:
        what = "after applying" if applied else "before applying"
        super().__init__(f"connection dropped {what} {method}")
        self.method = method
        self.applied = applied


@dataclass
class FaultRule:
    """An injected fault waiting for matching calls."""

    method: str | None
    fault: Fault
    remaining: int | None
    chat_id: int | str | None = None


@dataclass(eq=False)
class FakeUser:
    """A Telegram user (or bot) in the emulated world."""

    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = False  # has written to the bot in their private chat
    blocked: bool = False  # has blocked the bot

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_dict(self) -> JSON:
        """A Bot API `User`."""
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(eq=False)
class FakeChat:
    """A chat: private, group, supergroup or channel, with its members as the world sees them."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    anonymous_admins: set[int] = field(default_factory=set)
    creator: int | None = None
    bot_status: str = "left"  # member | administrator | left | kicked
    migrated_to: int | None = None
    deleted_topics: set[int] = field(default_factory=set)

    @property
    def is_group(self) -> bool:
        """A group or supergroup."""
        return self.type in ("group", "supergroup")

    @property
    def kind_name(self) -> str:
        """How Telegram names this chat in errors: `supergroup chat`, `group chat`, ..."""
        return {"supergroup": "supergroup chat", "group": "group chat"}.get(self.type, "chat")

    def to_dict(self) -> JSON:
        """A Bot API `Chat`."""
        data: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(eq=False)
class FakeMessage:
    """A message in a chat, posted by a user or by the bot.

    `text`/`caption` are as sent (for the bot: the source markup in `parse_mode`);
    `plain` and `entities` are what Telegram stored after parsing.
    """

    message_id: int
    chat: FakeChat
    date: int
    from_user: FakeUser | None
    by_bot: bool = False
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    plain: str | None = None
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    message_thread_id: int | None = None
    is_topic_message: bool = False
    reply_to: FakeMessage | None = None
    sender_chat: FakeChat | None = None
    photo: list[JSON] | None = None
    document: JSON | None = None
    media_group_id: str | None = None
    service: JSON = field(default_factory=dict)
    link_preview_options: JSON | None = None
    disable_notification: bool = False
    edit_date: int | None = None
    history: list[str] = field(default_factory=list)  # earlier texts/captions, oldest first
    deleted: bool = False

    @property
    def reply_to_message_id(self) -> int | None:
        """The id of the message this one replies to."""
        return self.reply_to.message_id if self.reply_to is not None else None

    @property
    def edit_count(self) -> int:
        """How many times the message was edited."""
        return len(self.history)

    @property
    def edited(self) -> bool:
        """Was the message ever edited?"""
        return self.edit_date is not None

    @property
    def buttons(self) -> list[JSON]:
        """The inline keyboard's buttons, flattened row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def to_dict(self, *, nested: bool = True) -> JSON:
        """A Bot API `Message` (with `reply_to_message` one level deep)."""
        data: JSON = {"message_id": self.message_id, "date": self.date, "chat": self.chat.to_dict()}
        if self.from_user is not None:
            data["from"] = self.from_user.to_dict()
        if self.sender_chat is not None:
            data["sender_chat"] = self.sender_chat.to_dict()
        if self.message_thread_id is not None:
            data["message_thread_id"] = self.message_thread_id
        if self.is_topic_message:
            data["is_topic_message"] = True
        if nested and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_dict(nested=False)
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.media_group_id:
            data["media_group_id"] = self.media_group_id
        if self.photo is not None:
            data["photo"] = self.photo
        if self.document is not None:
            data["document"] = self.document
        media = self.photo is not None or self.document is not None
        if self.plain is not None and (self.plain or not media):
            data["caption" if media else "text"] = self.plain
            if self.entities:
                data["caption_entities" if media else "entities"] = self.entities
        if self.link_preview_options:
            data["link_preview_options"] = self.link_preview_options
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = {"inline_keyboard": self.reply_markup["inline_keyboard"]}
        data.update(self.service)
        return data


@dataclass
class UploadedFile:
    """A file part of a multipart request: its name, size and bytes (a test opens what the
    bot sent)."""

    filename: str
    size: int
    mime_type: str = "application/octet-stream"
    content: bytes = b""


@dataclass
class SentFile:
    """A file the bot sent (uploaded or by file_id)."""

    method: str
    chat_id: int
    field: str
    filename: str | None
    size: int | None
    file_id: str
    message_id: int
    content: bytes = b""  # the uploaded bytes (empty when sent by file id or URL)


@dataclass
class Call:
    """One Bot API request the emulator received, and how it ended.

    `outcome` is `ok`, `error`, `dropped_before`, `dropped_after` or `hang`.
    """

    method: str
    params: JSON
    at: datetime
    outcome: str = "pending"
    status: int = 0
    error: str | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        """Was the method applied (also when the answer was then dropped)?"""
        return self.status == 200

    @property
    def result_message_id(self) -> int | None:
        """The message id of the message the call produced or edited, if any."""
        if isinstance(self.result, dict) and "message_id" in self.result:
            return int(self.result["message_id"])
        return None
