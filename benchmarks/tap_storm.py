"""A tap storm: 60 volunteers tap Claim on one roster within one minute, in real time.

The real Application (its real rate limiter, acknowledgement windows and roster-edit
debouncer, in real seconds) against the fake Bot API enforcing 20 messages a minute into
the group and 30 a second. Measured: how long each tap waited for its answer (the toast),
how many 429s Telegram had to give, how many roster edits were spent, and whether the roster
message ends showing all 60.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import UTC, datetime

from benchmarks.targets import sqlite
from bot.app import build_application
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.emulator import Emulator, FakeBotApiServer, html_to_plain
from bot.harness import Harness
from bot.pacer import RealPacer
from scheduler.clock import ManualClock
from storage.db import make_session_factory, migrate

TAPS = 60
SECONDS = 60.0
CHAT_ID = -1008700001
NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


async def main() -> None:
    """Print one table row: the storm's answers, 429s, edits, and the final roster."""
    async with sqlite() as target:
        engine = target.engine()
        await migrate(engine, NOON)
        clock = ManualClock(NOON)
        emulator = Emulator(clock)
        server = FakeBotApiServer(emulator)
        base_url = await server.start()
        boss = emulator.add_user("Boss")
        group = emulator.add_group("Storm", chat_id=CHAT_ID, admins=[boss])
        settings = Settings(telegram=TelegramSettings(token=emulator.token),
                            database=DatabaseSettings(url=target.url),
                            bot=BotSettings(allowed_groups=(CHAT_ID,)))
        # The roster is set up through the harness; the storm runs in real seconds.
        harness = Harness(settings, make_session_factory(engine), clock, emulator,
                          base_url=base_url)
        await harness.start()
        emulator.send(group, boss, f"/duty add 督导 每天 19:00-21:00 需要2-{TAPS}人")
        await harness.settle()
        emulator.send(group, boss, "/shift")
        await harness.settle()
        roster = emulator.bot_messages(group)[-1]
        await harness.stop()
        emulator.pacer = RealPacer()
        app = build_application(
            dataclasses.replace(settings, telegram=dataclasses.replace(
                settings.telegram, api_base_url=base_url)),
            make_session_factory(engine), clock,
        )
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        people = [emulator.add_user(f"V{i}") for i in range(TAPS)]
        for person in people:
            emulator.add_member(group, person)
        edits_before = roster.edit_count
        waits: list[float] = []

        async def tap(person_index: int) -> None:
            await asyncio.sleep(person_index * SECONDS / TAPS)
            tapped = time.perf_counter()
            query = emulator.tap(roster, 0, people[person_index])
            await emulator.wait_for(lambda: query in emulator.callback_answers, 30)
            waits.append(time.perf_counter() - tapped)

        await asyncio.gather(*(tap(i) for i in range(TAPS)))
        await asyncio.sleep(10)  # the last roster edit's window, and its slot
        await app.updater.stop()
        await app.bot_data["services"].roster_edits.drain()
        await app.bot_data["services"].acks.drain()
        await app.stop()
        await app.shutdown()
        await server.stop()
        await engine.dispose()
    shown = html_to_plain(roster.text or "")
    everyone = all(p.first_name in shown for p in people)
    waits.sort()
    print(f"## Tap storm: {TAPS} taps on one roster in {SECONDS:.0f} s (real time, Telegram's "
          "limits enforced)\n")
    print("| taps answered | slowest answer (s) | median answer (s) | 429s | roster edits "
          "| roster shows all |")
    print("|---:|---:|---:|---:|---:|---|")
    print(f"| {len(waits)} | {waits[-1]:.2f} | {waits[len(waits) // 2]:.3f} | "
          f"{emulator.flood_errors} | {roster.edit_count - edits_before} | "
          f"{'yes' if everyone else 'NO'} |")
    print()
