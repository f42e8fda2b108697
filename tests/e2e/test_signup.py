"""/signup end to end: a user posts in the group, the bot answers over the fake Bot API."""

from __future__ import annotations

import pytest
from telegram.ext import CommandHandler

from bot.emulator import html_to_plain
from tests.e2e.conftest import FORUM_CHAT_ID, World


def plain(messages: list) -> str:  # type: ignore[type-arg]
    return "\n".join(html_to_plain(m.text or "") for m in messages)


async def test_signup_names_the_member_and_stores_them(world: World) -> None:
    alice = world.user("Alice")
    replies = await world.say(alice, "/signup Alice")
    assert len(replies) == 1
    assert "Alice" in plain(replies)
    assert "已加入名单" in plain(replies) or "joined" in plain(replies)
    assert replies[0].reply_to_message_id is not None
    assert await world.roster() == ["Alice"]


async def test_signup_without_a_name_uses_the_telegram_name(world: World) -> None:
    bob = world.user("Bob", last_name="Li")
    replies = await world.say(bob, "/signup")
    assert "Bob Li" in plain(replies)
    assert await world.roster() == ["Bob Li"]


async def test_a_member_keeps_their_name_when_signup_gives_none(world: World) -> None:
    li = world.user("li")
    await world.say(li, "/signup 李阿姨")
    said = plain(await world.say(li, "/signup"))  # checking she is on it
    assert "已经在名单上" in said and "李阿姨" in said, said
    said = plain(await world.say(li, "/signup 楼栋=5号楼"))  # only her building
    assert "楼栋" in said and "李阿姨" in said, said
    assert await world.roster() == ["李阿姨"]
    await world.say(li, "/leave")
    said = plain(await world.say(li, "/signup"))  # back, under the name the team knew
    assert "李阿姨" in said and "li" not in said, said
    assert await world.roster() == ["李阿姨"]


async def test_signup_addressed_to_another_bot_is_ignored(world: World) -> None:
    alice = world.user("Alice")
    assert await world.say(alice, "/signup@otherbot Alice") == []
    assert await world.roster() == []
    replies = await world.say(alice, f"/signup@{world.emulator.bot_user.username} Alice")
    assert "Alice" in plain(replies)


async def test_markup_in_names_is_shown_literally(world: World) -> None:
    tom = world.user("Tom")
    replies = await world.say(tom, "/signup <b>Tom_*[")
    assert len(replies) == 1, "the reply must parse as HTML, or the fake would refuse it"
    assert "<b>Tom_*[" in plain(replies)
    assert await world.roster() == ["<b>Tom_*["]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('/signup ""', ("空", "empty")),
        ("/signup " + "x" * 300, ("太长", "too long")),
        ("/signup Al\u2028ice", ("无法显示", "cannot be shown")),
        ("/signup \u3164", ("无法显示", "cannot be shown")),
        ("/signup ***", ("字或数字", "letter or digit")),
        ("/signup Alice building=", ("空", "empty")),
        ("/signup Alice floor=3", ("floor=",)),
    ],
)
async def test_bad_signups_get_usage_and_store_nothing(
    world: World, text: str, why: tuple[str, ...]
) -> None:
    alice = world.user("Alice")
    replies = await world.say(alice, text)
    said = plain(replies)
    assert any(w in said for w in why), said
    assert "/signup" in said  # the usage line shows the right form
    assert await world.roster() == []


async def test_a_taken_name_is_refused(world: World) -> None:
    alice, impostor = world.user("Alice"), world.user("Eve")
    await world.say(alice, "/signup Alice")
    replies = await world.say(impostor, "/signup alice")
    assert "alice" in plain(replies)
    assert await world.roster() == ["Alice"]


async def test_nobody_may_take_an_erased_volunteers_label(world: World) -> None:
    mallory = world.user("Mallory")
    for name in ("已注销志愿者 #1", "已注销志愿者＃12", "former volunteer #3"):
        said = plain(await world.say(mallory, f"/signup {name}"))
        assert "是已注销志愿者记录上的称呼" in said, said
    assert await world.roster() == []
    await world.say(mallory, "/signup 已注销志愿者")  # no number: an ordinary (odd) name
    assert await world.roster() == ["已注销志愿者"]


async def test_edited_signup_does_nothing(world: World) -> None:
    alice = world.user("Alice")
    message = world.emulator.send(world.group, alice, "/help")
    await world.settle()
    before = len(world.emulator.bot_messages(world.group))
    world.emulator.edit(message, "/signup Alice")
    await world.settle()
    assert len(world.emulator.bot_messages(world.group)) == before
    assert await world.roster() == []


async def test_leave_deactivates_and_keeps_history(world: World) -> None:
    alice = world.user("Alice")
    await world.say(alice, "/signup Alice")
    replies = await world.say(alice, "/leave")
    assert "Alice" in plain(replies)
    assert await world.roster() == []
    again = await world.say(alice, "/signup Alice")
    assert "Alice" in plain(again)
    assert await world.roster() == ["Alice"]


async def test_signup_in_a_private_chat_points_to_the_group(world: World) -> None:
    alice = world.user("Alice")
    private = world.emulator.private_chat(alice)
    replies = await world.say(alice, "/signup Alice", chat=private)
    assert "/signup" in plain(replies)
    assert await world.roster() == []


async def test_replies_go_to_the_forum_topic_the_command_came_from(world: World) -> None:
    forum = world.emulator.add_group("Forum team", forum=True, chat_id=FORUM_CHAT_ID)
    alice = world.user("Alice")
    world.emulator.add_member(forum, alice)
    replies = await world.say(alice, "/signup Alice", chat=forum, thread_id=42)
    assert len(replies) == 1 and replies[0].message_thread_id == 42


async def test_help_lists_what_the_caller_may_use_in_the_group_language(world: World) -> None:
    alice, boss = world.user("Alice"), world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    member_help = plain(await world.say(alice, "/help"))
    admin_help = plain(await world.say(boss, "/help"))
    assert "/signup" in member_help and "/lang" not in member_help
    assert "/lang" in admin_help
    assert "报名" in member_help or "名单" in member_help  # Chinese by default
    refused = plain(await world.say(alice, "/lang en"))
    assert "管理员" in refused
    switched = plain(await world.say(boss, "/lang en"))
    assert "English" in switched
    assert "What I can do here" in plain(await world.say(alice, "/help"))


async def test_command_menus_are_registered_in_both_languages(world: World) -> None:
    menus = world.emulator.my_commands
    default = menus[("default", None)]
    english = menus[("default", "en")]
    assert [c["command"] for c in default] == [c["command"] for c in english]
    assert "signup" in [c["command"] for c in default]
    assert default != english


async def test_an_unexpected_error_gets_an_apology_and_the_bot_keeps_running(
    world: World,
) -> None:
    async def broken(update: object, context: object) -> None:
        raise RuntimeError("boom")

    world.harness.app.add_handler(CommandHandler("boom", broken))
    alice = world.user("Alice")
    replies = await world.say(alice, "/boom")
    assert "抱歉" in plain(replies)
    assert "Alice" in plain(await world.say(alice, "/signup Alice"))


async def test_a_restart_keeps_the_volunteer(world: World) -> None:
    alice = world.user("Alice")
    await world.say(alice, "/signup Alice building=3号楼")
    await world.restart()
    replies = await world.say(alice, "/signup Alice")
    assert "Alice" in plain(replies)
    assert await world.roster() == ["Alice"]
