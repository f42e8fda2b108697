"""`dutybot run --config cfg.toml` as a real process, against a Bot API server on loopback."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from bot.emulator import Emulator, FakeBotApiServer, html_to_plain
from scheduler.clock import SystemClock

CHAT_ID = -1009990001


async def test_dutybot_run_answers_signup_in_an_allowed_group(tmp_path: Path) -> None:
    emulator = Emulator(SystemClock())
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    group = emulator.add_group("Run team", chat_id=CHAT_ID)
    alice = emulator.add_user("Alice")
    emulator.add_member(group, alice)
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(
        f'[telegram]\ntoken = "{emulator.token}"\napi_base_url = "{base_url}"\n'
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"\n'
        f"[bot]\nallowed_groups = [{CHAT_ID}]\nack_window = 0.2\n",
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(cfg),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        emulator.send(group, alice, "/signup Alice")
        def answered() -> bool:
            return any("Alice" in html_to_plain(m.text or "") for m in emulator.bot_messages(group))

        await emulator.wait_for(answered, timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
        await server.stop()
    log = err.decode()
    assert process.returncode == 0, log
    assert "dutybot is running" in log
    assert emulator.token not in log
    assert emulator.token.split(":")[1] not in log
