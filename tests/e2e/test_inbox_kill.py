"""A `dutybot run` instance in webhook mode killed with SIGKILL while updates it had already
answered to Telegram wait in its queue: started again, it handles every one of them, and
none twice. Those whose handling had begun are dropped and counted, never handled again.
Stopped with SIGTERM instead, it first handles its queue, paced commands included.

The updates are held in the queue by the test: it locks the memberships table, so the
handlers that begin (at most `concurrent_updates` at once) wait for it, and the rest queue
up behind them, while Telegram's POSTs are still answered (the inbox is another table).
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.emulator import Emulator, FakeBotApiServer, FakeChat, WebhookPusher
from bot.emulator import html_to_plain as plain
from bot.harness import Harness
from bot.pacer import RealPacer
from scheduler.clock import ManualClock
from storage.db import make_engine, make_session_factory, migrate
from storage.models import InboxUpdate, Membership
from tests.conftest import PG_URL, free_port, fresh_postgres_database
from tests.e2e.test_instances import NOON, SECRET, start, until

pytestmark = pytest.mark.skipif(not PG_URL, reason="the kill is tested on PostgreSQL")

VOLUNTEERS = 30
CONCURRENT = 8  # the default [bot] concurrent_updates: handlers that may have begun


@pytest.fixture
async def url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the process."""
    async with fresh_postgres_database("dutybot_inbox") as url:
        yield url


async def seed(emulator: Emulator, base_url: str, url: str) -> FakeChat:
    """One team with its leader; the volunteers are in the group but not signed up."""
    engine = make_engine(url)
    await migrate(engine, NOON)
    boss = emulator.add_user("Boss")
    group = emulator.add_group("Team", chat_id=-1009970000, admins=[boss])
    settings = Settings(telegram=TelegramSettings(token=emulator.token),
                        database=DatabaseSettings(url=url),
                        bot=BotSettings(allowed_groups=(group.id,)))
    harness = Harness(settings, make_session_factory(engine), ManualClock(NOON), emulator,
                      base_url=base_url)
    await harness.start()
    emulator.send(group, boss, "/signup 队长")
    await harness.settle()
    await harness.stop()
    await engine.dispose()
    emulator.pacer = RealPacer()
    return group


async def scalar(url: str, statement: object) -> int:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]
    finally:
        await engine.dispose()


async def dropped(port: int) -> float:
    async with aiohttp.ClientSession() as client, client.get(
            f"http://127.0.0.1:{port}/metrics") as response:
        found = re.search(r'^dutybot_inbox_recovered_total\{outcome="dropped"\} (\S+)$',
                          await response.text(), re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@dataclass
class Instance:
    """One `dutybot run` webhook instance on the test's database, with Telegram's side."""

    emulator: Emulator
    group: FakeChat
    url: str
    port: int
    cfg: Path
    clock_file: Path
    holder: AsyncEngine  # the test's own connections (to hold a lock)
    process: asyncio.subprocess.Process

    async def restart(self) -> None:
        """Start it again (after a kill): same config, same port, same name."""
        self.process = await start(self.cfg, self.clock_file, self.port)


@pytest.fixture
async def instance(tmp_path: Path, url: str) -> AsyncIterator[Instance]:
    """A seeded team and one running instance whose webhook Telegram posts to."""
    emulator = Emulator(ManualClock(NOON))
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    holder = make_engine(url)
    pusher = WebhookPusher(emulator)
    running: Instance | None = None
    try:
        group = await seed(emulator, base_url, url)
        clock_file = tmp_path / "now"
        clock_file.write_text(NOON.astimezone(UTC).isoformat(), encoding="utf-8")
        port = free_port()
        cfg = tmp_path / "cfg.toml"
        cfg.write_text(
            f'[telegram]\ntoken = "{emulator.token}"\napi_base_url = "{base_url}"\n'
            f'mode = "webhook"\nwebhook_url = "http://127.0.0.1:{port}/hook"\n'
            f'secret_token = "{SECRET}"\n[database]\nurl = "{url}"\n'
            f"[bot]\nallowed_groups = [{group.id}]\nconcurrent_updates = {CONCURRENT}\n",
            encoding="utf-8",
        )
        running = Instance(emulator, group, url, port, cfg, clock_file, holder,
                           await start(cfg, clock_file, port))
        await pusher.start()
        await emulator.wait_for(lambda: bool(emulator.webhook_url), timeout=60)
        yield running
    finally:
        if running is not None and running.process.returncode is None:
            running.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(running.process.wait(), timeout=30)
        await pusher.stop()
        await server.stop()
        await holder.dispose()


async def test_a_killed_instance_started_again_handles_what_it_had_answered_once(
    instance: Instance,
) -> None:
    emulator, group, url = instance.emulator, instance.group, instance.url
    volunteers = [emulator.add_user(f"V{v}") for v in range(VOLUNTEERS)]
    for volunteer in volunteers:
        emulator.add_member(group, volunteer)  # their joins are handled first
    stored = select(func.count()).select_from(InboxUpdate)

    async def inbox_empty() -> bool:
        return emulator.all_updates_confirmed and await scalar(url, stored) == 0

    await until(inbox_empty)
    async with instance.holder.connect() as lock:
        await lock.execute(text("LOCK TABLE memberships IN ACCESS EXCLUSIVE MODE"))
        for v, volunteer in enumerate(volunteers):
            emulator.send(group, volunteer, f"/signup 志愿者{v}")
        await emulator.wait_for(lambda: emulator.all_updates_confirmed, timeout=60)
        # Telegram has its 200 for every one; all are stored, some have begun.
        assert await scalar(url, stored) == VOLUNTEERS

        async def all_slots_taken() -> bool:
            return await scalar(url, stored.where(InboxUpdate.started)) == CONCURRENT

        await until(all_slots_taken)  # the handlers wait for the lock; the rest queue
        instance.process.send_signal(signal.SIGKILL)
        await instance.process.wait()
        await lock.rollback()  # the lock goes; the killed handlers' work never committed

    await instance.restart()
    await until(inbox_empty)
    signed_up = await scalar(url, select(func.count()).select_from(Membership).where(
        Membership.display_name.like("志愿者%")))
    lost = await dropped(instance.port)
    assert lost == CONCURRENT  # only what had begun is dropped, and counted
    assert signed_up == VOLUNTEERS - CONCURRENT  # all that waited is handled, once


async def test_a_stopped_instance_first_handles_the_paced_commands_waiting_their_turn(
    instance: Instance,
) -> None:
    emulator, group = instance.emulator, instance.group
    alice = emulator.add_user("Alice")
    emulator.add_member(group, alice)
    await emulator.wait_for(lambda: emulator.all_updates_confirmed, timeout=60)
    before = len(emulator.bot_messages(group))
    async with instance.holder.connect() as lock:  # the first 8 wait for it, 4 stay queued
        await lock.execute(text("LOCK TABLE memberships IN ACCESS EXCLUSIVE MODE"))
        for _ in range(12):  # a burst of 10, then one every 6 s: two wait their turn
            emulator.send(group, alice, "/help")
        await emulator.wait_for(lambda: emulator.all_updates_confirmed, timeout=60)
        instance.process.send_signal(signal.SIGTERM)  # the last two are paced while it stops
        await asyncio.sleep(0.5)
        await lock.rollback()
    assert await asyncio.wait_for(instance.process.wait(), timeout=60) == 0
    said = [plain(m.text or "") for m in emulator.bot_messages(group)[before:]]
    assert sum("我在这里能做的事" in text for text in said) == 12
    assert await scalar(instance.url, select(func.count()).select_from(InboxUpdate)) == 0
