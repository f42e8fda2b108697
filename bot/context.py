"""The services every handler reaches through its context, and the per-update group view."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, Message, Update, User
from telegram.ext import Application, CallbackContext, ExtBot

from bot.acks import Ack, AckCoalescer, AckKey
from bot.config import Settings
from bot.debounce import Debouncer
from bot.i18n import Translator, language_for_user, translator
from bot.leaders import AdminCache, is_leader, is_telegram_admin
from bot.metrics import Metrics
from bot.throttle import CommandThrottle
from bot.views.labels import leaders_only
from scheduler.clock import Clock
from storage import groups
from storage.db import SessionFactory
from storage.ids import parse_id
from storage.members import UserRef
from storage.models import Group, GroupStatus

if TYPE_CHECKING:
    from bot.inbox import Inbox
    from bot.notify import Notifier
    from bot.outgoing import Outgoing


@dataclass
class Services:
    """What the shell hands to handlers: no globals, everything injected."""

    settings: Settings
    sessions: SessionFactory
    clock: Clock
    outgoing: Outgoing
    acks: AckCoalescer
    admin_cache: AdminCache = field(default_factory=AdminCache)
    groups: GroupCache = field(default_factory=lambda: GroupCache())  # (defined below)
    roster_edits: Debouncer = field(default_factory=lambda: Debouncer(1.0))
    throttle: CommandThrottle = field(default_factory=CommandThrottle)
    # /verify's answers per person (commands.certificate), counted for the deployment.
    verifications: CommandThrottle = field(default_factory=CommandThrottle)
    # Paced commands waiting for their turn (bot.gate), by update id.
    replays: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    notifier: Notifier | None = None
    metrics: Metrics = field(default_factory=Metrics)
    # The webhook's inbox (bot.inbox), in `dutybot run`'s webhook mode.
    inbox: Inbox | None = None


@dataclass(frozen=True)
class GroupInfo:
    """A snapshot of the group an update came from (read once by the gate)."""

    id: int
    chat_id: int
    title: str
    timezone: str
    language: str
    status: GroupStatus

    @classmethod
    def of(cls, group: Group) -> GroupInfo:
        """Snapshot a Group row."""
        return cls(
            id=group.id, chat_id=group.telegram_chat_id, title=group.title,
            timezone=group.timezone, language=group.language, status=group.status,
        )


# The gate's copy of active groups: most updates come from a group as it was a moment ago, so
# the gate need not open a session for each one. A copy is dropped when this process commits
# a change to any group row (storage.groups.changes) and after GROUP_TTL seconds, so a change
# made by another instance (a new language, a group taken off) is seen within that time.
# Only active groups are kept: a pending group is read every time, so its approval counts at
# once on every instance.
GROUP_TTL = 10.0  # seconds


@dataclass
class GroupCache:
    """Active groups by chat id, as last read, with the change count they were read at."""

    ttl: float = GROUP_TTL
    _kept: dict[int, tuple[GroupInfo, int, float]] = field(default_factory=dict)

    def get(self, chat_id: int) -> GroupInfo | None:
        """The group as read less than `ttl` ago with no group change committed since."""
        kept = self._kept.get(chat_id)
        if kept is None:
            return None
        info, seen_at, read_at = kept
        if seen_at != groups.changes() or time.monotonic() - read_at > self.ttl:
            del self._kept[chat_id]
            return None
        return info

    def put(self, info: GroupInfo, seen_at: int) -> None:
        """Keep an active group read when the change count was `seen_at` (taken before the
        read, so a change committed during it leaves the copy stale at once)."""
        if info.status is GroupStatus.ACTIVE:
            self._kept[info.chat_id] = (info, seen_at, time.monotonic())


class DutyContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context plus typed access to our services and the update's group."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self.group: GroupInfo | None = None

    @property
    def services(self) -> Services:
        """The injected services."""
        services = self.bot_data["services"]
        assert isinstance(services, Services)
        return services

    async def reply(
        self,
        update: Update,
        text: str,
        *,
        kind: str = "reply",
        name: str = "",
        render_many: Callable[[Sequence[Ack]], list[str]] | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Answer a command: in a group through the acknowledgement coalescer, else directly.

        `markup` buttons must act on whoever taps them: acknowledgements get combined.
        """
        message = update.effective_message
        if message is None:
            return
        if self.group is None:
            await message.reply_text(text, reply_markup=markup)
            return
        key = AckKey(self.group.chat_id, thread_of(update), kind)
        ack = Ack(text=text, reply_to=message.message_id, name=name, render_many=render_many,
                  markup=markup)
        await self.services.acks.add(key, ack)

    async def is_group_admin(self, user_id: int) -> bool:
        """Is the user a Telegram administrator of this update's group (or a bot admin)?"""
        if self.group is None:
            return False
        return await is_telegram_admin(
            self.bot, self.services.admin_cache, self.services.settings, self.group.chat_id,
            user_id,
        )

    async def is_leader(self, user_id: int) -> bool:
        """May the user run leader commands in this update's group?"""
        if self.group is None:
            return False
        return await self.leads(self.group.chat_id, self.group.id, user_id)

    async def leads(self, chat_id: int, group_id: int, user_id: int) -> bool:
        """May the user run leader commands in that group (asked from anywhere, e.g. a
        button in a private chat)?"""
        services = self.services
        return await is_leader(
            self.bot, services.admin_cache, services.settings, services.sessions,
            chat_id=chat_id, group_id=group_id, user_id=user_id,
        )

    async def refused_unless_leader(self, update: Update) -> bool:
        """Answer "leaders only" unless the sender leads this group; True when refused."""
        user = update.effective_user
        if user is not None and await self.is_leader(user.id):
            return False
        await self.reply(update, leaders_only(self.translator_for(update)), kind="refused")
        return True

    def translator_for(self, update: Update | None) -> Translator:
        """The language to answer in: the group's, else the user's own."""
        if self.group is not None:
            return translator(self.group.language)
        default = self.services.settings.bot.language
        user = update.effective_user if update else None
        return translator(language_for_user(user.language_code if user else None, default))


def user_ref(user: User) -> UserRef:
    """Storage's view of a Telegram user."""
    return UserRef(
        telegram_user_id=user.id,
        full_name=user.full_name,
        username=user.username,
        language_code=user.language_code,
    )


def thread_of(update: Update) -> int | None:
    """The forum topic an update came from, so replies land in the same topic."""
    message = update.effective_message
    if message is not None and message.is_topic_message:
        return message.message_thread_id
    return None


def button_number(update: Update) -> int | None:
    """The number in a button's `verb:<n>` data; None for anything else (data is untrusted)."""
    query = update.callback_query
    tail = (query.data or "").partition(":")[2] if query is not None else ""
    return parse_id(tail) if tail else None


def sent_at(message: Message, now: datetime) -> datetime:
    """The message's own date: a backlog handled after an outage keeps its times."""
    return message.date if message.date is not None else now
