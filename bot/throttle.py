"""One member must not use up the group's 20 messages a minute; nobody's command is lost.

A token bucket per (group, member): a burst of `burst` commands, then one every `every`
seconds. A command past the bucket waits for its token (a short queue, said once with
"please slow down"); past the queue it is not done, and the member is told so. Leaders and
bot administrators are never limited (the gate asks only when the bucket is empty), and only
commands whose answer goes to the group are counted.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

BURST = 10
EVERY = 6.0  # seconds per command once the burst is spent
QUEUE = 10  # commands that may wait for a token; past that they are not done


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


@dataclass
class CommandThrottle:
    """Token buckets per (chat, user), in monotonic seconds (`now` is injectable)."""

    burst: int = BURST
    every: float = EVERY
    queue: int = QUEUE
    _buckets: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    _warned: set[tuple[int, int]] = field(default_factory=set)
    _dropped: set[tuple[int, int]] = field(default_factory=set)

    def _tokens(self, key: tuple[int, int], now: float) -> float:
        tokens, since = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - since) / self.every)

    def empty(self, chat_id: int, user_id: int, now: float | None = None) -> bool:
        """Would the member's next command have to wait (or be dropped)?"""
        now = time.monotonic() if now is None else now
        return self._tokens((chat_id, user_id), now) < 1

    def check(self, chat_id: int, user_id: int, now: float | None = None) -> Decision:
        """Take a token for one command and say when to answer it."""
        now = time.monotonic() if now is None else now
        key = (chat_id, user_id)
        tokens = self._tokens(key, now)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            if tokens >= self.burst - 1:
                self._warned.discard(key)
                self._dropped.discard(key)
            return Decision(Verdict.ANSWER)
        if tokens - 1 < -self.queue:
            self._buckets[key] = (tokens, now)
            told = key in self._dropped
            self._dropped.add(key)
            return Decision(Verdict.DROP, warn=not told)  # told once, not per command
        self._buckets[key] = (tokens - 1, now)
        warn = key not in self._warned
        self._warned.add(key)
        return Decision(Verdict.WAIT, wait=(1 - tokens) * self.every, warn=warn)
