"""`kill -9` at ten fixed points of an evening's sending, then a restart: nothing is sent twice,
and everything whose fate was known ends delivered.

The bot runs as a real `dutybot run` process against the fake Bot API on 127.0.0.1; its clock
is a file the test writes; `DUTYBOT_CRASH_AT` makes it kill itself at a named point, and the
test kills it itself while a request hangs on the wire.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.emulator import Emulator, FakeBotApiServer, FakeChat
from bot.harness import Harness
from bot.pacer import RealPacer
from scheduler.clock import ManualClock
from storage.db import make_engine, make_session_factory, migrate
from storage.models import Outbox, OutboxStatus
from tests.conftest import BACKENDS, fresh_postgres_database

CHAT_ID = -1009990002
SHANGHAI = ZoneInfo("Asia/Shanghai")
SIX_PM = datetime(2026, 11, 24, 18, 0, tzinfo=SHANGHAI)  # the gap alert and reminder are due

# Where the process dies, and whether the first notification of the batch can have reached
# Telegram (then it must stay unsent by the bot: uncertain) or surely did not (delivered).
POINTS = {
    "before-enqueue": "delivered",
    "after-enqueue": "delivered",  # written but not committed
    "after-plan": "delivered",
    "after-claim": "delivered",
    "before-mark": "delivered",
    "before-request": "uncertain",  # marked sending: nobody can know it was not sent
    "on-the-wire": "uncertain",  # killed while Telegram holds the request
    "after-response": "uncertain",  # Telegram has it; the bot died before writing it down
    "after-send": "uncertain",
    "after-record": "delivered",
}


async def seed(tmp_path: Path, emulator: Emulator, base_url: str, url: str) -> FakeChat:
    """A group with tonight's 19:00 duty that nobody has claimed yet (via the bot itself)."""
    engine = make_engine(url)
    await migrate(engine, SIX_PM)
    clock = ManualClock(datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI))
    settings = Settings(
        telegram=TelegramSettings(token=emulator.token),
        database=DatabaseSettings(url=url),
        bot=BotSettings(allowed_groups=(CHAT_ID,), ack_window=0.1),
    )
    boss = emulator.add_user("Boss")
    group = emulator.add_group("Crash team", chat_id=CHAT_ID, admins=[boss])
    harness = Harness(settings, make_session_factory(engine), clock, emulator, base_url=base_url)
    await harness.start()
    emulator.send(group, boss, "/duty add 督导 每天 19:00-21:00 需要2人")
    await harness.settle()
    await harness.stop()
    await engine.dispose()
    emulator.pacer = RealPacer()  # the real process waits in real seconds
    return group


async def outbox_rows(url: str) -> list[Outbox]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())
    finally:
        await engine.dispose()


async def start(cfg: Path, clock_file: Path, crash: str | None) -> asyncio.subprocess.Process:
    env = dict(os.environ, DUTYBOT_FAKE_CLOCK=str(clock_file), DUTYBOT_TICK_SECONDS="0.2")
    env.pop("DUTYBOT_CRASH_AT", None)
    if crash:
        env["DUTYBOT_CRASH_AT"] = crash
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(cfg), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


@pytest.fixture(params=BACKENDS)
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own for the real process: a SQLite file, or a fresh PostgreSQL
    database (the process has no search path to set)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    async with fresh_postgres_database("dutybot_crash") as url:
        yield url


@pytest.mark.parametrize("point", list(POINTS))
async def test_a_kill_at_any_point_never_sends_twice(
    tmp_path: Path, point: str, url: str
) -> None:
    emulator = Emulator(ManualClock(SIX_PM))
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    try:
        group = await seed(tmp_path, emulator, base_url, url)
        before = len(emulator.bot_messages(group))
        clock_file = tmp_path / "now"
        clock_file.write_text(SIX_PM.astimezone(UTC).isoformat(), encoding="utf-8")
        cfg = tmp_path / "cfg.toml"
        cfg.write_text(
            f'[telegram]\ntoken = "{emulator.token}"\napi_base_url = "{base_url}"\n'
            f'[database]\nurl = "{url}"\n[bot]\nallowed_groups = [{CHAT_ID}]\n',
            encoding="utf-8",
        )
        if point == "on-the-wire":
            emulator.inject("sendMessage", "hang", chat_id=CHAT_ID)
            first = await start(cfg, clock_file, None)
            await emulator.wait_for(lambda: emulator.hanging > 0, timeout=60)
            first.send_signal(signal.SIGKILL)
        else:
            first = await start(cfg, clock_file, point)
        await asyncio.wait_for(first.wait(), timeout=60)
        assert first.returncode == -signal.SIGKILL
        emulator.release_hangs()

        second = await start(cfg, clock_file, None)

        async def settled() -> bool:
            rows = await outbox_rows(url)
            return len(rows) == 2 and all(
                r.status not in (OutboxStatus.PENDING, OutboxStatus.CLAIMED,
                                 OutboxStatus.SENDING) for r in rows
            )

        for _ in range(300):
            if await settled():
                break
            await asyncio.sleep(0.1)
        second.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(second.communicate(), timeout=30)
        assert second.returncode == 0, err.decode()[-2000:]
    finally:
        await server.stop()

    rows = await outbox_rows(url)
    posted = [m.text or "" for m in emulator.bot_messages(group)[before:]]
    gap, reminder = (sum(mark in text for text in posted) for mark in ("🆘", "⏰"))
    by_kind = {r.kind: r.status for r in rows}
    assert set(by_kind) == {"gap", "reminder"}, rows
    # Never twice, whatever happened.
    assert gap <= 1 and reminder <= 1, posted
    # The gap alert (due first) is the one in flight at the send-side points.
    expected = POINTS[point]
    if expected == "delivered":
        assert by_kind == {"gap": OutboxStatus.SENT, "reminder": OutboxStatus.SENT}
        assert gap == reminder == 1
    else:
        assert by_kind == {"gap": OutboxStatus.UNCERTAIN, "reminder": OutboxStatus.SENT}
        assert reminder == 1
        # Telegram has the alert exactly when the request reached it before the kill.
        assert gap == (1 if point in ("after-response", "after-send") else 0)
