"""The offline console: the sample community answers, buttons and the clock work."""

from __future__ import annotations

import re
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
    code = await run_console(tmp_path / "console.db", script=str(script))
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
    code = await run_console(tmp_path / "console.db", script=str(script))
    out = capsys.readouterr().out
    assert code == 0
    reminder = out.index("⏰ 还有 60 分钟开始值班：\n     垃圾分类督导 19:00–21:00")
    summary = out.index("值班总结")
    assert reminder < summary
    assert "汇报 1 条：发现问题 0 · 劝导次数 3 · 分拣重量 2 公斤 · 服务居民 0 人次" in out[summary:]


async def play(db: Path, lines: str, capsys: pytest.CaptureFixture[str], *,
               fresh: bool = False) -> str:
    """Run the console over `lines`; what it printed."""
    script = db.parent / "script.txt"
    script.write_text(lines, encoding="utf-8")
    assert await run_console(db, fresh=fresh, script=str(script)) == 0
    return capsys.readouterr().out


async def test_fresh_is_empty_and_the_default_is_the_sample_community(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = await play(tmp_path / "c.db", "/duty list\n:quit\n", capsys, fresh=True)
    assert "还没有值班项目" in out
    out = await play(tmp_path / "d.db", "/duty list\n:quit\n", capsys)
    assert "垃圾分类督导" in out and "清晨巡逻" in out


async def test_people_made_with_as_keep_their_identity_across_restarts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    first = await play(db, ":as sun\n/signup 孙阿姨\n:users\n:quit\n", capsys)
    assert "孙阿姨已加入名单" in first
    sun_id = re.search(r"sun +sun \(id (\d+)\)", first)
    assert sun_id is not None
    # Another newcomer first this time: sun must still be sun, not the next free id.
    again = await play(db, ":as zed\n:as sun\n/signup 孙阿姨\n:users\n:quit\n", capsys)
    assert f"sun      sun (id {sun_id[1]})" in again
    assert "孙阿姨已加入名单" not in again  # the same person, already on the roster
    zed_id = re.search(r"zed +zed \(id (\d+)\)", again)
    assert zed_id is not None and zed_id[1] != sun_id[1]


async def test_reply_names_someone_without_a_username(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Carol (陈老师) has no @username: a leader names her by replying to her message.
    out = await play(tmp_path / "c.db", (
        ":as carol\n/today\n:as alice\n/signup 王阿姨\n:reply carol /leader add\n"
        ":reply 999 /leader add\n:quit\n"
    ), capsys)
    assert "陈老师" in out.split("alice> :reply carol /leader add")[1].split("alice> :reply 999")[0]
    assert "usage: :reply" in out


async def test_tapping_a_deep_link_opens_the_private_chat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Alice leads and has not started the bot: /noshows offers a link to the private chat.
    out = await play(tmp_path / "c.db", "/noshows\n:tap 1\n:quit\n", capsys)
    assert "(a link: https://t.me/" in out
    assert "(opening the private chat with the bot: /start noshows-" in out
    assert "→ alice (private)" in out.split("(opening the private chat")[1]


async def test_a_two_tap_release_can_be_finished_in_the_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Bob holds a place; /shift mine in the group shows 退出 buttons; the first tap turns
    # them into a confirm pair (shown), the second releases. Tapping the old button again
    # is answered, not a crash.
    out = await play(tmp_path / "c.db", (
        ":as bob\n/shift claim 2\n/shift mine\n:tap 1\n:tap 2\n:tap 1\n:quit\n"
    ), capsys)
    assert "(buttons changed)" in out
    assert "你已退出" in out
    assert "Traceback" not in out


async def test_console_sends_a_file_and_a_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("姓名,称呼,楼栋\n李建国,李叔,5号楼\n", encoding="utf-8")
    script = tmp_path / "script.txt"
    script.write_text(
        "/signup 王阿姨\n/duty add 督导 每天 19:00-21:00 需要1人 在 3号投放点\n"
        "/place locate 3号投放点\n:private\n:location 31.2304 121.4737\n"
        f":file {roster}\n:location north\n:quit\n",
        encoding="utf-8",
    )
    code = await run_console(tmp_path / "console.db", script=str(script))
    out = capsys.readouterr().out
    assert code == 0
    assert "3号投放点的位置已保存" in out, out
    assert "新增 1 人：第 2 行 李叔" in out, out
    assert "usage: :location" in out
