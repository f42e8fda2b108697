"""The points passbook end to end: earned when hours are confirmed, spent by a leader's
/redeem (never more than the balance, never one's own), seen by the volunteer in /points."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import World
from tests.e2e.test_orgs import create_org, hours, join, private
from tests.e2e.test_roster import leader, plain

pytestmark = pytest.mark.usefixtures("many_commands")


async def test_points_are_earned_then_redeemed_by_a_leader_within_the_balance(
    world: World,
) -> None:
    boss = await leader(world)
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    await world.say(boss, "/signup 陈队长")
    chat = private(world, alice)
    await world.say(alice, "/start", chat=chat)
    await hours(world, world.group, alice, 2, 5)  # two days of 5 h: 100 points
    said = plain(await world.say(alice, "/points", chat=chat))
    assert "💳 积分存折：Sunrise Volunteers" in said, said
    assert "周一 服务 5 小时：存入 50，结余 50" in said and "结余 100" in said, said
    assert "现有积分：100 分" in said, said

    said = plain(await world.say(alice, "/redeem 王阿姨 10 牙膏"))
    assert "只有本队队长" in said, said
    said = plain(await world.say(boss, "/redeem 陈队长 1 牙膏"))
    assert "不能给自己登记兑换" in said, said
    said = plain(await world.say(boss, "/redeem 王阿姨 150 电饭煲"))
    assert "王阿姨的积分不够 150 分，没有登记" in said, said  # no balance in the group
    before = len(world.emulator.bot_messages(chat))
    said = plain(await world.say(boss, "/redeem 王阿姨 50 洗衣液一瓶"))
    assert "已登记：王阿姨用 50 积分兑换了洗衣液一瓶，已私信告诉本人" in said, said
    told = plain(world.emulator.bot_messages(chat)[before:])
    assert "你用 50 积分兑换了洗衣液一瓶（Sunrise Volunteers），现有 50 积分" in told, told
    said = plain(await world.say(alice, "/points", chat=chat))
    assert "兑换洗衣液一瓶：取出 50，结余 50" in said, said
    assert "现有 50 积分" not in plain(world.emulator.bot_messages(world.group))
    # An administrator posting as the group cannot be told apart: nothing is spent.
    for text in ("/redeem 王阿姨 10 牙膏", "/training 王阿姨 急救", "/commend 王阿姨 好人好事",
                 "/rewards add 5 肥皂"):
        said = plain(await world.say(None, text, sender_chat=world.group))  # type: ignore[arg-type]
        assert "匿名" in said, (text, said)
    said = plain(await world.say(boss, "/redeem 王阿姨 五十 洗衣液"))
    assert "用法（队长，在群里）：/redeem" in said, said


async def test_a_team_joining_brings_its_passbooks_and_staff_redeem_by_number(
    world: World,
) -> None:
    boss = world.user("Boss1")
    world.emulator.set_admin(world.group, boss)
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    await hours(world, world.group, alice, 1, 3)  # 30 points before the team joins
    await world.harness.tick()
    code = await create_org(world)
    await join(world, world.group, boss, code)
    office = private(world, world.admin)
    said = plain(await world.say(world.admin, "/redeem 0001 20 soap", chat=office))
    assert "王阿姨 (0001) redeemed 20 points for soap. Balance now 10" in said, said
    chat = private(world, alice)
    said = plain(await world.say(alice, "/points", chat=chat))
    assert "积分存折：幸福里社区居委会" in said and "从Sunrise Volunteers转入" in said, said
    assert "现有积分：10 分" in said, said


async def test_a_catalogue_request_is_spent_only_when_a_leader_hands_it_over(
    world: World,
) -> None:
    boss = await leader(world)
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    boss_chat = private(world, boss)
    await world.say(boss, "/start", chat=boss_chat)
    alice_chat = private(world, alice)
    await world.say(alice, "/start", chat=alice_chat)
    said = plain(await world.say(alice, "/rewards add 50 洗衣液一瓶"))
    assert "只有本队队长" in said, said
    said = plain(await world.say(boss, "/rewards add 50 洗衣液一瓶"))
    assert "已加入兑换目录：#1 洗衣液一瓶 · 50 积分" in said, said
    await world.say(boss, "/rewards add 500 电饭煲")
    await hours(world, world.group, alice, 1, 6)  # 60 points

    menu = await world.say(alice, "/rewards", chat=alice_chat)
    assert "你现有 60 积分" in plain(menu), plain(menu)
    world.emulator.tap(menu[-1], "rwask:2", alice)  # 500: refused, nothing asked
    await world.settle()
    before = len(world.emulator.bot_messages(boss_chat))
    world.emulator.tap(menu[-1], "rwask:1", alice)
    await world.settle()
    assert "已申请兑换洗衣液一瓶。队长交给你时才扣积分。" in plain(
        world.emulator.bot_messages(alice_chat)[-1:])
    asked = len(world.emulator.bot_messages(boss_chat))
    world.emulator.tap(menu[-1], "rwask:1", alice)  # 60 points, 50 spoken for: refused
    await world.settle()
    assert len(world.emulator.bot_messages(boss_chat)) == asked
    request = world.emulator.bot_messages(boss_chat)[before:]
    assert len(request) == 1 and "王阿姨（Sunrise Volunteers）申请兑换洗衣液一瓶" in plain(request)
    said = plain(await world.say(alice, "/points", chat=alice_chat))
    assert "现有积分：60 分" in said, said  # asked, not yet handed over
    world.emulator.tap(request[0], "rwok:1", boss)
    await world.settle()
    told = plain(world.emulator.bot_messages(alice_chat)[-1:])
    assert "你已领到洗衣液一瓶：用了 50 积分，还剩 10 积分" in told, told
    said = plain(await world.say(alice, "/points", chat=alice_chat))
    assert "兑换洗衣液一瓶：取出 50，结余 10" in said, said
    group_text = plain(world.emulator.bot_messages(world.group))
    assert "申请兑换" not in group_text and "领到" not in group_text
