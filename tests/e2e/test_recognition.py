"""Recognition: a volunteer's stars by confirmed hours, shown in /me (both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from storage import corrections, groups, members
from storage.db import transaction
from tests.e2e.conftest import World
from tests.e2e.test_roster import leader, plain

pytestmark = pytest.mark.usefixtures("many_commands")


async def enter_hours(world: World, user_id: int, days: int, hours: int) -> None:
    """A leader's entries: `hours` a day on each of the last `days` days."""
    async with transaction(world.database.sessions) as session:
        group = await groups.by_chat_id(session, world.group.id)
        person = await members.person_of(session, user_id)
        assert group is not None and person is not None
        today = world.clock.now().date()
        for n in range(1, days + 1):
            await corrections.set_hours(
                session, group, person, day=today - timedelta(days=n), minutes=hours * 60,
                span=None, note=None, actor=777,
                now=world.clock.now(),
            )


async def test_me_shows_the_star_level_and_the_way_to_the_next(world: World) -> None:
    await leader(world)
    alice = world.user("Alice")
    alice.started = True
    await world.say(alice, "/signup 王阿姨")
    chat = world.emulator.private_chat(alice)
    said = plain(await world.say(alice, "/me", chat=chat))
    assert "还差 100 小时到一星" in said and "⭐" not in said
    await enter_hours(world, alice.id, 22, 12)  # 264 h confirmed
    said = plain(await world.say(alice, "/me", chat=chat))
    assert "⭐ 一星 · 还差 36 小时到二星" in said
    # A leader's entry sets a day's hours: 40 days of 8 h is 320 h.
    await enter_hours(world, alice.id, 40, 8)
    said = plain(await world.say(alice, "/me", chat=chat))
    assert "⭐⭐ 二星 · 还差 280 小时到三星" in said
    # Corrected down to 2 h a day (80 h): the level follows the hours.
    await enter_hours(world, alice.id, 40, 2)
    said = plain(await world.say(alice, "/me", chat=chat))
    assert "还差 20 小时到一星" in said and "⭐" not in said


async def hours_on(world: World, user_id: int, day: date, hours: int) -> None:
    async with transaction(world.database.sessions) as session:
        group = await groups.by_chat_id(session, world.group.id)
        person = await members.person_of(session, user_id)
        assert group is not None and person is not None
        await corrections.set_hours(session, group, person, day=day, minutes=hours * 60,
                                    span=None, note=None, actor=777, now=world.clock.now())


async def test_stats_for_a_period_against_the_same_days_before(world: World) -> None:
    # Tuesday 24 November 2026. By hand: November 1–24 has 3 h (王阿姨) + 2 h (李师傅) = 5 h;
    # October 1–24 has 4 h (the 28th is outside the same days): +25%.
    boss = await leader(world)
    alice, bob = world.user("Alice"), world.user("Bob")
    await world.say(alice, "/signup 王阿姨")
    await world.say(bob, "/signup 李师傅")
    await hours_on(world, alice.id, date(2026, 10, 10), 4)
    await hours_on(world, bob.id, date(2026, 10, 28), 6)
    await hours_on(world, alice.id, date(2026, 11, 5), 3)
    await hours_on(world, bob.id, date(2026, 11, 20), 2)
    said = plain(await world.say(alice, "/stats"))
    assert "2026年11月（11月1日周日–11月24日周二）" in said
    assert "服务时长：5 小时（比上月同期 +25%）" in said
    assert "志愿者：2 人" in said and "服务人次：2" in said
    assert "1. 王阿姨 3 小时" in said and "2. 李师傅 2 小时" in said
    # A whole past month against the whole month before it (nothing then: no percentage).
    said = plain(await world.say(boss, "/stats 2026-10"))
    assert "服务时长：10 小时（比上月同期 —）" in said
    # This week (Monday 23rd to today) against Monday 16th to Tuesday 17th: nothing either.
    said = plain(await world.say(boss, "/stats 本周"))
    assert "服务时长：0 小时（比上周同期 —）" in said
    # This year so far (1 January to today): 4 + 6 + 3 + 2 = 15 h; none the year before.
    said = plain(await world.say(boss, "/stats 今年"))
    assert "服务时长：15 小时（比去年同期 —）" in said, said
    said = plain(await world.say(boss, "/stats 明年"))
    assert "用法：/stats" in said


async def test_stats_counts_the_shifts_on_the_roster_and_those_with_enough_people(
    world: World,
) -> None:
    # Tuesday 24 November: two duties start today; by hand, this month has 2 shifts on
    # the roster (one each, today), and only the one needing 1 person has enough.
    boss = await leader(world)
    alice = world.user("Alice")
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1")
    await world.say(boss, "/duty add 巡逻 daily 19:00-21:00 need 2")
    await world.say(alice, "/shift claim 1")
    said = plain(await world.say(boss, "/stats"))
    assert "排班 2 个，其中人数够的 1 个" in said, said
