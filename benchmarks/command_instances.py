"""The command path through `dutybot run` processes: 1 and 2 webhook instances on PostgreSQL.

The same 100 teams and mixed stream as benchmarks/command_path.py, but each instance is a real
`dutybot run --port N` process in webhook mode (as deploy/dutybot-webhook@.service starts
it), updates spread across them in turn as nginx does, Telegram's limits counted together
through the database. Counted by the instances' own /metrics (updates handled, handler
latency), summed across them.

Telegram's limits here pass in real seconds (a process cannot share the in-process
benchmark's jumping time), so at 30 messages a second the replies, not the work, would set
the pace: `DUTYBOT_LIMITS_SCALE` (a test hook, said loudly at start) multiplies both limits
in the instances and the fake Bot API enforces none. Every reply still takes its slot in the
database, so that work is measured. The limits themselves are measured by the fan-out and
tap-storm benchmarks.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.command_path import (
    BACKLOG,
    GROUPS,
    NOW,
    SETUP,
    STEADY_RATE,
    STEADY_SECONDS,
    Team,
    _offer,
    _quantile_of,
    _setup,
    _stream,
)
from benchmarks.targets import Target
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.emulator import Emulator, FakeBotApiServer, WebhookPusher
from bot.harness import Harness
from bot.pacer import RealPacer
from scheduler.clock import ManualClock
from storage.db import make_session_factory, migrate

SECRET = "bench-instances-secret-0123"
LIMITS_SCALE = 100


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(target: Target, emulator: Emulator, base_url: str) -> list[Team]:
    """The teams and their rosters, set up in process; tonight's reminders sent already, so
    the instances' planners find nothing to do during the stream."""
    engine = target.engine()
    await migrate(engine, SETUP)
    clock = ManualClock(SETUP)
    settings = Settings(
        telegram=TelegramSettings(token=emulator.token), database=DatabaseSettings(url=target.url),
        bot=BotSettings(allowed_groups=tuple(-1008800000 - g for g in range(GROUPS))),
    )
    harness = Harness(settings, make_session_factory(engine), clock, emulator, base_url=base_url)
    await harness.start()
    try:
        teams = await _setup(emulator, harness)
        clock.set(NOW)
        await harness.tick(NOW)
        await harness.settle(120)
    finally:
        await harness.stop()
        await engine.dispose()
    return teams


async def _scrape(client: aiohttp.ClientSession, port: int) -> str:
    async with client.get(f"http://127.0.0.1:{port}/metrics") as response:
        return await response.text()


def _handled(texts: list[str]) -> float:
    return sum(sample.value for text in texts for family in text_string_to_metric_families(text)
               for sample in family.samples if sample.name == "dutybot_updates_total")


def _buckets(texts: list[str], since: list[str] | None) -> list[tuple[float, float]]:
    """The handler-latency buckets of every instance, minus those at `since`."""
    def read(group: list[str]) -> dict[float, float]:
        out: dict[float, float] = {}
        for text in group:
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if sample.name == "dutybot_handler_seconds_bucket":
                        le = float(sample.labels["le"])
                        out[le] = out.get(le, 0.0) + sample.value
        return out
    now, before = read(texts), read(since or [])
    return sorted((le, count - before.get(le, 0.0)) for le, count in now.items())


async def run(target: Target, instances: int) -> tuple[float, float, float]:
    """(updates/s on a backlog, p50 ms, p99 ms at STEADY_RATE) for `instances` processes."""
    emulator = Emulator(ManualClock(NOW))
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    processes: list[asyncio.subprocess.Process] = []
    pusher: WebhookPusher | None = None
    client = aiohttp.ClientSession()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            teams = await _seed(target, emulator, base_url)
            emulator.pacer = RealPacer()
            emulator.group_rate_limit = emulator.overall_rate_limit = None
            clock_file = Path(tmp) / "now"
            clock_file.write_text(NOW.isoformat(), encoding="utf-8")
            ports = [_free_port() for _ in range(instances)]
            cfg = Path(tmp) / "cfg.toml"
            cfg.write_text(
                f'[telegram]\ntoken = "{emulator.token}"\napi_base_url = "{base_url}"\n'
                f'mode = "webhook"\nwebhook_url = "http://127.0.0.1:{ports[0]}/hook"\n'
                f'secret_token = "{SECRET}"\n'
                f'[database]\nurl = "{target.url}"\n'
                f"[bot]\nallowed_groups = [{', '.join(str(t.chat.id) for t in teams)}]\n",
                encoding="utf-8",
            )
            env = dict(os.environ, DUTYBOT_FAKE_CLOCK=str(clock_file),
                       DUTYBOT_LIMITS_SCALE=str(LIMITS_SCALE))
            for port in ports:
                processes.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", "--config", str(cfg), "--port",
                    str(port), env=env, stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                ))
            pusher = WebhookPusher(emulator,
                                   targets=[f"http://127.0.0.1:{p}/hook" for p in ports])
            await pusher.start()
            await emulator.wait_for(lambda: bool(emulator.webhook_url), timeout=60)
            for port in ports:  # every instance up (the first set the webhook)
                deadline = time.monotonic() + 60
                while True:
                    try:
                        await _scrape(client, port)
                        break
                    except aiohttp.ClientError:
                        if time.monotonic() > deadline:
                            raise
                        await asyncio.sleep(0.2)

            async def handled() -> float:
                return _handled([await _scrape(client, p) for p in ports])

            async def until(count: float) -> None:
                deadline = time.monotonic() + 600
                while await handled() < count:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the stream was not handled in time")
                    await asyncio.sleep(0.2)  # a scrape costs the instances ~2 ms each

            before = await handled()
            started = time.perf_counter()
            await _offer(emulator, _stream(teams, BACKLOG, seed=1), None)
            await until(before + BACKLOG)
            rate = BACKLOG / (time.perf_counter() - started)
            await asyncio.sleep(3)  # the collected acknowledgements go out
            since = [await _scrape(client, p) for p in ports]
            steady = _stream(teams, STEADY_RATE * STEADY_SECONDS, seed=2)
            await _offer(emulator, steady, STEADY_RATE)
            await until(before + BACKLOG + len(steady))
            buckets = _buckets([await _scrape(client, p) for p in ports], since)
            p50, p99 = _quantile_of(buckets, 0.5), _quantile_of(buckets, 0.99)
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                await asyncio.wait_for(process.wait(), timeout=60)
            if pusher is not None:
                await pusher.stop()
            await client.close()
            await server.stop()
    return rate, p50 * 1000, p99 * 1000
