"""The offline console: the sample community answers, buttons and the clock work."""

from __future__ import annotations

from pathlib import Path

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
    assert "王阿姨 已登记加入名单" in out
    assert "bob> /help" in out and "/signup" in out
    assert "(it is now 2026-11-24 20:30 Tue)" in out
    assert "unknown console command :nonsense" in out


def test_durations() -> None:
    assert parse_duration("1h30m").total_seconds() == 5400  # type: ignore[union-attr]
    assert parse_duration("2d").days == 2  # type: ignore[union-attr]
    assert parse_duration("soon") is None
