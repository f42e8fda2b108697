"""One member must not use up the group's 20 messages a minute; nobody's command is lost.

A token bucket per (group, member): a burst of `burst` commands, then one every `every`
seconds. A command past the bucket waits for its token (a short queue, said once with
"please slow down"); past the queue it is not done, and the member is told so. Leaders and
bot administrators are never limited (the gate asks only when the bucket is empty), and only
commands whose answer goes to the group are counted.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from storage import pacing
from storage.db import SessionFactory, at_once
from storage.pacing import Bucket

log = logging.getLogger(__name__)

BURST = 10
EVERY = 6.0  # seconds per command once the burst is spent
QUEUE = 10  # commands that may wait for a token; past that they are not done
TRIES = 10  # a shared bucket changed by another instance meanwhile is read again this often


class Verdict(enum.Enum):
    """What to do with a member's next command."""

    ANSWER = "answer"
    WAIT = "wait"  # answer after `Decision.wait` seconds
    DROP = "drop"  # not done: tell the member


@dataclass(frozen=True)
class Decision:
    """The verdict, how long to wait first, and whether to say "please slow down" now."""

    verdict: Verdict
    wait: float = 0.0
    warn: bool = False


ANSWER = Decision(Verdict.ANSWER)
Key = tuple[int, int]  # (chat, user)


@dataclass
class CommandThrottle:
    """Token buckets per (chat, user), in seconds since the epoch (`now` is injectable): in
    this process's memory, or with `shared` in the database, where every instance of a
    deployment counts the same member's commands together (storage.pacing)."""

    burst: int = BURST
    every: float = EVERY
    queue: int = QUEUE
    shared: SessionFactory | None = None
    # Alone: the buckets. Shared: each as this instance last saw it, with its version (None:
    # not stored yet); another instance's change since is found when storing fails.
    _buckets: dict[Key, tuple[Bucket | None, int | None]] = field(default_factory=dict)
    # One command of a member at a time in this instance (shared: a stored bucket changes
    # only from the version read, so two here at once would undo each other's reads).
    _turns: weakref.WeakValueDictionary[Key, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary)

    def step(self, bucket: Bucket | None, now: float) -> tuple[Decision, Bucket]:
        """The rule: what one more command gets, and the bucket after it."""
        if bucket is None:
            bucket = Bucket(float(self.burst), now)
        tokens = min(float(self.burst), bucket.tokens + max(0.0, now - bucket.at) / self.every)
        if tokens >= 1:
            full = tokens >= self.burst - 1
            return ANSWER, Bucket(tokens - 1, now, bucket.warned and not full,
                                  bucket.dropped and not full)
        if tokens - 1 < -self.queue:
            # told once, not per command
            return (Decision(Verdict.DROP, warn=not bucket.dropped),
                    Bucket(tokens, now, bucket.warned, True))
        return (Decision(Verdict.WAIT, wait=(1 - tokens) * self.every, warn=not bucket.warned),
                Bucket(tokens - 1, now, True, bucket.dropped))

    async def check(self, chat_id: int, user_id: int,
                    exempt: Callable[[], Awaitable[bool]] | None = None,
                    now: float | None = None) -> Decision:
        """Take a token for one command and say when to answer it. `exempt` is asked only
        when the bucket is empty: if it says so, the command is answered and takes nothing."""
        now = time.time() if now is None else now
        key = (chat_id, user_id)
        turn = self._turns.setdefault(key, asyncio.Lock())
        async with turn:
            return await self._check(key, exempt, now)

    async def _check(self, key: Key, exempt: Callable[[], Awaitable[bool]] | None,
                     now: float) -> Decision:
        chat_id, user_id = key
        decision = ANSWER
        for _ in range(TRIES):
            known = self._buckets.get(key)
            if known is None and self.shared is not None:
                try:
                    async with at_once(self.shared) as db:
                        known = await pacing.bucket(db, chat_id, user_id)
                except (SQLAlchemyError, OSError) as exc:
                    log.warning("no command count for %s in chat %s: %s", user_id, chat_id, exc)
                    return ANSWER  # the command meets the same database, and says so
            bucket, version = known or (None, None)
            decision, new = self.step(bucket, now)
            if decision.verdict is not Verdict.ANSWER and exempt is not None and await exempt():
                return ANSWER
            if self.shared is None:
                self._buckets[key] = (new, None)
                return decision
            try:
                async with at_once(self.shared) as db:
                    kept = await pacing.keep_bucket(db, chat_id, user_id, new, version)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("no command count for %s in chat %s: %s", user_id, chat_id, exc)
                return ANSWER
            if kept is not None:
                self._buckets[key] = (new, kept)
                return decision
            self._buckets.pop(key, None)  # another instance counted a command: read again
        log.warning("member %s in chat %s: bucket kept changing", user_id, chat_id)
        return decision  # the rule's verdict on what was last read
