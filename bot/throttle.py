"""One member must not use up the group's 20 messages a minute: at most 5 answered commands
a minute each, then one "please slow down", then silence until the minute is over."""

from __future__ import annotations

import enum
import time
from collections import deque
from dataclasses import dataclass, field

LIMIT = 5
PERIOD = 60.0


class Verdict(enum.Enum):
    """What to do with a member's next command."""

    ANSWER = "answer"
    SLOW_DOWN = "slow_down"
    IGNORE = "ignore"


@dataclass
class CommandThrottle:
    """A sliding window of answered commands per (chat, user), in monotonic seconds."""

    limit: int = LIMIT
    period: float = PERIOD
    _seen: dict[tuple[int, int], deque[float]] = field(default_factory=dict)
    _warned: dict[tuple[int, int], float] = field(default_factory=dict)

    def check(self, chat_id: int, user_id: int, now: float | None = None) -> Verdict:
        """Count one command and say whether to answer it."""
        now = time.monotonic() if now is None else now
        key = (chat_id, user_id)
        window = self._seen.setdefault(key, deque())
        while window and window[0] <= now - self.period:
            window.popleft()
        if len(window) < self.limit:
            window.append(now)
            self._warned.pop(key, None)
            return Verdict.ANSWER
        if key in self._warned:
            return Verdict.IGNORE
        self._warned[key] = now
        return Verdict.SLOW_DOWN
