"""A scheduled send re-checks its deadline once the rate limiter gives it a slot."""

from __future__ import annotations

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
