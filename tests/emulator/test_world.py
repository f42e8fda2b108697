"""Building the world: members, admins, private chats, the bot joining and leaving, topics."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, ChatMember, Update
from telegram.error import BadRequest, Forbidden

from bot.emulator import GROUP_ANONYMOUS_BOT_ID, Emulator, FakeChat, FakeUser

pytestmark = pytest.mark.asyncio


async def test_member_statuses_follow_the_world(
    bot: Bot, emulator: Emulator, alice: FakeUser
) -> None:
    boss, shy, stranger = (emulator.add_user(n) for n in ("Boss", "Shy", "Stranger"))
    group = emulator.add_group("Team", members=[alice], admins=[shy], creator=boss)
    emulator.set_admin(group, shy, anonymous=True)

    async def status(user: FakeUser) -> ChatMember:
        return await bot.get_chat_member(group.id, user.id)

    assert (await status(boss)).status == ChatMember.OWNER
    assert (await status(alice)).status == ChatMember.MEMBER
    assert (await status(stranger)).status == ChatMember.LEFT
    anonymous = await status(shy)
    assert anonymous.status == ChatMember.ADMINISTRATOR and anonymous.is_anonymous  # type: ignore[attr-defined]
    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [boss.id, shy.id]
    assert await bot.get_chat_member_count(group.id) == 4  # three people and the bot
    emulator.set_admin(group, shy, admin=False)
    assert (await status(shy)).status == ChatMember.MEMBER
    with pytest.raises(BadRequest, match=r"(?i)user not found"):
        await bot.get_chat_member(group.id, 424242)
    chat = await bot.get_chat(group.id)
    assert chat.title == "Team" and chat.type == "supergroup"


async def test_private_chats_need_a_start_and_no_block(
    bot: Bot, emulator: Emulator, alice: FakeUser
) -> None:
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(alice.id, "hi")
    private = emulator.private_chat(alice)
    assert private.id == alice.id and private.type == "private"
    with pytest.raises(Forbidden, match=r"(?i)can't send messages to bots"):
        await bot.send_message(emulator.anonymous_bot.id, "hi")
    emulator.send(private, alice, "/start")
    await bot.send_message(alice.id, "hi")
    emulator.block_bot(alice)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(alice.id, "hi again")
    assert [m.text for m in emulator.messages(private)] == ["/start", "hi"]


async def test_the_bot_joins_a_group_it_was_not_in(
    bot: Bot, emulator: Emulator, alice: FakeUser
) -> None:
    group = emulator.add_group("Elsewhere", members=[alice], bot_member=False)
    emulator.send(group, alice, "nobody hears this")
    with pytest.raises(Forbidden, match=r"(?i)not a member of the supergroup chat"):
        await bot.send_message(group.id, "hello?")
    emulator.add_bot(group, by=alice)
    updates = await bot.get_updates(timeout=0)
    assert [u.effective_chat.id for u in updates if u.effective_chat] == [group.id, group.id]
    change = updates[0].my_chat_member
    assert change is not None and change.from_user.id == alice.id
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("left", "member")
    joined = updates[1].message
    assert joined is not None and joined.new_chat_members[0].id == emulator.bot_user.id
    await bot.send_message(group.id, "hello!")


async def test_basic_groups_and_migration_messages(
    bot: Bot, emulator: Emulator, alice: FakeUser
) -> None:
    basic = emulator.add_group("Basic", members=[alice], creator=alice, supergroup=False)
    new = emulator.migrate(basic)
    assert new.title == "Basic" and new.members == basic.members and new.creator == alice.id
    old_note, new_note = (u.message for u in await bot.get_updates(timeout=0))
    assert old_note is not None and old_note.migrate_to_chat_id == new.id
    assert new_note is not None and new_note.migrate_from_chat_id == basic.id
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-100999, "nowhere")


async def test_leaving_and_members_coming_and_going(
    bot: Bot, emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    bob = emulator.add_user("Bob")
    emulator.add_member(group, bob)
    emulator.remove_member(group, bob)
    joined, left = (u.message for u in await bot.get_updates(timeout=0))
    assert joined is not None and joined.new_chat_members[0].id == bob.id
    assert left is not None and left.left_chat_member is not None
    assert left.left_chat_member.id == bob.id
    assert (await bot.get_chat_member(group.id, bob.id)).status == ChatMember.LEFT
    assert await bot.leave_chat(group.id)
    with pytest.raises(Forbidden):
        await bot.send_message(group.id, "back?")


async def test_replies_topics_photos_and_anonymous_posts(
    bot: Bot, emulator: Emulator, alice: FakeUser
) -> None:
    forum = emulator.add_group("Forum", members=[alice], forum=True)
    first = emulator.send(forum, alice, "first", thread_id=7)
    emulator.send(forum, alice, "reply", reply_to=first, thread_id=7)
    emulator.send(forum, alice, "", photo=True, caption="/report@dutybot_test_bot now")
    emulator.send(forum, None, "as the group", sender_chat=forum)
    updates = [u.message for u in await bot.get_updates(timeout=0)]
    assert all(m is not None for m in updates)
    topic, reply, photo, anonymous = updates
    assert topic and topic.message_thread_id == 7 and topic.is_topic_message
    assert reply and reply.reply_to_message and reply.reply_to_message.text == "first"
    assert photo and photo.photo and photo.caption_entities[0].type == "bot_command"
    assert photo.parse_caption_entities() == {photo.caption_entities[0]: "/report@dutybot_test_bot"}
    assert anonymous and anonymous.from_user and anonymous.from_user.id == GROUP_ANONYMOUS_BOT_ID
    assert anonymous.sender_chat and anonymous.sender_chat.id == forum.id
    sent = await bot.send_message(forum.id, "in the topic", reply_to_message_id=first.message_id)
    assert sent.message_thread_id == 7 and sent.reply_to_message is not None
    emulator.delete_topic(forum, 7)
    with pytest.raises(BadRequest, match=r"(?i)thread not found"):
        await bot.send_message(forum.id, "gone", message_thread_id=7)


async def test_edits_are_edited_message_updates(
    bot: Bot, emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    message = emulator.send(group, alice, "/help")
    emulator.edit(message, "/signup Alice")
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].edited_message is not None
    assert updates[-1].edited_message.text == "/signup Alice"
    assert updates[-1].edited_message.edit_date is not None
    assert message.history == ["/help"]


async def test_command_menus_are_kept_per_scope_and_language(
    bot: Bot, emulator: Emulator, group: FakeChat
) -> None:
    from telegram import BotCommand, BotCommandScopeChatAdministrators

    await bot.set_my_commands([BotCommand("signup", "join")])
    await bot.set_my_commands([BotCommand("signup", "报名")], language_code="zh")
    scope = BotCommandScopeChatAdministrators(group.id)
    await bot.set_my_commands([BotCommand("lang", "language")], scope=scope)
    assert emulator.my_commands[("default", None)] == [{"command": "signup", "description": "join"}]
    assert emulator.my_commands[("default", "zh")][0]["description"] == "报名"
    assert ("chat_administrators:" + str(group.id), None) in emulator.my_commands
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["lang"]
    await bot.delete_my_commands(language_code="zh")
    assert await bot.get_my_commands(language_code="zh") == ()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_wait_for_wakes_on_change_and_explains_a_timeout(
    emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    asyncio.get_running_loop().call_later(0.05, lambda: emulator.send(group, alice, "hi"))
    await emulator.wait_for(lambda: len(emulator.messages(group)) == 1, timeout=1)

    def never() -> bool:
        return False

    with pytest.raises(TimeoutError, match="never"):
        await emulator.wait_for(never, timeout=0.05)


async def test_the_update_stream_parses_as_ptb_updates(
    emulator: Emulator, group: FakeChat, alice: FakeUser, http_bot: Bot
) -> None:
    emulator.send(group, alice, "@dutybot_test_bot hi")
    for raw in emulator.pending_updates:
        assert Update.de_json(raw, http_bot) is not None
