"""Fixtures: an emulator, and a real telegram.Bot talking to it over HTTP or in process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import Bot

from bot.emulator import Emulator, EmulatorRequest, FakeBotApiServer, FakeChat, FakeUser
from scheduler.clock import ManualClock


@pytest.fixture
def emulator(clock: ManualClock) -> Emulator:
    """A fresh emulated Telegram on the test clock."""
    return Emulator(clock)


@pytest_asyncio.fixture
async def server(emulator: Emulator) -> AsyncIterator[FakeBotApiServer]:
    """The emulator served on a loopback port."""
    server = FakeBotApiServer(emulator)
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def http_bot(emulator: Emulator, server: FakeBotApiServer) -> AsyncIterator[Bot]:
    """A PTB Bot talking HTTP to the fake server."""
    bot = Bot(emulator.token, base_url=server.base_url)
    await bot.initialize()
    yield bot
    await bot.shutdown()


@pytest_asyncio.fixture(params=["http", "inprocess"])
async def bot(request: pytest.FixtureRequest, emulator: Emulator) -> AsyncIterator[Bot]:
    """A PTB Bot on each transport: loopback HTTP, then in process."""
    server: FakeBotApiServer | None = None
    if request.param == "http":
        server = FakeBotApiServer(emulator)
        tg = Bot(emulator.token, base_url=await server.start())
    else:
        tg = Bot(emulator.token, request=EmulatorRequest(emulator),
                 get_updates_request=EmulatorRequest(emulator))
    await tg.initialize()
    yield tg
    await tg.shutdown()
    if server is not None:
        await server.stop()


@pytest.fixture
def alice(emulator: Emulator) -> FakeUser:
    """A user."""
    return emulator.add_user("Alice", username="alice_w")


@pytest.fixture
def group(emulator: Emulator, alice: FakeUser) -> FakeChat:
    """A supergroup with the bot and Alice in it."""
    return emulator.add_group("Team", members=[alice])
