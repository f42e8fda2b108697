"""Fan-out: 1,000 groups with a shift at the same 19:00, every reminder due at 18:00.

Telegram's own bound is 30 messages a second: 1,000 reminders need about 33 s. The fake Bot
API enforces 30/s overall and 20/min per group and answers 429 beyond them; the bot's real
Application (rate limiter, notifier, dispatcher) sends over loopback HTTP. With 2 instances
both tick at once on one PostgreSQL, sharing the outbox and Telegram's limits.
Measured: when the last reminder arrived after the tick began, reminders per group, 429s.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

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


async def run(target: Target, instances: int) -> Result:
    """Seed GROUPS teams, start `instances` bots, tick them all at 18:00, wait for the sends."""
    await seed(target, GROUPS, duties=(("督导", 19, 21),), need_min=2)
    emulator = Emulator(SystemClock())  # the limits in real seconds
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    for g in range(GROUPS):
        emulator.add_group(f"Team {g}", chat_id=-100_000 - g)
    clock = ManualClock(EVENING)  # 18:00 in Shanghai: every reminder is due
    settings = Settings(telegram=TelegramSettings(token=emulator.token, api_base_url=base_url),
                        database=DatabaseSettings(url=target.url), bot=BotSettings())
    engines = [target.engine() for _ in range(instances)]
    apps = [build_application(settings, make_session_factory(engine), clock,
                              shared_limits=target.name == "postgresql") for engine in engines]
    for app in apps:
        await app.initialize()
    wall = datetime.now(UTC)
    try:
        for _round in range(4):  # a tick sends for at most 45 s; the next takes the rest
            await asyncio.gather(*(
                jobs.tick(app.bot_data["services"].sessions,
                          app.bot_data["services"].notifier.deliver, clock.now(),
                          owner=f"instance-{i}")
                for i, app in enumerate(apps)
            ))
            async with make_session_factory(engines[0])() as session:
                left = int(await session.scalar(
                    select(func.count()).select_from(Outbox).where(
                        Outbox.status == OutboxStatus.PENDING)) or 0)
            if not left:
                break
    finally:
        for app in apps:
            await app.shutdown()
        for engine in engines:
            await engine.dispose()
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
