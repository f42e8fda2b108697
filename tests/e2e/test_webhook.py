"""Webhook mode: `dutybot run` as a real process takes updates over HTTP from the emulator
(playing Telegram's side of setWebhook), and serves /healthz and /metrics beside them."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import Emulator, FakeBotApiServer, FakeChat, WebhookPusher, html_to_plain
from scheduler.clock import SystemClock
from tests.conftest import free_port

CHAT_ID = -1009990002
SECRET = "s3cret-token-for-the-webhook-test"


@dataclass
class Running:
    emulator: Emulator
    group: FakeChat
    base: str  # http://127.0.0.1:PORT
    process: asyncio.subprocess.Process
    pusher: WebhookPusher

    async def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(self.process.communicate(), timeout=30)
        return err.decode()


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    emulator = Emulator(SystemClock())
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    pusher = WebhookPusher(emulator)
    await pusher.start()
    group = emulator.add_group("Webhook team", chat_id=CHAT_ID)
    port = free_port()
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(
        f'[telegram]\ntoken = "{emulator.token}"\napi_base_url = "{base_url}"\n'
        f'mode = "webhook"\nwebhook_url = "http://127.0.0.1:{port}/telegram/hook"\n'
        f'secret_token = "{SECRET}"\nport = {port}\n'
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
        f"[bot]\nallowed_groups = [{CHAT_ID}]\nack_window = 0.2\n",
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(cfg),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    running = Running(emulator, group, f"http://127.0.0.1:{port}", process, pusher)
    try:
        await emulator.wait_for(lambda: bool(emulator.webhook_url), timeout=60)
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await pusher.stop()
        await server.stop()


async def test_updates_arrive_by_webhook_and_requests_without_the_secret_are_refused(
    running: Running,
) -> None:
    emulator, group = running.emulator, running.group
    # setWebhook asked for every kind of update: Telegram's default leaves out chat_member.
    assert emulator.webhook_url.endswith("/telegram/hook")
    assert emulator.webhook_secret == SECRET
    assert "chat_member" in emulator.allowed_updates
    alice = emulator.add_user("Alice")
    emulator.add_member(group, alice)
    fake = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "/signup Mallory",
                                          "chat": {"id": CHAT_ID, "type": "supergroup"},
                                          "from": {"id": 66, "is_bot": False,
                                                   "first_name": "M"}}}
    async with aiohttp.ClientSession() as client:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with client.post(running.base + "/telegram/hook", json=fake,
                                   headers=headers) as response:
                assert response.status == 403
        emulator.send(group, alice, "/signup Alice")

        def answered() -> bool:
            return any("Alice" in html_to_plain(m.text or "") for m in emulator.bot_messages(group))

        await emulator.wait_for(answered, timeout=60)
        assert emulator.all_updates_confirmed
        async with client.get(running.base + "/healthz") as response:
            assert (response.status, await response.text()) == (200, "ok\n")
        async with client.get(running.base + "/metrics") as response:
            metrics = await response.text()
    texts = [html_to_plain(m.text or "") for m in emulator.bot_messages(group)]
    assert not any("Mallory" in text for text in texts)  # the forged update did nothing
    assert 'dutybot_updates_total{command="/signup",outcome="ok"} 1.0' in metrics
    sent = re.search(r'dutybot_telegram_requests_total\{answer="ok"\} (\d+)', metrics)
    assert sent is not None and int(sent.group(1)) >= 1
    assert "dutybot_handler_seconds_bucket" in metrics
    assert "dutybot_outbox_oldest_pending_seconds 0.0" in metrics
    log = await running.stop()
    assert running.process.returncode == 0, log
    assert "dutybot is running" in log and "(webhook)" in log
    # two refusals in a minute: one log line
    assert len(re.findall(r"refused \d+ webhook request", log)) == 1, log
    assert SECRET not in log and emulator.token not in log
