"""Leaders: Telegram admins promote members; promoted leaders run duties but not promotions."""

from __future__ import annotations

from bot.emulator import html_to_plain
from storage import audit
from tests.e2e.conftest import World


def plain(messages: list) -> str:  # type: ignore[type-arg]
    return "\n".join(html_to_plain(m.text or "") for m in messages)


async def test_an_admin_promotes_a_member_who_then_leads(world: World) -> None:
    boss, alice, bob = world.user("Boss"), world.user("Alice"), world.user("Bob")
    world.emulator.set_admin(world.group, boss)
    hello = world.emulator.send(world.group, alice, "/signup Alice")
    await world.settle()
    await world.say(bob, "/signup Bob")
    assert "队长" in plain(await world.say(alice, "/duty add 督导 daily 19:00-21:00"))
    said = plain(await world.say(boss, "/leader add", reply_to=hello))
    assert "Alice现在是本队副队长" in said
    assert "已添加值班" in plain(await world.say(alice, "/duty add 督导 daily 19:00-21:00"))
    # A promoted leader cannot promote, nor remove a Telegram admin.
    refused = plain(await world.say(alice, "/leader remove Boss", mentions={"Boss": boss}))
    assert "管理员" in refused
    refused = plain(await world.say(alice, "/leader add Bob", mentions={"Bob": bob}))
    assert "管理员" in refused
    async with world.database.sessions() as session:
        actions = [e.action for e in await audit.entries(session, action="leader.add")]
    assert actions == ["leader.add"]


async def test_naming_someone_by_text_mention_and_refusing_a_telegram_admin(
    world: World,
) -> None:
    boss, alice = world.user("Boss"), world.user("Alice")
    world.emulator.set_admin(world.group, boss)
    await world.say(alice, "/signup Alice")
    said = plain(await world.say(boss, "/leader add Alice", mentions={"Alice": alice}))
    assert "Alice现在是本队副队长" in said
    said = plain(await world.say(boss, "/leader remove Alice", mentions={"Alice": alice}))
    assert "不再是本队副队长" in said
    said = plain(await world.say(boss, "/leader remove Boss", mentions={"Boss": boss}))
    assert "管理员就是队长" in said
    said = plain(await world.say(boss, "/leader add somebody"))
    assert "回复这个人的一条消息" in said


async def test_anonymous_admins_lead_but_cannot_sign_up_and_channels_are_refused(
    world: World,
) -> None:
    em = world.emulator
    as_group = await world.say(None, "/duty add 督导 daily 19:00-21:00",  # type: ignore[arg-type]
                               sender_chat=world.group)
    assert "已添加值班" in plain(as_group)
    refused = plain(await world.say(None, "/signup Boss", sender_chat=world.group))  # type: ignore[arg-type]
    assert "匿名管理员" in refused
    channel = em.add_channel("Some channel")
    refused = plain(await world.say(None, "/signup Chan", sender_chat=channel))  # type: ignore[arg-type]
    assert "频道" in refused
    assert await world.roster() == []


async def test_a_member_who_spams_commands_is_slowed_down_and_never_lost(world: World) -> None:
    throttle = world.harness.services.throttle
    # The real pace is one every 6 s; two seconds here: all 15 are handled within the first
    # two (on a loaded machine one second was not always enough, and a token came back).
    throttle.every, throttle.queue = 2.0, 3
    alice = world.user("Alice")
    alice.started = True  # she has started the bot
    before = len(world.emulator.bot_messages(world.group))
    for _ in range(15):
        world.emulator.send(world.group, alice, "/help")
    await world.settle(timeout=20)
    texts = plain(world.emulator.bot_messages(world.group)[before:])
    assert texts.count("请慢一点") == 1
    assert texts.count("我在这里能做的事") == 13  # a burst of 10, then 3 in turn
    # The two past the queue were not done, and Alice was told once, privately.
    private = plain(world.emulator.bot_messages(world.emulator.private_chat(alice)))
    assert private.count("没有执行") == 1
    assert "没有执行" not in texts
    # Someone else is still answered.
    assert "我在这里能做的事" in plain(await world.say(world.user("Bob"), "/help"))


async def test_a_leader_setting_up_is_never_held_up(world: World) -> None:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    await world.say(boss, "/signup 老张")
    for i in range(12):
        world.emulator.send(world.group, boss, f"/duty add 督导{i} daily 19:00-21:00")
    await world.settle()
    said = plain(await world.say(boss, "/duty list"))
    assert "督导11" in said and "请慢一点" not in said
    texts = plain(world.emulator.bot_messages(world.group))
    assert "请慢一点" not in texts and texts.count("已添加值班项目") == 12
