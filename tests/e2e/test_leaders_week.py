"""A leader's week, played through the real bot with the clock moved by the test: three
collection points, a morning patrol, walk-ins, a forgotten check-out, a short visit, a
check-in from home voided, a no-show, reports in everyday Chinese and a tracked problem.

The daily, weekly and monthly figures the bot posts must equal this table, counted by hand
(actual hours, rounded to the quarter hour; min_presence 15 minutes):

| day     | who (place)               | in–out            | hours | state                     |
|---------|---------------------------|-------------------|-------|---------------------------|
| Tue 24  | 王阿姨 (1号点, claimed)    | 18:55–21:00       | 2     | confirmed                 |
| Tue 24  | 张大爷 (walk-in → 3号点)   | 19:05–20:35       | 1.5   | pending, confirmed Wed    |
| Tue 24  | 李叔叔 (walk-in, 2号点)    | 19:10–(forgot)    | 1.75  | closed 22:00, to the end  |
| Wed 25  | 陈阿姨 (东门 patrol)       | 06:25–08:40       | 2.25  | confirmed                 |
| Wed 25  | 陈阿姨 (outside roster)    | /hours 14:00-15:00 | 1    | confirmed by the leader   |
| Wed 25  | 王阿姨 (1号点, claimed)    | 19:00–19:08       | 0     | under 15 minutes          |
| Thu 26  | 李叔叔 (walk-in, 1号点)    | 19:00 from home   | —     | voided (作废)              |
| Thu 26  | 张大爷 (3号点, claimed)    | 19:00–21:30       | 2.5   | confirmed                 |
| Thu 26  | 王阿姨 (1号点, claimed)    | did not come      | —     | no-show                   |

Reports: Tue 王阿姨 "劝导3次 问题2个 捡了3斤" (2, 3, 1.5 kg); Tue 张大爷 "问题=1 劝导=2 2斤半"
(1, 2, 1.25 kg); Wed 陈阿姨 "服务10人 劝导两次" (served 10, dissuaded 2). Problem #1 raised Thu
by 张大爷, resolved Fri.

Week 23–29 November and the month: 4 volunteers, 6 person-times, 11 hours confirmed, none
pending; 5 shifts held; 1 no-show; reports 3: problems 3 (1 tracked, 1 resolved), dissuaded
7, 2.75 kg, served 10.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.emulator import FakeUser
from scheduler.jobs import upkeep
from storage.models import Shift
from tests.e2e.conftest import World
from tests.e2e.test_roster import leader, plain
from tests.e2e.test_scheduler import Heard, local, run_until
from tests.e2e.test_views import tap


@pytest.fixture(autouse=True)
def many_commands(world: World) -> None:
    """A week compressed into minutes: lift the per-member limit."""
    world.harness.services.throttle.burst = 1000


async def shift_id(world: World, duty: int, day: int) -> int:
    async with world.database.sessions() as session:
        found = await session.scalar(
            select(Shift.id).where(Shift.duty_id == duty, Shift.local_date == date(2026, 11, day))
        )
    assert found is not None
    return int(found)


class Week:
    """The test's clock and ears: move to a local time, keep what the group heard."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.heard: list[Heard] = []

    async def to(self, day: int, hhmm: str, month: int = 11) -> None:
        """Step the scheduler to a local time, then run the hourly upkeep job there."""
        self.heard += await run_until(self.world, local(day, hhmm, month=month))
        await upkeep(self.world.database.sessions, self.world.clock.now())

    async def say(self, who: FakeUser, text: str) -> str:
        return plain(await self.world.say(who, text))

    def posted(self, start: str) -> str:
        [found] = [h.text for h in self.heard if h.text.startswith(start)]
        return found


def at(when: datetime) -> str:
    return when.strftime("%H:%M")


@pytest.mark.timeout(900)
async def test_a_leaders_week_adds_up_to_the_hand_count(world: World) -> None:
    boss = await leader(world)
    week = Week(world)
    for point in ("1号点", "2号点", "3号点"):
        await week.say(boss, f"/duty add 督导 daily 19:00-21:00 need 1-2 at {point}")
    await week.say(boss, "/duty add 巡逻 daily 06:30-08:30 need 1 at 东门")
    alice, bob = world.user("Alice"), world.user("Bob")
    carol, dave = world.user("Carol"), world.user("Dave")
    for who, name in ((alice, "王阿姨"), (bob, "张大爷"), (carol, "李叔叔"), (dave, "陈阿姨")):
        await week.say(who, f"/signup {name}")

    # ---- Tuesday 24 ----------------------------------------------------------------------
    await week.say(alice, f"/shift claim {await shift_id(world, 1, 24)}")
    await week.say(dave, f"/shift claim {await shift_id(world, 4, 25)}")
    await week.to(24, "18:55")
    assert "@1号点" in await week.say(alice, "/checkin")
    await week.to(24, "19:05")
    [answer] = await world.say(bob, "/checkin")  # goes to 2号点, which needs people most
    assert "@2号点" in plain([answer])
    moved = {b["text"]: b["callback_data"] for b in answer.buttons}["不是这里？我在3号点"]
    assert "@3号点" in await tap(world, answer, moved, bob)
    await week.to(24, "19:10")
    assert "@2号点" in await week.say(carol, "/checkin 2号点")
    await week.to(24, "20:00")
    await week.say(alice, "/report 劝导3次 问题2个 捡了3斤")
    await week.say(bob, "/report 问题=1 劝导=2 2斤半")
    await week.to(24, "20:35")
    await week.say(bob, "/checkout")
    await week.to(24, "21:00")
    await week.say(alice, "/checkout")
    await week.to(24, "23:00")  # the summary at 21:30; Carol's check-out closed at 22:00
    tuesday = week.posted("🌙 11月24日周二值班总结")
    assert "王阿姨 2 小时" in tuesday and "张大爷 1.5 小时（待确认）" in tuesday
    assert "志愿者 3 人 · 服务人次 3 · 服务时长 2 小时" in tuesday
    assert "待队长确认：1.5 小时" in tuesday and "1 人还没有签退" in tuesday
    assert "汇报 2 条：发现问题 3 · 劝导次数 5 · 分拣重量 2.75 公斤 · 服务居民 0 人次" in tuesday

    # ---- Wednesday 25 --------------------------------------------------------------------
    await week.to(25, "06:25")
    await week.say(dave, "/checkin")
    await week.to(25, "08:40")
    assert "2.25 小时" in await week.say(dave, "/checkout")
    await week.to(25, "10:00")
    said = await week.say(boss, "/hours confirm 昨天")
    assert "已确认 11月24日周二的时长：张大爷 1.5 小时、李叔叔 1.75 小时" in said
    # Hours outside the roster on a day with a record: a time that overlaps nothing adds one
    # (once it is over: a span still ahead is refused).
    assert "还没到" in await week.say(boss, "/hours 陈阿姨 今天 14:00-15:00 社区开会")
    await week.to(25, "15:30")
    said = await week.say(boss, "/hours 陈阿姨 今天 14:00-15:00 社区开会")
    assert "已为 陈阿姨 补录" in said or "已为陈阿姨补录" in said
    await week.say(alice, f"/shift claim {await shift_id(world, 1, 25)}")
    await week.to(25, "19:00")
    await week.say(alice, "/checkin")
    await week.to(25, "19:08")
    assert "不足 15 分钟" in await week.say(alice, "/checkout")
    await week.say(dave, "/report 服务10人 劝导两次")
    await week.to(25, "23:00")
    wednesday = week.posted("🌙 11月25日周三值班总结")
    assert "志愿者 1 人 · 服务人次 2 · 服务时长 3.25 小时" in wednesday
    assert "待队长确认" not in wednesday
    assert "汇报 1 条：发现问题 0 · 劝导次数 2 · 分拣重量 0 公斤 · 服务居民 10 人次" in wednesday

    # ---- Thursday 26 ---------------------------------------------------------------------
    await week.say(alice, f"/shift claim {await shift_id(world, 1, 26)}")
    await week.say(bob, f"/shift claim {await shift_id(world, 3, 26)}")
    await week.to(26, "19:00")
    await week.say(carol, "/checkin")  # from her sofa
    await week.say(bob, "/checkin")
    await week.to(26, "19:20")
    said = await week.say(boss, "/hours 李叔叔 今天 0 在家签到的")
    assert "作废" in said
    said = await week.say(boss, f"/noshow {await shift_id(world, 1, 26)} 王阿姨")
    assert "已记为未到岗" in said
    await week.to(26, "19:30")
    await week.say(bob, "/problem 3号点垃圾桶坏了")
    await week.to(26, "21:30")
    await week.say(bob, "/checkout")
    await week.to(26, "23:00")
    thursday = week.posted("🌙 11月26日周四值班总结")
    assert "志愿者 1 人 · 服务人次 1 · 服务时长 2.5 小时" in thursday
    assert "李叔叔 0 小时（作废）" in thursday
    assert "发现问题 0（另有登记待办 1 件，已解决 0 件）" in thursday
    assert "#1 3号点垃圾桶坏了" in thursday

    # ---- Friday to Sunday: the problem is resolved; the week ends ------------------------
    await week.to(27, "10:00")
    await week.say(boss, "/resolve 1 已更换")
    await week.to(29, "21:40")
    [weekly] = [h for h in week.heard if h.message.photo is not None]
    caption = weekly.message.caption or ""
    assert "志愿者 4 人 · 服务人次 6 · 服务时长 11 小时" in caption
    assert "待队长确认" not in caption
    assert "发现问题 3（另有登记待办 1 件，已解决 1 件） · 劝导次数 7" in caption
    assert "分拣重量 2.75 公斤 · 服务居民 10 人次" in caption
    assert "张大爷 4 小时" in caption and "陈阿姨 3.25 小时" in caption

    # ---- the month, on demand and on the 1st --------------------------------------------
    month = await week.say(boss, "/summary 11月")
    for line in (
        "志愿者：4 人", "开展班次：5 个", "服务人次：6", "服务时长：11 小时", "未到岗：1 次",
        "发现问题 3（另有登记待办 1 件，已解决 1 件） · 劝导次数 7 · 分拣重量 2.75 公斤"
        " · 服务居民 10 人次",
        "督导 @1号点：班次 1 个 · 服务人次 1 · 服务时长 2 小时",
        "督导 @2号点：班次 1 个 · 服务人次 1 · 服务时长 1.75 小时",
        "督导 @3号点：班次 2 个 · 服务人次 2 · 服务时长 4 小时",
        "巡逻 @东门：班次 1 个 · 服务人次 1 · 服务时长 2.25 小时",
        "值班表以外的时长：班次 0 个 · 服务人次 1 · 服务时长 1 小时",
        "张大爷 4 小时", "陈阿姨 3.25 小时", "王阿姨 2 小时", "李叔叔 1.75 小时",
    ):
        assert line in month, line
    assert "待队长确认" not in month
    await week.to(1, "09:30", month=12)
    [link] = [h for h in week.heard if "月报已生成" in h.text]
    assert link.message.reply_markup is not None
