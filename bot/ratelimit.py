"""Sending within Telegram's limits: 30 messages/s overall, 20 a minute into one group."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram.ext import AIORateLimiter

from scheduler.clock import Clock
from storage.db import in_transaction

log = logging.getLogger(__name__)

# Calls that read state or answer a tap: they post nothing into a chat, so they do not spend
# the group's 20-messages-a-minute budget.
READ_ONLY = frozenset(
    {
        "getChat",
        "getChatMember",
        "getChatAdministrators",
        "getChatMemberCount",
        "getMe",
        "getUpdates",
        "answerCallbackQuery",
        "getMyCommands",
        "setMyCommands",
        "deleteMyCommands",
        "getFile",
    }
)

MAX_RETRIES = 3


class DeadlinePassed(Exception):
    """A scheduled message's deadline passed while it waited for a send slot."""


@dataclass(frozen=True)
class Deadline:
    """`rate_limit_args` for a scheduled send: re-checked after waiting for a slot."""

    at: datetime
    clock: Clock


class DutyRateLimiter(AIORateLimiter):
    """AIORateLimiter that retries 429s and lets read-only calls bypass the group budget."""

    def __init__(self, max_retries: int = MAX_RETRIES, **limits: float) -> None:
        """`limits` are AIORateLimiter's (overall_max_rate, group_time_period, …)."""
        super().__init__(max_retries=max_retries, **limits)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Deadline | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Apply the limits, except the per-chat ones for read-only calls."""
        if in_transaction():
            # Telegram may take seconds (or a 429 minutes): the database must not wait.
            log.error("Telegram request %s inside a database transaction", endpoint)
        if endpoint in READ_ONLY:
            data = {k: v for k, v in data.items() if k != "chat_id"}
        if isinstance(rate_limit_args, Deadline):
            deadline = rate_limit_args
            inner = callback

            async def guarded(*a: Any, **kw: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
                # Runs once the limiter gave us a slot: a reminder must not go out late.
                if deadline.clock.now() >= deadline.at:
                    raise DeadlinePassed
                return await inner(*a, **kw)

            callback, rate_limit_args = guarded, None
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
