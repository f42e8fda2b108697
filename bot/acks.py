"""The group's message budget: coalesce acknowledgements that arrive together.

Telegram lets a bot post about 20 messages a minute into one group. When a leader asks forty
members to /signup, answering each would queue replies for minutes. The first
acknowledgement of a kind goes out at once; those that follow within `window` seconds are
collected and posted as one message naming everyone. Every later command uses this.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.pacer import Pacer, RealPacer
from bot.render import chunk_lines
from storage import pacing
from storage.db import SessionFactory, at_once

log = logging.getLogger(__name__)

SendFn = Callable[
    [int, int | None, str, int | None, InlineKeyboardMarkup | None], Awaitable[object]
]
"""Post (chat_id, thread_id, text, reply_to message id, buttons)."""


@dataclass(frozen=True)
class AckKey:
    """Acknowledgements that may share a message: same chat, same topic, same kind."""

    chat_id: int
    thread_id: int | None
    kind: str


@dataclass(frozen=True)
class Ack:
    """One acknowledgement: its own full text, and the name it adds to a combined one."""

    text: str
    reply_to: int | None
    name: str = ""
    render_many: Callable[[Sequence[Ack]], list[str]] | None = None
    # Buttons that act on whoever taps them (never on the person acknowledged): a combined
    # message carries the last one's, under its last part.
    markup: InlineKeyboardMarkup | None = None


@dataclass
class _Batch:
    items: list[Ack] = field(default_factory=list)


def join_texts(acks: Sequence[Ack]) -> list[str]:
    """The plain way to combine acknowledgements: each text, split to fit a message."""
    return chunk_lines([a.text + "\n" for a in acks])


class SharedWindows:
    """The windows of every instance of a deployment, in the database (storage.pacing): times
    there are wall-clock seconds (`wall`), here the coalescer's pacer's."""

    def __init__(self, sessions: SessionFactory, wall: Callable[[], float] = time.time) -> None:
        self._sessions = sessions
        self._wall = wall

    async def take(self, key: AckKey, now: float, window: float) -> float | None:
        """Start the window if the deployment's has passed (None), else say when it passes."""
        wall = self._wall()
        try:
            async with at_once(self._sessions) as db:
                free = await pacing.take_window(db, key.chat_id, key.thread_id, key.kind,
                                                wall, wall + window)
        except (SQLAlchemyError, OSError) as exc:  # this process's window, as if alone
            log.warning("acknowledgement window of chat %s not shared: %s", key.chat_id, exc)
            return None
        return None if free is None else now + (free - wall)


class AckCoalescer:
    """Collects acknowledgements per (chat, topic, kind) and posts them in as few messages."""

    def __init__(self, window: float, send: SendFn, pacer: Pacer | None = None,
                 shared: SharedWindows | None = None) -> None:
        self._window = window
        self._pacer = pacer or RealPacer()
        self._send = send
        self._shared = shared
        # Until when each kind is known to be collecting: this process's own windows, or, with
        # `shared`, what it last learnt of the deployment's (which only move forward).
        self._quiet_at: dict[AckKey, float] = {}
        self._batches: dict[AckKey, _Batch] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def idle(self) -> bool:
        """Nothing collected and nothing being posted."""
        return not self._batches and not self._tasks

    async def _take(self, key: AckKey, waited: float = 0.0) -> float | None:
        """Start the kind's window now if it has passed (None), else say when it passes.
        `waited`: the time already slept to (the pacer may wake a hair before it)."""
        now = max(self._pacer.now(), waited)
        quiet_at = self._quiet_at.get(key, 0.0)
        if quiet_at > now:
            return quiet_at
        if self._shared is not None:
            free = await self._shared.take(key, now, self._window)
            if free is not None:
                self._quiet_at[key] = free
                return free
        self._quiet_at[key] = now + self._window
        return None

    async def add(self, key: AckKey, ack: Ack) -> None:
        """Acknowledge now if the kind was quiet, else join the batch that goes out next."""
        if key not in self._batches and await self._take(key) is None:
            await self._send(key.chat_id, key.thread_id, ack.text, ack.reply_to, ack.markup)
            return
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = _Batch()
            task = asyncio.create_task(self._flush_later(key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        batch.items.append(ack)

    async def _flush_later(self, key: AckKey) -> None:
        try:
            free = await self._take(key)
            while free is not None:
                await self._pacer.sleep(max(0.0, free - self._pacer.now()))
                free = await self._take(key, waited=free)
        finally:
            batch = self._batches.pop(key)  # posted now, or (cancelled) never: not kept
        try:
            if len(batch.items) == 1:
                only = batch.items[0]
                await self._send(key.chat_id, key.thread_id, only.text, only.reply_to,
                                 only.markup)
                return
            render_many = batch.items[-1].render_many or join_texts
            markup = next((a.markup for a in reversed(batch.items) if a.markup), None)
            texts = render_many(batch.items)
            for i, text in enumerate(texts):
                last = i == len(texts) - 1
                await self._send(key.chat_id, key.thread_id, text, None,
                                 markup if last else None)
        except TelegramError as exc:
            log.warning("could not post %d acknowledgements in chat %s: %s",
                        len(batch.items), key.chat_id, exc)
        except Exception:
            log.exception("could not post %d acknowledgements in chat %s",
                          len(batch.items), key.chat_id)

    async def drain(self) -> None:
        """Post everything still collected (at shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
