"""Leaders' privacy and the names people see: no-shows privately, their list, roster names
in private chats, places on buttons and lists, several cancellations in one message.

Tuesday 24 November 2026 in Shanghai.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import NoShow
from tests.e2e.conftest import World
from tests.e2e.test_attendance import at
from tests.e2e.test_roster import count, leader, plain
from tests.e2e.test_views import tap

pytestmark = pytest.mark.usefixtures("many_commands")


async def test_no_shows_privately_or_deleted_and_listed_for_leaders(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1-3 at 1号点")
    alice, bob = world.user("Alice"), world.user("Bob")
    await world.say(alice, "/signup 王阿姨")
    await world.say(bob, "/signup 张大爷")
    await world.say(alice, "/shift claim 1")
    await world.say(bob, "/shift claim 1")
    at(world, "19:30")
    boss_chat = world.emulator.private_chat(boss)  # type: ignore[arg-type]
    await world.say(boss, "/start", chat=boss_chat)  # type: ignore[arg-type]
    # Privately: the shift number says which team; nothing is posted in the group.
    before = len(world.emulator.bot_messages(world.group))
    said = plain(await world.say(boss, "/noshow 1 王阿姨 没请假", chat=boss_chat))  # type: ignore[arg-type]
    assert "已记为未到岗" in said
    assert len(world.emulator.bot_messages(world.group)) == before
    # A volunteer cannot, in either place.
    said = plain(await world.say(bob, "/noshow 1 王阿姨", chat=world.emulator.private_chat(bob)))
    assert "队长" in said and await count(world, NoShow) == 1
    # In the group, with the right to delete messages, the command disappears.
    world.emulator.set_admin(world.group, world.emulator.bot_user)
    command = world.emulator.send(world.group, boss, "/noshow 1 张大爷")  # type: ignore[arg-type]
    await world.settle()
    assert command.deleted and await count(world, NoShow) == 2
    # The month's list, privately to the leader who asks in the group.
    said = plain(await world.say(boss, "/noshows"))  # type: ignore[arg-type]
    assert "私信" in said
    listing = plain(world.emulator.bot_messages(boss_chat)[-1:])
    assert "2026年11月未到岗记录" in listing and "@1号点" in listing
    assert "王阿姨（原因：没请假）" in listing and "张大爷" in listing
    async with world.database.sessions() as session:
        reasons = (await session.scalars(select(NoShow.reason).order_by(NoShow.id))).all()
    assert reasons == ["没请假", None]


async def test_roster_names_places_and_one_message_for_a_rainy_evening(world: World) -> None:
    boss = await leader(world)
    for point in ("1号点", "2号点", "3号点"):
        await world.say(boss, f"/duty add 督导 daily 19:00-21:00 need 1-2 at {point}")
    alice, carol = world.user("Alice"), world.user("Carol")
    await world.say(alice, "/signup 王阿姨")
    await world.say(carol, "/signup 李叔叔")
    roster = (await world.say(alice, "/shift"))[-1]
    labels = [b["text"] for b in roster.buttons]
    assert any(label.endswith("督导 @3号点 0/2") for label in labels), labels
    tonight = {
        point: next(b["callback_data"] for b in roster.buttons if f"@{point}" in b["text"])
        for point in ("1号点", "2号点", "3号点")
    }
    toast = await tap(world, roster, tonight["2号点"], alice)
    assert "督导 @2号点" in toast
    ids = {point: data.split(":")[1] for point, data in tonight.items()}
    # A leader names the volunteer by the roster name.
    said = plain(await world.say(boss, f"/shift assign {ids['3号点']} 李叔叔"))
    assert "李叔叔" in said and "队长为你安排了" in said
    mine = plain(await world.say(alice, "/shift mine"))
    assert "督导 @2号点" in mine
    # Rain: three points, one command, one message, everyone told.
    said = plain(await world.say(boss, f"/shift cancel {' '.join(ids.values())} 下雨"))
    assert said.count("督导 @") == 3 and "原因：下雨" in said
    assert "王阿姨" in said and "李叔叔" in said
    # Privately the bot calls people by their roster name, not their Telegram name.
    said = plain(await world.say(alice, "/me", chat=world.emulator.private_chat(alice)))
    assert "王阿姨" in said and "Alice" not in said


async def test_a_member_who_leaves_a_large_group_silently_leaves_the_roster(world: World) -> None:
    boss = await leader(world)
    world.emulator.set_admin(world.group, world.emulator.bot_user)  # chat_member updates come
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    assert "副队长" in plain(await world.say(boss, "/leader add 王阿姨"))
    # No "left the group" message (large groups), only the chat_member update.
    world.emulator.remove_member(world.group, alice, service_message=False)
    await world.settle()
    assert "王阿姨" not in await world.roster()
    world.emulator.add_member(world.group, alice)
    await world.say(alice, "/signup 王阿姨")
    assert "已添加值班" not in plain(await world.say(alice, "/duty add 巡逻 daily 06:30-08:30"))
