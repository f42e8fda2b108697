"""Crash points: `kill -9` at a named place, for the tests that prove nothing is sent twice.

`DUTYBOT_CRASH_AT=<point>` in the environment makes the process kill itself with SIGKILL when
it reaches that point; without it these calls do nothing.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "before-enqueue", "after-enqueue", "after-plan", "after-claim", "before-mark",
    "before-request", "after-response", "after-send", "after-record",
)


def crash_point(name: str) -> None:
    """Die here, as `kill -9` would, when DUTYBOT_CRASH_AT names this point."""
    if os.environ.get("DUTYBOT_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
