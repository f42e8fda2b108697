"""A real telegram.Bot against the emulator, over loopback HTTP and in process alike."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.emulator import Emulator, FakeChat, FakeUser

pytestmark = pytest.mark.asyncio


async def test_get_me_names_the_bot(bot: Bot, emulator: Emulator) -> None:
    me = await bot.get_me()
    assert me.username == "dutybot_test_bot" and me.is_bot
    assert me.id == emulator.bot_user.id


async def test_a_sent_message_shows_up_in_the_chat(
    bot: Bot, emulator: Emulator, group: FakeChat
) -> None:
    sent = await bot.send_message(group.id, "<b>Hello</b> &amp; welcome", parse_mode="HTML")
    assert sent.text == "Hello & welcome"
    assert sent.entities[0].type == MessageEntity.BOLD
    assert sent.date.timestamp() == emulator.clock.now().timestamp()
    [message] = emulator.bot_messages(group)
    assert message.text == "<b>Hello</b> &amp; welcome" and message.parse_mode == "HTML"
    assert message.message_id == sent.message_id
    assert emulator.calls[-1].method == "sendMessage" and emulator.calls[-1].ok


async def test_get_updates_carries_a_command_ptb_understands(
    bot: Bot, emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    emulator.send(group, alice, "/signup Alice")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.text == "/signup Alice"
    assert update.effective_user is not None and update.effective_user.id == alice.id
    assert update.message.parse_entities([MessageEntity.BOT_COMMAND]) == {
        update.message.entities[0]: "/signup"
    }
    assert emulator.delivered_update_id == update.update_id
    assert not emulator.all_updates_confirmed


async def test_long_polling_returns_as_soon_as_an_update_arrives(
    bot: Bot, emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    loop = asyncio.get_running_loop()
    loop.call_later(0.1, lambda: emulator.send(group, alice, "hello"))
    started = loop.time()
    updates = await bot.get_updates(timeout=5)
    assert 0.05 < loop.time() - started < 1.0
    assert [u.message.text for u in updates if u.message] == ["hello"]


async def test_long_polling_times_out_empty(bot: Bot) -> None:
    assert await bot.get_updates(timeout=0.2) == ()


async def test_an_offset_forgets_confirmed_updates(
    bot: Bot, emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    emulator.send(group, alice, "one")
    emulator.send(group, alice, "two")
    first = await bot.get_updates(timeout=0, limit=1)
    assert [u.message.text for u in first if u.message] == ["one"]
    again = await bot.get_updates(timeout=0)
    assert [u.message.text for u in again if u.message] == ["one", "two"]
    rest = await bot.get_updates(offset=first[0].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["two"]
    assert await bot.get_updates(offset=rest[0].update_id + 1, timeout=0) == ()
    assert emulator.all_updates_confirmed


async def test_bad_html_is_refused_and_escaped_html_passes(
    bot: Bot, emulator: Emulator, group: FakeChat
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(group.id, "Hi <b>Tom_*[", parse_mode="HTML")
    sent = await bot.send_message(group.id, "Hi &lt;b&gt;Tom_*[", parse_mode="HTML")
    assert sent.text == "Hi <b>Tom_*["
    assert len(emulator.bot_messages(group)) == 1


async def test_text_over_4096_characters_is_refused(bot: Bot, group: FakeChat) -> None:
    await bot.send_message(group.id, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(group.id, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(group.id, "<b> </b>", parse_mode="HTML")


async def test_an_unchanged_edit_is_not_modified(
    bot: Bot, emulator: Emulator, group: FakeChat
) -> None:
    sent = await bot.send_message(group.id, "Roster")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Roster", group.id, sent.message_id)
    await bot.edit_message_text("Roster v2", group.id, sent.message_id)
    message = emulator.find_message(group, sent.message_id)
    assert message.text == "Roster v2" and message.edit_count == 1 and message.edited
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", group.id, 999)


async def test_a_migrated_group_answers_chat_migrated(bot: Bot, emulator: Emulator) -> None:
    basic = emulator.add_group("Basic", supergroup=False)
    new = emulator.migrate(basic)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(basic.id, "hello")
    assert caught.value.new_chat_id == new.id
    assert str(new.id).startswith("-100") and str(basic.id).startswith("-4")
    await bot.send_message(new.id, "hello")


async def test_a_removed_bot_is_forbidden(
    bot: Bot, emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    emulator.remove_bot(group, by=alice)
    with pytest.raises(Forbidden, match=r"(?i)kicked from the supergroup chat"):
        await bot.send_message(group.id, "still here?")
    [update] = await bot.get_updates(timeout=0)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"


async def test_the_flood_limit_answers_retry_after(
    bot: Bot, emulator: Emulator, group: FakeChat
) -> None:
    emulator.group_rate_limit = 3
    for i in range(3):
        await bot.send_message(group.id, f"message {i}")
    await bot.get_chat_member(group.id, emulator.bot_user.id)  # reading does not count
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(group.id, "one too many")
    wait = caught.value.retry_after
    seconds = wait.total_seconds() if isinstance(wait, timedelta) else wait
    assert 1 <= seconds <= 60
    assert emulator.flood_errors == 1
    assert len(emulator.bot_messages(group)) == 3


async def test_text_mention_offsets_count_utf16_units(
    bot: Bot, emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    bob = emulator.add_user("Bob")
    text = "👋🏽 你好 王阿姨 and @alice_w 🎉 Bob!"
    emulator.send(group, alice, text, mentions={"王阿姨": bob, "Bob": bob})
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    parsed = update.message.parse_entities()
    assert sorted(parsed.values()) == ["@alice_w", "Bob", "王阿姨"]
    mention = next(e for e in parsed if e.type == MessageEntity.TEXT_MENTION)
    assert mention.user is not None and mention.user.id == bob.id


async def test_a_photo_uploads_over_multipart(
    bot: Bot, emulator: Emulator, group: FakeChat
) -> None:
    sent = await bot.send_photo(group.id, b"\x89PNG fake bytes", caption="<i>Duty</i>",
                                parse_mode="HTML", filename="roster.png")
    assert sent.caption == "Duty" and sent.photo
    [record] = emulator.sent_files
    assert record.size == len(b"\x89PNG fake bytes") and record.filename == "roster.png"
    again = await bot.send_photo(group.id, sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(group.id, "no-such-file-id")


async def test_a_tap_is_a_callback_query_and_the_answer_is_recorded(
    bot: Bot, emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Claim", callback_data="claim:7"),
                                      InlineKeyboardButton("Docs", url="https://example.org")]])
    await bot.send_message(group.id, "Shift 7", reply_markup=keyboard)
    message = emulator.last_bot_message(group)
    assert message is not None and message.reply_markup is not None
    query_id = emulator.tap(message, 0, alice)
    [update] = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.id == query_id and query.data == "claim:7"
    assert query.from_user.id == alice.id and query.message is not None
    assert query.message.message_id == message.message_id
    await bot.answer_callback_query(query.id, text="Claimed!")
    assert emulator.callback_answers[query_id]["text"] == "Claimed!"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id, text="again")


async def test_long_callback_data_is_refused(bot: Bot, group: FakeChat) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(group.id, "too much data", reply_markup=keyboard)


async def test_drop_after_posts_but_the_client_sees_a_network_error(
    bot: Bot, emulator: Emulator, group: FakeChat
) -> None:
    emulator.inject("sendMessage", "drop_after")
    with pytest.raises(NetworkError):
        await bot.send_message(group.id, "did it arrive?")
    assert [m.text for m in emulator.bot_messages(group)] == ["did it arrive?"]
    assert emulator.calls[-1].outcome == "dropped_after"
    await bot.send_message(group.id, "next one is fine")
