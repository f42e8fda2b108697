"""A scheduled send re-checks its deadline once the rate limiter gives it a slot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.ratelimit import Deadline, DeadlinePassed, DutyRateLimiter
from scheduler.clock import ManualClock
from storage.db import make_engine, make_session_factory, transaction

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


async def test_a_send_whose_deadline_passed_while_waiting_is_not_made() -> None:
    clock = ManualClock(NOW)
    limiter = DutyRateLimiter()
    await limiter.initialize()
    calls: list[str] = []

    async def send(*_a: Any, **_kw: Any) -> dict[str, Any]:
        calls.append("sent")
        return {"ok": True}

    data = {"chat_id": -100, "text": "⏰"}
    await limiter.process_request(send, (), {}, "sendMessage", data,
                                  Deadline(NOW + timedelta(minutes=1), clock))
    assert calls == ["sent"]
    clock.advance(timedelta(minutes=2))  # the wait for a slot took us past the start
    with pytest.raises(DeadlinePassed):
        await limiter.process_request(send, (), {}, "sendMessage", data,
                                      Deadline(NOW + timedelta(minutes=1), clock))
    assert calls == ["sent"]
    await limiter.shutdown()


async def test_a_deadline_that_passes_while_waiting_for_a_slot_stops_the_send() -> None:
    clock = ManualClock(NOW)
    # One message per half second into a group: the second waits for its slot.
    limiter = DutyRateLimiter(group=(1, 0.5))
    await limiter.initialize()
    calls: list[str] = []

    async def send(*_a: Any, **_kw: Any) -> dict[str, Any]:
        calls.append(str(clock.now()))
        return {"ok": True}

    data = {"chat_id": -100, "text": "⏰"}
    deadline = Deadline(NOW + timedelta(minutes=1), clock)
    await limiter.process_request(send, (), {}, "sendMessage", data, deadline)
    assert calls == [str(NOW)]  # the first goes at once, before its deadline

    async def meanwhile() -> None:  # the reminder's start passes during the wait
        await asyncio.sleep(0.1)
        clock.advance(timedelta(minutes=2))

    waiter = asyncio.create_task(meanwhile())
    with pytest.raises(DeadlinePassed):
        await limiter.process_request(send, (), {}, "sendMessage", data, deadline)
    await waiter
    assert calls == [str(NOW)]  # the late one was never sent
    await limiter.shutdown()


async def test_a_request_inside_a_transaction_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    sessions = make_session_factory(engine)
    limiter = DutyRateLimiter()
    await limiter.initialize()

    async def send(*_a: Any, **_kw: Any) -> dict[str, Any]:
        return {"ok": True}

    data = {"chat_id": -100, "text": "x"}
    await limiter.process_request(send, (), {}, "sendMessage", data, None)
    assert "inside a database transaction" not in caplog.text
    async with transaction(sessions):
        await limiter.process_request(send, (), {}, "sendMessage", data, None)
    assert "sendMessage inside a database transaction" in caplog.text
    await limiter.shutdown()
    await engine.dispose()
