"""Two instances on one PostgreSQL count Telegram's limits together (storage.sendslots)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.ratelimit import DutyRateLimiter
from storage.db import SessionFactory
from tests.conftest import Database

GROUP = (4, 1.0)  # Telegram's 20 a minute, shrunk so the test takes seconds


@pytest.mark.race(sessions=4)
async def test_race_two_instances_never_exceed_a_groups_window_together(
    database: Database, other_instance: SessionFactory,
) -> None:
    limiters = [DutyRateLimiter(group=GROUP, shared=database.sessions),
                DutyRateLimiter(group=GROUP, shared=other_instance)]
    sent: dict[int, list[float]] = {-100: [], -200: []}

    def sender(chat: int) -> Any:
        async def send(*_a: Any, **_kw: Any) -> dict[str, Any]:
            sent[chat].append(time.monotonic())
            return {"ok": True}
        return send

    async def post(limiter: DutyRateLimiter, chat: int) -> None:
        await limiter.process_request(sender(chat), (), {}, "sendMessage",
                                      {"chat_id": chat, "text": "x"}, None)

    for limiter in limiters:
        await limiter.initialize()
    started = time.monotonic()
    await asyncio.gather(*(post(limiters[i % 2], chat)
                           for i in range(10) for chat in (-100, -200)))
    took = time.monotonic() - started
    for times in sent.values():
        assert len(times) == 10
        # in any window of a second, at most 4 into one group, from both instances together
        assert all(sum(1 for t in times if first <= t < first + GROUP[1]) <= GROUP[0]
                   for first in times)
    assert took >= 2.0  # 10 messages at 4 a second wait for two windows to slide
