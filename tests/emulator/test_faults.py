"""Injected faults, the HTTP surface itself, and a real Application polling the emulator."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.emulator import (
    ApiError,
    Emulator,
    EmulatorRequest,
    FakeBotApiServer,
    FakeChat,
    FakeUser,
)

pytestmark = pytest.mark.asyncio


async def test_an_injected_error_answers_once_without_applying(
    bot: Bot, emulator: Emulator, group: FakeChat
) -> None:
    emulator.inject("sendMessage", ApiError(429, "Too Many Requests: retry after 2", retry_after=2))
    with pytest.raises(RetryAfter):
        await bot.send_message(group.id, "first")
    emulator.inject(None, ApiError(400, "Bad Request: nope"), chat_id=group.id)
    with pytest.raises(BadRequest, match="Nope"):
        await bot.send_message(group.id, "second")
    await bot.send_message(group.id, "third")
    assert [m.text for m in emulator.bot_messages(group)] == ["third"]
    assert [c.outcome for c in emulator.calls if c.method == "sendMessage"] == [
        "error", "error", "ok"
    ]


async def test_drop_before_does_not_post(bot: Bot, emulator: Emulator, group: FakeChat) -> None:
    emulator.inject("sendMessage", "drop_before")
    with pytest.raises(NetworkError):
        await bot.send_message(group.id, "lost")
    assert emulator.bot_messages(group) == []


async def test_a_hanging_call_times_out_on_the_client(
    emulator: Emulator, server: FakeBotApiServer, group: FakeChat
) -> None:
    request = HTTPXRequest(read_timeout=0.2)
    http = Bot(emulator.token, base_url=server.base_url, request=request)
    local = Bot(emulator.token, request=EmulatorRequest(emulator, read_timeout=0.2))
    for client in (http, local):
        await client.initialize()
        emulator.inject("sendMessage", "hang")
        with pytest.raises(TimedOut):
            await client.send_message(group.id, "anyone?")
        await client.shutdown()
    emulator.release_hangs()
    assert emulator.bot_messages(group) == []


async def test_refused_connections_and_recovery(
    http_bot: Bot, server: FakeBotApiServer, group: FakeChat
) -> None:
    port = server.port
    await server.refuse_connections(True)
    with pytest.raises(NetworkError):
        await http_bot.send_message(group.id, "down")
    await server.refuse_connections(False)
    assert server.port == port
    await http_bot.send_message(group.id, "up again")


async def test_a_wrong_token_or_method(emulator: Emulator, server: FakeBotApiServer) -> None:
    intruder = Bot("999:WRONG", base_url=server.base_url)
    with pytest.raises(InvalidToken):
        await intruder.initialize()
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{server.base_url}999:WRONG/getMe")
        assert answer.status_code == 401 and answer.json() == {
            "ok": False, "error_code": 401, "description": "Unauthorized"
        }
        missing = await client.post(f"{server.base_url}{emulator.token}/sendTelepathy")
        assert missing.status_code == 404 and missing.json()["description"] == "Not Found"


async def test_json_form_and_query_bodies(
    emulator: Emulator, server: FakeBotApiServer, group: FakeChat
) -> None:
    url = f"{server.base_url}{emulator.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    async with httpx.AsyncClient() as client:
        as_json = await client.post(url, json={"chat_id": group.id, "text": "123",
                                               "reply_markup": markup})
        as_form = await client.post(url, data={"chat_id": str(group.id), "text": "true",
                                               "reply_markup": json.dumps(markup)})
        as_query = await client.get(url, params={"chat_id": str(group.id), "text": "null"})
    for answer in (as_json, as_form, as_query):
        assert answer.status_code == 200, answer.text
    assert [m.text for m in emulator.bot_messages(group)] == ["123", "true", "null"]
    assert emulator.bot_messages(group)[1].reply_markup == markup


@pytest.mark.parametrize("transport", ["http", "inprocess"])
async def test_a_polling_application_answers_a_command(
    transport: str, emulator: Emulator, group: FakeChat, alice: FakeUser
) -> None:
    server = FakeBotApiServer(emulator)
    builder = Application.builder().token(emulator.token)
    if transport == "http":
        builder = builder.base_url(await server.start())
    else:
        builder = builder.request(EmulatorRequest(emulator)).get_updates_request(
            EmulatorRequest(emulator)
        )
    app = builder.build()

    async def signup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and context.args is not None
        await update.message.reply_text(f"Welcome, {' '.join(context.args)}")

    app.add_handler(CommandHandler("signup", signup))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        emulator.send(group, alice, "/signup@dutybot_test_bot Alice")
        await emulator.wait_for(lambda: emulator.last_bot_message(group) is not None, 3)
        await emulator.wait_for(lambda: emulator.all_updates_confirmed, 3)
        await app.updater.stop()
        await app.stop()
    reply = emulator.last_bot_message(group)
    assert reply is not None and reply.text == "Welcome, Alice"
    assert reply.reply_to_message_id == emulator.messages(group)[0].message_id
    await server.stop()
    await asyncio.sleep(0)
