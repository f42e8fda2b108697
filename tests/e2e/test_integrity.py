"""Nobody raises their own hours, by any path: the holes a real team's week and a hostile
sweep found, each refused with its reason and leaving the records as they were.

Tuesday 24 November 2026 in Shanghai; duties at 19:00.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scheduler.jobs import upkeep
from storage import audit
from storage.models import Attendance, AuditEntry, Claim, Evidence, Membership, Person
from tests.e2e.conftest import FORUM_CHAT_ID, World
from tests.e2e.test_attendance import at, evening, records
from tests.e2e.test_roster import count, leader, plain
from tests.e2e.test_views import tap

pytestmark = pytest.mark.usefixtures("many_commands")


async def test_anonymous_admins_cannot_change_records(world: World) -> None:
    await evening(world)
    as_group = world.emulator.send(world.group, None, "/checkin",  # type: ignore[arg-type]
                                   sender_chat=world.group)
    await world.settle()
    for text in ("/hours 今天 6", "/hours confirm 今天", "/noshow 1", "/shift assign 1",
                 "/leader add"):
        said = plain(await world.say(None, text, sender_chat=world.group,  # type: ignore[arg-type]
                                     reply_to=as_group))
        assert "匿名" in said and "“保持匿名”" in said, text
    assert await count(world, Attendance) == 0
    assert await count(world, AuditEntry, AuditEntry.action.like("hours.%")) == 0
    assert await count(world, Claim) == 0


async def test_scheduled_mode_walk_ins_short_visits_and_overlaps(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/settings hours_mode=scheduled")
    for window in ("19:00-21:00", "19:30-21:30", "20:00-22:00"):
        await world.say(boss, f"/duty add 督导 daily {window} need 1")
    eve, frank = world.user("Eve"), world.user("Frank")
    await world.say(frank, "/shift claim 1")  # tonight's 19:00–21:00
    # In and out twice within a quarter of an hour: less than min_presence (15) each time.
    for minute_in, minute_out in (("19:10", "19:11"), ("19:25", "19:26")):
        at(world, minute_in)
        await world.say(eve, "/checkin")
        at(world, minute_out)
        said = plain(await world.say(eve, "/checkout"))
        assert "不足 15 分钟" in said and "不计时长" in said
    assert [a.minutes for a in await records(world, "Eve")] == [0, 0]
    # Frank serves his claimed 19:00 duty: two confirmed hours in scheduled mode.
    at(world, "19:05")
    await world.say(frank, "/checkin")
    at(world, "19:40")
    assert "2 小时" in plain(await world.say(frank, "/checkout"))
    # Checking in again as a walk-in (at 20:00–22:00, which needs people most) would count
    # 20:00–21:00 twice: refused, naming the record it overlaps.
    at(world, "19:45")
    said = plain(await world.say(frank, "/checkin"))
    assert "已经有一条记录" in said and "19:00–21:00 督导" in said
    assert [(a.minutes, a.confirmed) for a in await records(world, "Frank")] == [(120, True)]
    # A walk-in's hours wait for a leader.
    at(world, "19:50")
    assert "临时到场" in plain(await world.say(eve, "/checkin"))  # the 20:00 duty
    at(world, "20:30")
    said = plain(await world.say(eve, "/checkout"))
    assert "2 小时" in said and "队长确认" in said
    today = plain(await world.say(eve, "/today"))
    assert "时长 2 小时" in today and "待队长确认：2 小时" in today


async def test_the_job_closes_at_exactly_the_deadline_as_forgotten(world: World) -> None:
    await evening(world)
    alice = world.user("Alice")
    await world.say(alice, "/shift claim 1")
    at(world, "19:10")
    await world.say(alice, "/checkin")
    at(world, "22:00")  # end 21:00 + checkout_late 60: exactly the deadline
    await upkeep(world.database.sessions, world.clock.now())
    [a] = await records(world, "Alice")
    assert (a.evidence, a.confirmed, a.minutes) == (Evidence.AUTO, False, 105)  # 19:10–21:00
    assert "Alice — 1.75 小时（待确认）" in plain(await world.say(alice, "/today"))


async def test_hours_dates_zero_and_void(world: World) -> None:
    boss = await evening(world)
    bob = world.user("Bob")
    hello = world.emulator.send(world.group, bob, "/shift claim 1")
    await world.settle()
    at(world, "19:00")
    await world.say(bob, "/checkin")
    at(world, "21:00")
    await world.say(bob, "/checkout")
    for text, reason in (
        ("/hours 0001-01-01 2", "日期太早了"), ("/hours 1926-11-24 2", "日期太早了"),
        ("/hours 2026-09-22 2", "日期太早了"),  # 63 days back; 62 is the default
        ("/hours 2026-11-25 2", "还没到"),
        ("/hours 昨天 0", "没有记录"),
        ("/hours 今天 0", "原因"),
    ):
        said = plain(await world.say(boss, text, reply_to=hello))
        assert reason in said, (text, said)
    assert await count(world, Attendance) == 1
    said = plain(await world.say(boss, "/hours 2026-09-23 2", reply_to=hello))
    assert "已为Bob补录" in said  # 62 days back is allowed
    said = plain(await world.say(boss, "/hours 今天 0 在家签到的", reply_to=hello))
    assert "作废" in said and "在家签到的" in said
    rows = await records(world, "Bob")
    assert [(a.voided, a.minutes) for a in rows] == [(True, 120), (False, 120)]
    async with world.database.sessions() as session:
        [entry] = await audit.entries(session, action="hours.void")
    assert entry.before is not None and entry.before["voided"] is False
    today = plain(await world.say(boss, "/today"))
    assert "Bob — 2 小时（作废）" in today and "时长 0 小时" in today
    # A day never passes 24 hours, across records.
    await world.say(boss, "/hours 昨天 20", reply_to=hello)
    said = plain(await world.say(boss, "/hours 昨天 08:00-13:00", reply_to=hello))
    assert "Bob那天已经记录了 20 小时" in said and "24 小时" in said
    assert await count(world, Attendance) == 3


async def test_overlapping_spans_across_groups_are_refused(world: World) -> None:
    boss = await evening(world)
    bob = world.user("Bob")
    hello = world.emulator.send(world.group, bob, "/signup Bob")
    await world.settle()
    said = plain(await world.say(boss, "/hours 昨天 19:00-21:00", reply_to=hello))
    assert "已为Bob补录" in said
    other = world.emulator.add_group(
        "Second team", chat_id=FORUM_CHAT_ID, admins=[boss], members=[bob]  # type: ignore[list-item]
    )
    hi_there = world.emulator.send(other, bob, "/signup Bob")
    await world.settle()
    said = plain(await world.say(boss, "/hours 昨天 20:00-22:00", chat=other,  # type: ignore[arg-type]
                                 reply_to=hi_there))
    assert "已经有一条记录" in said and "Sunrise Volunteers" in said
    said = plain(await world.say(boss, "/hours 昨天 21:00-22:00", chat=other,  # type: ignore[arg-type]
                                 reply_to=hi_there))
    assert "已为Bob补录" in said  # touching ends do not overlap


async def test_only_members_of_the_group_are_assigned_credited_or_promoted(
    world: World,
) -> None:
    boss = await evening(world)
    stranger = world.emulator.add_user("Stranger")  # never joined this group
    for text in ("/shift assign 999 Stranger", "/shift assign 1 Stranger",
                 "/hours Stranger 昨天 2", "/leader add Stranger"):
        said = plain(await world.say(boss, text, mentions={"Stranger": stranger}))
        assert "不在本群里" in said, text
    bot_user = world.emulator.bot_user
    for text in ("/shift assign 1 Dutybot", "/hours Dutybot 昨天 2", "/leader add Dutybot"):
        said = plain(await world.say(boss, text, mentions={"Dutybot": bot_user}))
        assert "不在本群里" in said, text
    # A failed assignment of a member signs nobody up.
    carol = world.user("Carol")
    said = plain(await world.say(boss, "/shift assign 999 Carol", mentions={"Carol": carol}))
    assert "这个班次已经不存在了" in said
    assert "Carol" not in await world.roster()
    async with world.database.sessions() as session:
        people = (await session.scalars(select(Person.telegram_name))).all()
    assert "Stranger" not in people and "Dutybot" not in people
    assert await count(world, Attendance) == 0


async def test_leaders_who_leave_lose_the_promotion_and_demoted_admins_at_once(
    world: World,
) -> None:
    boss = await evening(world)
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    said = plain(await world.say(boss, "/leader add 王阿姨"))  # named by her roster name
    assert "王阿姨现在是本队副队长" in said
    world.emulator.remove_member(world.group, alice)
    await world.settle()
    async with world.database.sessions() as session:
        [entry] = await audit.entries(session, action="leader.remove")
    assert entry.note == "left the group"
    said = plain(await world.say(boss, "/leader remove 王阿姨"))  # a former member: no error
    assert "不是副队长" in said
    world.emulator.add_member(world.group, alice)
    await world.say(alice, "/signup 王阿姨")
    refused = plain(await world.say(alice, "/duty add 巡逻 daily 06:30-08:30"))
    assert "队长" in refused and "已添加值班" not in refused
    # A Telegram admin demoted a moment ago has no leader powers, whatever a cache says.
    carol = world.user("Carol")
    world.emulator.set_admin(world.group, carol)
    assert "已添加值班" in plain(await world.say(carol, "/duty add 巡逻 daily 06:30-08:30"))
    world.emulator.set_admin(world.group, carol, False)
    refused = plain(await world.say(carol, "/duty add 清扫 daily 08:30-09:30"))
    assert "已添加值班" not in refused


async def test_a_username_points_to_whoever_used_it_last(world: World) -> None:
    boss = await evening(world)
    first = world.user("First", username="alice")
    await world.say(first, "/signup 阿丽")
    first.username = "alice_new"
    await world.say(first, "/me")
    second = world.user("Second", username="alice")
    await world.say(second, "/signup 小爱")
    said = plain(await world.say(boss, "/leader add @alice"))
    assert "小爱" in said and "阿丽" not in said
    async with world.database.sessions() as session:
        holders = (await session.scalars(
            select(Membership.display_name).join(Person).where(Person.username == "alice")
        )).all()
    assert holders == ["小爱"]


async def test_holes_a_playtest_found(world: World) -> None:
    """Undo a day later, a void given with its time, anonymous cancels and settings, and a
    name that only looks like someone else's."""
    boss = await evening(world)
    undo = [m for m in world.emulator.bot_messages(world.group) if m.buttons][-1]
    bob = world.user("Bob")
    hello = world.emulator.send(world.group, bob, "/shift claim 1")
    await world.settle()
    toast = await tap(world, undo, undo.buttons[0]["callback_data"], boss)  # type: ignore[arg-type]
    assert "不能撤销" in toast and await count(world, Claim) == 1
    at(world, "19:00")
    await world.say(bob, "/checkin")
    at(world, "21:00")
    await world.say(bob, "/checkout")
    said = plain(await world.say(boss, "/hours 今天 19:00-21:00 0 测试作废", reply_to=hello))
    assert "作废" in said
    [record] = await records(world, "Bob")
    assert record.voided and record.minutes == 120
    for text in ("/shift cancel 2 下雨", "/settings min_presence=0", "/settings min_presence 0"):
        said = plain(await world.say(None, text, sender_chat=world.group))  # type: ignore[arg-type]
        assert "保持匿名" in said, text
    assert "min_presence=15" in plain(await world.say(boss, "/settings"))
    mimic = world.user("Mimic")
    said = plain(await world.say(mimic, "/signup Bob\u200d"))  # Bob + a zero-width joiner
    assert "已被本群其他成员使用" in said
