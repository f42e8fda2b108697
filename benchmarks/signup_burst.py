"""A burst of /signup commands through the real Application over loopback HTTP.

Measures how fast the bot works through a backlog (updates per second, end to end: getUpdates,
handler, database transaction, acknowledgement) for several `concurrent_updates` settings,
on SQLite. (PostgreSQL is not measured yet.)
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.emulator import Emulator, FakeBotApiServer
from bot.harness import Harness
from scheduler.clock import ManualClock
from storage.db import make_engine, make_session_factory, migrate

CHAT_ID = -1007770001
BURST = 300


async def run_once(url: str, concurrency: int) -> float:
    """Updates per second for one burst of BURST sign-ups."""
    clock = ManualClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    engine = make_engine(url)
    await migrate(engine, clock.now())
    emulator = Emulator(clock)
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    group = emulator.add_group("Bench", chat_id=CHAT_ID)
    users = [emulator.add_user(f"U{i}") for i in range(BURST)]
    for user in users:
        emulator.add_member(group, user)
    settings = Settings(
        telegram=TelegramSettings(token=emulator.token),
        database=DatabaseSettings(url=url),
        bot=BotSettings(allowed_groups=(CHAT_ID,), ack_window=2.0,
                        concurrent_updates=concurrency),
    )
    harness = Harness(settings, make_session_factory(engine), clock, emulator, base_url=base_url)
    await harness.start()
    await harness.settle()
    started = time.perf_counter()
    for i, user in enumerate(users):
        emulator.send(group, user, f"/signup Bench{i:04d}-{concurrency}")
    await harness.settle(timeout=300)
    elapsed = time.perf_counter() - started
    await harness.stop()
    await server.stop()
    await engine.dispose()
    return BURST / elapsed


async def main() -> None:
    """Print a table: backend × concurrent_updates → updates/s."""
    print(f"## /signup burst ({BURST} updates, loopback HTTP, ack_window 2 s)\n")
    print("| database | concurrent_updates | updates/s |")
    print("|---|---:|---:|")
    backends = []
    with tempfile.TemporaryDirectory() as tmp:
        for concurrency in (1, 8, 32, 256):
            path = Path(tmp) / f"bench-{concurrency}.db"
            backends.append(("sqlite", f"sqlite+aiosqlite:///{path}", concurrency))
        for name, url, concurrency in backends:
            rate = await run_once(url, concurrency)
            print(f"| {name} | {concurrency} | {rate:.0f} |")

