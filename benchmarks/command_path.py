"""The command path: a mixed stream of updates across 100 groups through the real Application.

/shift, claim taps, /checkin, /report and /today from volunteers of 100 teams, over loopback
HTTP against the fake Bot API (Telegram's limits held in the harness's jumping time, so
waiting for the group budget costs no real seconds). Counted by the bot's own
`dutybot_updates_total` and `dutybot_handler_seconds` (acknowledgements are coalesced, so
counting messages would undercount); side by side, a bare python-telegram-bot Application
that answers every update once, on the same emulator.

Two measures: a backlog of updates worked through (updates/s), and a steady 100 updates/s
(p50/p99 handler latency, from the histogram as Prometheus's histogram_quantile reads it).
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from benchmarks.targets import Target, postgresql, postgresql_database, sqlite
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.emulator import Emulator, FakeBotApiServer, FakeChat, FakeMessage, FakeUser
from bot.harness import Harness
from bot.metrics import LATENCY
from scheduler.clock import ManualClock
from storage.db import make_session_factory, migrate

GROUPS = 100
PEOPLE = 8  # volunteers per group
BACKLOG = 2000
STEADY_RATE = 100  # updates a second
STEADY_SECONDS = 10
# The teams are set up at 18:00 in Shanghai and the stream comes at 18:40: tonight's 19:00
# shift is on the roster and open for claims, and /checkin (open from 18:30) checks in.
SETUP = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 10, 40, tzinfo=UTC)


class Team:
    """One group: its leader, volunteers and roster message."""

    def __init__(self, chat: FakeChat, boss: FakeUser, people: list[FakeUser]) -> None:
        self.chat, self.boss, self.people = chat, boss, people
        self.roster: FakeMessage | None = None


def _quantile(histogram: Histogram, q: float) -> float:
    """histogram_quantile over a histogram of this process."""
    return _quantile_of([(float(s.labels["le"]), s.value) for metric in histogram.collect()
                         for s in metric.samples if s.name.endswith("_bucket")], q)


def _quantile_of(buckets: list[tuple[float, float]], q: float) -> float:
    """histogram_quantile: linear within the bucket holding the q-th observation; `buckets`
    are (upper bound, cumulative count), label sets summed."""
    merged: dict[float, float] = {}
    for le, count in buckets:
        merged[le] = merged.get(le, 0.0) + count
    ordered = sorted(merged.items())
    total = ordered[-1][1] if ordered else 0.0
    if not total:
        return 0.0
    rank, lower, below = q * total, 0.0, 0.0
    for le, count in ordered:
        if count >= rank:
            if le == float("inf"):
                return lower
            return lower + (le - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = le, count
    return lower


def _stream(teams: list[Team], n: int, seed: int) -> list[Callable[[Emulator], object]]:
    """n updates: 30% claim taps, 20% /checkin, 15% /shift, 15% /today, 20% /report."""
    rng = random.Random(seed)
    out: list[Callable[[Emulator], object]] = []
    for i in range(n):
        team = rng.choice(teams)
        who = rng.choice(team.people)
        pick = rng.random()
        if pick < 0.3 and team.roster is not None:
            roster = team.roster
            out.append(lambda e, r=roster, u=who: e.tap(r, 0, u))
        else:
            text = ("/checkin" if pick < 0.5 else "/shift" if pick < 0.65
                    else "/today" if pick < 0.8 else f"/report 劝导{i % 9 + 1}次 桶满了")
            out.append(lambda e, c=team.chat, u=who, t=text: e.send(c, u, t))
    return out


async def _setup(emulator: Emulator, harness: Harness) -> list[Team]:
    teams = []
    for g in range(GROUPS):
        boss = emulator.add_user(f"Boss{g}")
        chat = emulator.add_group(f"Team {g}", chat_id=-1008800000 - g, admins=[boss])
        people = [emulator.add_user(f"V{g}-{v}") for v in range(PEOPLE)]
        for person in people:
            emulator.add_member(chat, person)
        teams.append(Team(chat, boss, people))
        emulator.send(chat, boss, "/duty add 督导 每天 19:00-21:00 需要2-8人")
        for v, person in enumerate(people):
            emulator.send(chat, person, f"/signup 志愿者{g}-{v}")
        await harness.settle(60)
        emulator.send(chat, boss, "/shift")
        await harness.settle(60)
        teams[-1].roster = emulator.bot_messages(chat)[-1]
    return teams


async def _offer(emulator: Emulator, stream: list[Callable[[Emulator], object]],
                 rate: float | None) -> None:
    started = time.perf_counter()
    for i, send in enumerate(stream):
        send(emulator)
        if rate is not None:
            delay = started + (i + 1) / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)


def _handled(counter: Counter) -> float:
    return sum(s.value for metric in counter.collect() for s in metric.samples
               if s.name == "dutybot_updates_total")


async def _until(predicate: Callable[[], bool], timeout: float) -> None:
    """Wait until `predicate()`, looking every 50 ms (the same small cost for both apps)."""
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the stream was not handled in time")
        await asyncio.sleep(0.05)


async def bot_run(target: Target) -> tuple[float, float, float, float]:
    """(updates/s on a backlog, p50 ms, p99 ms at STEADY_RATE, CPU ms of this process per
    update on the backlog) for dutybot."""
    clock = ManualClock(SETUP)
    engine = target.engine(kept=BotSettings().kept_connections)  # as `dutybot run`
    await migrate(engine, SETUP)
    emulator = Emulator(clock)
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    settings = Settings(
        telegram=TelegramSettings(token=emulator.token), database=DatabaseSettings(url=target.url),
        bot=BotSettings(allowed_groups=tuple(-1008800000 - g for g in range(GROUPS))),
    )
    harness = Harness(settings, make_session_factory(engine), clock, emulator, base_url=base_url)
    harness.services.throttle.burst = 10**6  # the stream is many people; lift the per-member cap
    await harness.start()
    try:
        teams = await _setup(emulator, harness)
        gc.freeze()  # as `dutybot run` does once it has started
        clock.set(NOW)
        metrics = harness.services.metrics
        before = _handled(metrics.updates)
        stream = _stream(teams, BACKLOG, seed=1)
        started, cpu = time.perf_counter(), time.process_time()
        await _offer(emulator, stream, None)
        await _until(lambda: _handled(metrics.updates) - before >= BACKLOG, 600)
        rate = BACKLOG / (time.perf_counter() - started)
        cpu = (time.process_time() - cpu) / BACKLOG
        await harness.settle(120)
        metrics.latency.clear()
        steady = _stream(teams, STEADY_RATE * STEADY_SECONDS, seed=2)
        target_handled = _handled(metrics.updates) + len(steady)
        await _offer(emulator, steady, STEADY_RATE)
        await _until(lambda: _handled(metrics.updates) >= target_handled, 600)
        p50, p99 = _quantile(metrics.latency, 0.5), _quantile(metrics.latency, 0.99)
        await harness.settle(120)
    finally:
        await harness.stop()
        await server.stop()
        await engine.dispose()
    return rate, p50 * 1000, p99 * 1000, cpu * 1000


class _Timed(Application[Any, Any, Any, Any, Any, Any]):
    """The bare app, timed like dutybot's MeteredApplication."""

    histogram: Histogram
    handled = 0

    async def process_update(self, update: object) -> None:
        started = time.perf_counter()
        await super().process_update(update)
        self.histogram.observe(time.perf_counter() - started)
        type(self).handled += 1


async def bare_run() -> tuple[float, float, float, float]:
    """The same measures for a bare PTB app that answers each update once."""
    clock = ManualClock(NOW)
    emulator = Emulator(clock)
    emulator.group_rate_limit = emulator.overall_rate_limit = None
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    teams = []
    for g in range(GROUPS):
        chat = emulator.add_group(f"Team {g}", chat_id=-1008800000 - g)
        people = [emulator.add_user(f"V{g}-{v}") for v in range(PEOPLE)]
        for person in people:
            emulator.add_member(chat, person)
        teams.append(Team(chat, people[0], people))

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer("ok")
        elif update.effective_chat is not None:
            await update.effective_chat.send_message("ok")

    _Timed.histogram = Histogram("bare_seconds", "bare", buckets=LATENCY,
                                 registry=CollectorRegistry())
    _Timed.handled = 0
    app = (ApplicationBuilder().application_class(_Timed).token(emulator.token)
           .base_url(base_url).concurrent_updates(8).build())
    app.add_handler(TypeHandler(Update, answer))
    await app.initialize()
    for team in teams:  # a message with a button to tap
        await app.bot.send_message(team.chat.id, "roster", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("claim", callback_data="claim:1")]]))
        team.roster = emulator.bot_messages(team.chat)[-1]
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        await _offer(emulator, _stream(teams, BACKLOG, seed=1), None)
        await _until(lambda: _Timed.handled >= BACKLOG, 600)
        rate = BACKLOG / (time.perf_counter() - started)
        cpu = (time.process_time() - cpu) / BACKLOG
        _Timed.histogram.clear()
        steady = _stream(teams, STEADY_RATE * STEADY_SECONDS, seed=2)
        await _offer(emulator, steady, STEADY_RATE)
        await _until(lambda: _Timed.handled >= BACKLOG + len(steady), 600)
        p50, p99 = _quantile(_Timed.histogram, 0.5), _quantile(_Timed.histogram, 0.99)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await server.stop()
    return rate, p50 * 1000, p99 * 1000, cpu * 1000


async def main() -> None:
    """Print a table: app × database → updates/s, p50, p99, CPU per update."""
    print(f"## Command path: {GROUPS} groups, a mixed stream (taps, /checkin, /shift, /today, "
          f"/report); backlog of {BACKLOG}, then {STEADY_RATE}/s for {STEADY_SECONDS} s\n")
    print("| app | database | instances | updates/s (backlog) | p50 ms | p99 ms "
          f"(at {STEADY_RATE}/s) | CPU ms an update (backlog, in process) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    rate, p50, p99, cpu = await bare_run()
    print(f"| bare PTB | — | 1 | {rate:.0f} | {p50:.1f} | {p99:.1f} | {cpu:.2f} |")
    for backend in (sqlite, postgresql):
        async with backend() as target:
            if target is None:
                print(f"| dutybot | {backend.__name__} | 1 | not reachable | | | |")
                continue
            rate, p50, p99, cpu = await bot_run(target)
        print(f"| dutybot | {target.name} | 1 | {rate:.0f} | {p50:.1f} | {p99:.1f} "
              f"| {cpu:.2f} |")
    # `dutybot run` processes in webhook mode (benchmarks/command_instances.py)
    from benchmarks import command_instances
    for instances in (1, 2):
        async with postgresql_database() as database:
            if database is None:
                print(f"| dutybot run, webhook | postgresql | {instances} | not reachable "
                      "| | | |")
                continue
            rate, p50, p99 = await command_instances.run(database, instances)
        print(f"| dutybot run, webhook | postgresql | {instances} | {rate:.0f} | {p50:.1f} "
              f"| {p99:.1f} | — |")
    print()
