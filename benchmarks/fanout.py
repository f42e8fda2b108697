"""Fan-out: 1,000 groups with a shift at the same 19:00, every reminder due at 18:00.

Telegram's own bound is 30 messages a second: 1,000 reminders need about 33 s. The fake Bot
API enforces 30/s overall and 20/min per group and answers 429 beyond them; the bot's real
Application (rate limiter, notifier, dispatcher) sends over loopback HTTP. With 2 instances
both tick at once on one PostgreSQL, sharing the outbox and Telegram's limits. Each instance
runs in its own process, as `dutybot run` does; the fake Bot API in the benchmark's own.
Measured: when the last reminder arrived after the tick began, reminders per group, 429s.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from benchmarks.planner_tick import EVENING, seed
from benchmarks.targets import Target, postgresql, sqlite
from bot.app import build_application
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.emulator import Emulator, FakeBotApiServer
from scheduler import jobs
from scheduler.clock import ManualClock, SystemClock
from storage.db import make_session_factory
from storage.models import Outbox, OutboxStatus

GROUPS = 1000
BOUND = GROUPS / 30  # seconds Telegram needs at 30 messages a second


@dataclass
class Result:
    """One run."""

    last: float  # seconds from the tick's start to the last reminder's arrival
    delivered: int
    groups_once: int  # groups that got exactly one reminder
    flood: int  # 429 answers
    left: int  # reminders not sent


def _instance(target: Target, base_url: str, token: str, owner: str,
              ready: Any, go: Any, done: Any) -> None:
    """One instance of the bot, in its own process (as `dutybot run` would be)."""
    asyncio.run(_serve(target, base_url, token, owner, ready, go, done))


async def _serve(target: Target, base_url: str, token: str, owner: str,
                 ready: Any, go: Any, done: Any) -> None:
    clock = ManualClock(EVENING)  # 18:00 in Shanghai: every reminder is due
    settings = Settings(telegram=TelegramSettings(token=token, api_base_url=base_url),
                        database=DatabaseSettings(url=target.url), bot=BotSettings())
    engine = target.engine()
    sessions = make_session_factory(engine)
    app = build_application(settings, sessions, clock,
                            shared_limits=target.name == "postgresql")
    await app.initialize()
    ready.release()
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    try:
        for _round in range(4):  # a tick sends for at most 45 s; the next takes the rest
            await jobs.tick(sessions, app.bot_data["services"].notifier.deliver, clock.now(),
                            owner=owner)
            async with sessions() as session:
                left = int(await session.scalar(
                    select(func.count()).select_from(Outbox).where(
                        Outbox.status == OutboxStatus.PENDING)) or 0)
            if not left:
                break
    finally:
        await app.shutdown()
        await engine.dispose()
        done.put(left)


async def run(target: Target, instances: int) -> Result:
    """Seed GROUPS teams, start `instances` bots (each its own process), tick them all at
    18:00, wait for the sends. The fake Bot API runs in this process, as Telegram would run
    apart from the bot."""
    await seed(target, GROUPS, duties=(("督导", 19, 21),), need_min=2)
    emulator = Emulator(SystemClock())  # the limits in real seconds
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    for g in range(GROUPS):
        emulator.add_group(f"Team {g}", chat_id=-100_000 - g)
    spawn = multiprocessing.get_context("spawn")
    ready, go, done = spawn.Semaphore(0), spawn.Event(), spawn.Queue()
    workers = [spawn.Process(target=_instance, args=(target, base_url, emulator.token,
                                                     f"instance-{i}", ready, go, done))
               for i in range(instances)]
    loop = asyncio.get_running_loop()
    try:
        for worker in workers:
            worker.start()
        for _ in workers:
            await loop.run_in_executor(None, ready.acquire)
        wall = datetime.now(UTC)
        go.set()
        lefts = [await loop.run_in_executor(None, done.get) for _ in workers]
        left = min(lefts)
        for worker in workers:
            await loop.run_in_executor(None, worker.join)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
        await server.stop()
    sends = [c for c in emulator.calls
             if c.method == "sendMessage" and c.outcome == "ok"
             and int(c.params.get("chat_id", 0)) < 0]
    per_group: dict[int, int] = {}
    for call in sends:
        chat = int(call.params["chat_id"])
        per_group[chat] = per_group.get(chat, 0) + 1
    last = max(((c.at - wall).total_seconds() for c in sends), default=0.0)
    return Result(last=last, delivered=len(sends),
                  groups_once=sum(1 for n in per_group.values() if n == 1),
                  flood=emulator.flood_errors, left=left)


async def main() -> None:
    """Print a table: database × instances → when the last reminder arrived."""
    print(f"## Fan-out: {GROUPS} groups, reminders due at the same minute "
          f"(Telegram's bound {BOUND:.0f} s; target ≤ {1.15 * BOUND:.0f} s)\n")
    print("| database | instances | last reminder after (s) | delivered | groups with one "
          "| 429s | not sent |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for backend, instances in ((sqlite, 1), (postgresql, 1), (postgresql, 2)):
        async with backend() as target:
            if target is None:
                print(f"| {backend.__name__} | {instances} | not reachable | | | | |")
                continue
            r = await run(target, instances)
        print(f"| {target.name} | {instances} | {r.last:.1f} | {r.delivered} | "
              f"{r.groups_once} | {r.flood} | {r.left} |")
    print()
