"""The numbers a leader counted: one definition of hours in every view, the two kinds of
problems named apart, a past day as it stood then, and a month on demand.

Tuesday 24 November 2026 in Shanghai; two duties at two collection points.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.emulator import FakeMessage, FakeUser
from tests.e2e.conftest import World
from tests.e2e.test_attendance import at
from tests.e2e.test_roster import leader, plain
from tests.e2e.test_scheduler import clock_of, local, run_until


async def tap(world: World, message: FakeMessage, data: str, user: FakeUser) -> str:
    """Tap a button; the toast the tapper saw."""
    query = world.emulator.tap(message, data, user)
    await world.settle()
    return str(world.emulator.callback_answers[query].get("text", ""))


pytestmark = pytest.mark.usefixtures("many_commands")


async def test_tracked_problems_apart_from_reported_numbers_and_as_they_stood(
    world: World,
) -> None:
    boss = await leader(world)
    alice = world.user("Alice")
    at(world, "20:00")
    await world.say(alice, "/report 问题=3 劝导=2")
    await world.say(alice, "/problem 3号楼垃圾桶坏了")  # #1, on the 24th
    at(world, "20:00", day=25)
    await world.say(alice, "/problem 东门路灯不亮")  # #2, on the 25th
    at(world, "10:00", day=26)
    await world.say(boss, "/resolve 1 已报修")
    said = plain(await world.say(boss, "/summary 2026-11-24"))
    # The 24th as it stood: one tracked problem raised and still open then; the 25th's not
    # yet raised.
    assert "发现问题 3（另有登记待办 1 件，已解决 0 件） · 劝导次数 2" in said
    assert "#1 3号楼垃圾桶坏了" in said and "东门路灯不亮" not in said
    said = plain(await world.say(boss, "/summary 2026-11-25"))
    assert "#1 3号楼垃圾桶坏了" in said and "#2 东门路灯不亮" in said
    said = plain(await world.say(boss, "/summary 2026-11-26"))
    assert "3号楼垃圾桶坏了" not in said and "#2 东门路灯不亮" in said


async def test_a_month_on_demand_and_the_monthly_report_for_leaders(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1-2 at 1号点")
    await world.say(boss, "/duty add 巡逻 daily 06:30-08:30 need 1 at 东门")
    alice, bob = world.user("Alice"), world.user("Bob")
    hello_a = world.emulator.send(world.group, alice, "/signup 王阿姨")
    world.emulator.send(world.group, bob, "/signup 张大爷")
    await world.settle()
    await world.say(alice, "/shift claim 1")  # tonight's 督导
    at(world, "19:00")
    await world.say(alice, "/checkin")
    await world.say(bob, "/checkin")  # a walk-in: pending
    at(world, "21:00")
    await world.say(alice, "/checkout")
    await world.say(bob, "/checkout")
    await world.say(boss, "/hours 2026-11-20 1.5", reply_to=hello_a)  # outside the roster
    await world.say(boss, "/noshow 1 张大爷")  # not claimed: refused, not counted
    # By hand: 王阿姨 2 + 1.5 = 3.5 confirmed; 张大爷 2 pending; 3 person-times, 2 volunteers,
    # one shift held (the 24th's 督导 at 1号点).
    for word in ("2026-11", "11月", "本月"):
        said = plain(await world.say(boss, f"/summary {word}"))
        assert "2026年11月志愿服务月报" in said, word
        assert "志愿者：2 人" in said and "开展班次：1 个" in said and "服务人次：3" in said
        assert "服务时长：3.5 小时" in said and "待队长确认：2 小时" in said
        assert "未到岗：0 次" in said
        assert "督导 @1号点：班次 1 个 · 服务人次 2 · 服务时长 2 小时（另有 2 小时待确认）" in said
        assert "值班表以外的时长：班次 0 个 · 服务人次 1 · 服务时长 1.5 小时" in said
        assert "1号点：班次 1 个 · 服务人次 2" in said
        assert "王阿姨 3.5 小时" in said and "张大爷 0 小时（另有 2 小时待确认）" in said
    # On 1 December the report goes privately to leaders who started the bot; Boss has not:
    # the group gets one deep link, and only a leader can open it.
    heard = await run_until(world, local(1, "09:30", month=12))
    [link] = [h for h in heard if "月报已生成" in h.text]
    [[button]] = link.message.reply_markup["inline_keyboard"]
    payload = button["url"].rpartition("?start=")[2]
    assert payload.startswith("month-") and payload.endswith("-2026-11")
    said = plain(await world.say(alice, f"/start {payload}",
                                 chat=world.emulator.private_chat(alice)))
    assert "只有" in said and "服务时长" not in said
    said = plain(await world.say(boss, f"/start {payload}",  # type: ignore[arg-type]
                                 chat=world.emulator.private_chat(boss)))  # type: ignore[arg-type]
    assert "2026年11月志愿服务月报" in said and "王阿姨 3.5 小时" in said
    world.clock.advance(timedelta(minutes=1))
    said = plain(await world.say(boss, "/summary 上个月"))
    assert "2026年11月志愿服务月报" in said


async def test_walk_ins_go_where_people_are_needed_and_can_say_not_here(world: World) -> None:
    boss = await leader(world)
    for point in ("1号点", "2号点", "3号点"):
        await world.say(boss, f"/duty add 督导 daily 19:00-21:00 need 2 at {point}")
    alice, bob, carol = world.user("Alice"), world.user("Bob"), world.user("Carol")
    await world.say(alice, "/shift claim 1")  # 1号点 tonight
    at(world, "18:50")
    said = plain(await world.say(alice, "/checkin"))  # a claim: no question asked
    assert "@1号点" in said and "不是这里" not in said
    # Bob claimed nothing: 2号点 and 3号点 need two each, 1号点 one more: he goes to 2号点,
    # with a button for each other point.
    [answer] = await world.say(bob, "/checkin")
    assert "@2号点" in plain([answer]) and "临时到场" in plain([answer])
    buttons = {b["text"]: b["callback_data"] for b in answer.buttons}
    assert list(buttons) == ["不是这里？我在1号点", "不是这里？我在3号点"]
    # He is at 3号点 really: one tap. Carol's tap on the same button moves nothing of hers.
    toast = await tap(world, answer, buttons["不是这里？我在3号点"], bob)
    assert "已改到" in toast and "@3号点" in toast
    toast = await tap(world, answer, buttons["不是这里？我在3号点"], carol)
    assert "没有可以改地点的临时签到" in toast
    said = plain(await world.say(carol, "/checkin 3号"))  # naming the place directly
    assert "@3号点" in said
    today = plain(await world.say(boss, "/today"))
    three = today.split("@3号点")[1]
    assert "Bob" in three and "Carol" in three
    assert "Bob" not in today.split("@2号点")[1].split("@3号点")[0]


async def test_gap_alerts_due_together_are_one_message_and_once_a_day(world: World) -> None:
    boss = await leader(world)
    for point in ("1号点", "2号点", "3号点"):
        await world.say(boss, f"/duty add 督导 daily 19:00-21:00 need 1 at {point}")
    heard = await run_until(world, local(25, "16:30"))
    alerts = [h for h in heard if h.text.startswith("🆘")]
    assert [clock_of(h) for h in alerts] == ["24 18:30", "25 16:00"]  # tonight's, at once
    tomorrow = alerts[1]
    assert all(f"@{p}" in tomorrow.text for p in ("1号点", "2号点", "3号点"))
    assert len(tomorrow.message.buttons) == 3
    # 1号点 moves to 20:00: its new alert time comes, but it was alerted today already.
    await world.say(boss, "/duty edit 1 time=20:00-22:00")
    heard = await run_until(world, local(25, "18:00"))
    assert not [h for h in heard if h.text.startswith("🆘")]


async def test_a_shift_that_falls_short_after_the_alert_is_alerted_then(world: World) -> None:
    boss = await leader(world)
    for point in ("1号点", "2号点"):
        await world.say(boss, f"/duty add 督导 daily 19:00-21:00 need 1 at {point}")
    alice = world.user("Alice")
    roster = (await world.say(alice, "/shift"))[-1]
    one = next(b["callback_data"] for b in roster.buttons
               if "周三" in b["text"] and "@1号点" in b["text"])
    await tap(world, roster, one, alice)  # tomorrow's 1号点 is covered
    heard = await run_until(world, local(25, "16:30"))
    [alert] = [h for h in heard if h.text.startswith("🆘") and clock_of(h) == "25 16:00"]
    assert "@2号点" in alert.text and "@1号点" not in alert.text
    await world.say(alice, f"/shift release {one.split(':')[1]}")
    heard = await run_until(world, local(25, "16:40"))
    [late] = [h for h in heard if h.text.startswith("🆘")]
    assert "@1号点" in late.text and "@2号点" not in late.text  # 2号点 was alerted today
