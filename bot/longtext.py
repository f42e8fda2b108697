"""Telegram's 4,096-character limit, held in one place for every message the bot sends.

`split_html` cuts a long HTML message into messages that each fit, at line breaks where it
can, never inside a tag or an entity, closing the tags open at a cut and reopening them in
the next part. `DutyBot.send_message` sends every long text in parts, so no view can fail
with "message is too long"; an edit cannot become several messages, so a long edit is cut
at a line (views that edit, like the roster, page instead).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Message
from telegram.error import TelegramError
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

MAX_MESSAGE = 4096
_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\n|[^<&\n]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)")
MORE = "…"
_BREAKS = (" ", "、", "，", ",", "；", ";", "。")


def size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); the source is never shorter than
    the text Telegram shows, so measuring the source is safe."""
    return len(text.encode("utf-16-le")) // 2


def _lines(text: str) -> list[str]:
    """The text split at line breaks that lie outside every tag (a `<pre>` stays whole)."""
    lines, current, depth = [], "", 0
    for token in _TOKEN.findall(text):
        tag = _TAG.match(token) if token.startswith("<") and len(token) > 1 else None
        if token == "\n" and depth == 0:
            lines.append(current)
            current = ""
            continue
        current += token
        if tag is not None and not token.endswith("/>"):
            depth = max(0, depth + (-1 if tag.group(1) else 1))
    return [*lines, current]


class _Line:
    """Cuts one line that is longer than a message, closing and reopening its open tags."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.current = ""
        self.open: list[tuple[str, str]] = []  # (name, the opening tag as written)

    def closing(self) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(self.open))

    def room(self) -> int:
        return self.limit - size(self.current + self.closing())

    def cut(self) -> None:
        self.parts.append(self.current + self.closing())
        self.current = "".join(tag for _, tag in self.open)

    def add(self, token: str) -> None:
        tag = _TAG.match(token) if token.startswith("<") and len(token) > 1 else None
        if tag is not None and tag.group(1):  # a closing tag: its room is already kept
            self.current += token
            if self.open and self.open[-1][0] == tag.group(2).lower():
                self.open.pop()
            return
        if tag is not None and not token.endswith("/>"):
            if self.room() < size(token) + len(tag.group(2)) + 3 + 1:
                self.cut()
            self.current += token
            self.open.append((tag.group(2).lower(), token))
            return
        if size(token) > self.room() and self.current != "".join(t for _, t in self.open):
            self.cut()
        if tag is not None or token.startswith("&"):  # a whole entity never splits
            self.current += token
            return
        while size(token) > self.room():
            head = token[: max(1, self.room())]
            while size(head) > max(1, self.room()) and len(head) > 1:
                head = head[:-1]
            # Between words where there is a break in the second half (、 ， or a space).
            gap = max(head.rfind(mark) for mark in _BREAKS)
            if gap >= len(head) // 2:
                head = head[: gap + 1]
            self.current += head
            token = token[len(head) :]
            self.cut()
        self.current += token


def _split_line(line: str, limit: int) -> list[str]:
    cutter = _Line(limit)
    for token in _TOKEN.findall(line):
        cutter.add(token)
    return [*cutter.parts, cutter.current + cutter.closing()]


def split_html(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """The message as parts that each fit `limit`, cut at line breaks where possible; a
    message that fits is returned as it is."""
    if size(text) <= limit:
        return [text]
    parts: list[str] = []
    current: str | None = None
    for line in _lines(text):
        candidate = line if current is None else f"{current}\n{line}"
        if size(candidate) <= limit:
            current = candidate
            continue
        if current is not None:
            parts.append(current)
            current = None
        if size(line) <= limit:
            current = line
        else:
            *whole, current = _split_line(line, limit)
            parts.extend(whole)
    if current is not None:
        parts.append(current)
    return [part for part in parts if part.strip()]


def cut_html(text: str, limit: int = MAX_MESSAGE) -> str:
    """The first part of a message that does not fit, marked as cut (for edits)."""
    parts = split_html(text, limit - len(MORE) - 1)
    return parts[0] if len(parts) == 1 else f"{parts[0]}\n{MORE}"


class DutyBot(ExtBot[int]):
    """The bot every handler and job uses: long texts go out in parts (see module doc)."""

    async def send_message(
        self, chat_id: int | str, text: str, *args: Any, **kwargs: Any
    ) -> Message:
        parts = split_html(text)
        if len(parts) == 1:
            return await super().send_message(chat_id, text, *args, **kwargs)
        # The reply goes on the first part, the buttons under the last. Once the first part is
        # out the message counts as sent (the outbox must not send it again): a deadline
        # applies to the first part only, and a later part that fails is logged, not raised.
        first = {k: v for k, v in kwargs.items() if k != "reply_markup"}
        later = {k: v for k, v in kwargs.items()
                 if k not in ("reply_parameters", "reply_to_message_id", "rate_limit_args")}
        sent = await super().send_message(chat_id, parts[0], *args, **first)
        for n, part in enumerate(parts[1:], start=2):
            try:
                sent = await super().send_message(chat_id, part, *args, **later)
            except TelegramError as exc:
                log.warning("part %d of %d to chat %s not sent: %s", n, len(parts), chat_id, exc)
                break
        return sent  # the last part sent: the one with the buttons when all went

    async def edit_message_text(
        self, text: str, *args: Any, **kwargs: Any
    ) -> Message | bool:
        return await super().edit_message_text(cut_html(text), *args, **kwargs)
