"""The offline console: the sample community answers, buttons and the clock work."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.console import parse_duration, run_console


async def test_console_plays_a_short_evening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.txt"
    script.write_text(
        "/signup 王阿姨 楼栋=3号楼\n:as bob\n/help\n:time 2026-11-24 18:30\n:advance 2h\n"
        ":nonsense\n:quit\n",
        encoding="utf-8",
    )
    code = await run_console(tmp_path / "console.db", fresh=True, script=str(script))
    out = capsys.readouterr().out
    assert code == 0
    assert "王阿姨已加入名单" in out
    assert "bob> /help" in out and "/signup" in out
    assert "(it is now 2026-11-24 20:30 Tue)" in out
    assert "unknown console command :nonsense" in out


def test_durations() -> None:
    assert parse_duration("1h30m").total_seconds() == 5400  # type: ignore[union-attr]
    assert parse_duration("2d").days == 2  # type: ignore[union-attr]
    assert parse_duration("soon") is None


async def test_console_shows_the_reminder_and_the_summary_as_the_clock_moves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The sample community's duties start today (the real date); play tomorrow evening.
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
    script = tmp_path / "script.txt"
    script.write_text(
        f":time {tomorrow} 17:30\n:advance 40m\n/report 劝导=3 公斤=2\n:advance 3h30m\n:quit\n",
        encoding="utf-8",
    )
    code = await run_console(tmp_path / "console.db", fresh=True, script=str(script))
    out = capsys.readouterr().out
    assert code == 0
    reminder = out.index("⏰ 还有 60 分钟开始值班：\n     垃圾分类督导 19:00–21:00")
    summary = out.index("值班总结")
    assert reminder < summary
    assert "汇报 1 条：发现问题 0 · 劝导次数 3 · 分拣重量 2 公斤 · 服务居民 0 人次" in out[summary:]
