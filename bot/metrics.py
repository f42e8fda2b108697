"""What `/metrics` tells Prometheus, and what `/healthz` decides from.

One registry per Application (tests run several in one process). Labels are bounded: a
command or button kind the bot does not know counts as "other", so a stranger cannot grow
the label set by typing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from storage.outbox import Backlog

# Handler latency buckets, in seconds: a reply is fine under 0.1 s and slow past 1 s.
LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def telegram_answer(error: BaseException | None) -> str:
    """How Telegram answered a request: ok, 429, 400, 403, 5xx or timeout (else error)."""
    match error:
        case None:
            return "ok"
        case RetryAfter():
            return "429"
        case TimedOut():
            return "timeout"
        case Forbidden():
            return "403"
        case BadRequest():
            return "400"
        case NetworkError():
            return "5xx"  # PTB's name for a server error or a connection that failed
    return "error"


@dataclass
class Health:
    """What the process knows of itself: when the scheduler last finished a tick."""

    started: float = field(default_factory=time.monotonic)
    last_tick: float | None = None

    def ticked(self) -> None:
        """A planner + dispatcher tick finished."""
        self.last_tick = time.monotonic()

    def tick_age(self) -> float:
        """Seconds since the last tick (or since start, before the first)."""
        return time.monotonic() - (self.last_tick or self.started)


class Metrics:
    """The counters, histograms and gauges of one running bot."""

    def __init__(self, commands: Iterable[str] = (), buttons: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry()
        self.health = Health()
        self.commands = frozenset(commands)
        self.buttons = frozenset(buttons)
        self.updates = Counter(
            "dutybot_updates", "Updates handled, by command (or kind) and outcome",
            ["command", "outcome"], registry=self.registry,
        )
        self.latency = Histogram(
            "dutybot_handler_seconds", "Time to handle one update, by command (or kind)",
            ["command"], buckets=LATENCY, registry=self.registry,
        )
        self.sends = Counter(
            "dutybot_telegram_requests", "Requests to the Bot API by Telegram's answer",
            ["answer"], registry=self.registry,
        )
        self.tick = Histogram(
            "dutybot_planner_tick_seconds", "One scheduler tick: plan what is due and send it",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60), registry=self.registry,
        )
        self.outbox = Gauge(
            "dutybot_outbox_rows", "Outbox rows by status and kind", ["status", "kind"],
            registry=self.registry,
        )
        self.inbox_recovered = Counter(
            "dutybot_inbox_recovered",
            "Stored webhook updates taken back once their lease ran out (a stopped instance's, "
            "or stored but never queued): handled here, or dropped because their handling had "
            "begun (whether it took effect is unknown)", ["outcome"],
            registry=self.registry,
        )
        self.oldest = Gauge(
            "dutybot_outbox_oldest_pending_seconds",
            "Age of the oldest due pending outbox row (0: none waiting)", registry=self.registry,
        )

    def label(self, update: Update) -> str:
        """The command or button kind an update is about, from a bounded set."""
        query = update.callback_query
        if query is not None:
            kind = (query.data or "").split(":", 1)[0]
            return "button:" + (kind if kind in self.buttons else "other")
        message = update.effective_message
        if message is not None and message.text and message.text.startswith("/"):
            word = message.text.split()[0][1:].split("@")[0].lower()
            return "/" + word if word in self.commands else "command:other"
        if update.chat_member is not None or update.my_chat_member is not None:
            return "member"
        if message is not None:
            if message.location is not None:
                return "location"
            if message.document is not None:
                return "document"
            if message.photo:
                return "photo"
            return "message"
        return "other"

    def handled(self, update: Update, seconds: float, failed: bool) -> None:
        """Count one handled update."""
        command = self.label(update)
        self.updates.labels(command, "error" if failed else "ok").inc()
        self.latency.labels(command).observe(seconds)

    def backlog(self, backlog: Backlog) -> None:
        """Set the outbox gauges from a fresh count."""
        self.outbox.clear()
        for (status, kind), n in backlog.rows.items():
            self.outbox.labels(status, kind).set(n)
        self.oldest.set(backlog.oldest_pending_seconds)

    def exposition(self) -> bytes:
        """The text Prometheus scrapes."""
        return generate_latest(self.registry)


# The failures of the update being handled (PTB awaits the error handler in the same task).
_FAILURES: ContextVar[list[bool] | None] = ContextVar("dutybot_failures", default=None)


@contextmanager
def watching() -> Iterator[list[bool]]:
    """Collect whether the error handler ran for the update handled inside."""
    failures: list[bool] = []
    token = _FAILURES.set(failures)
    try:
        yield failures
    finally:
        _FAILURES.reset(token)


def note_failure() -> None:
    """The error handler ran: the update being handled counts as an error."""
    failures = _FAILURES.get()
    if failures is not None:
        failures.append(True)
