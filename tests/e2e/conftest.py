"""End-to-end fixtures: the real Application talking HTTP to a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.emulator import Emulator, FakeBotApiServer, FakeChat, FakeMessage, FakeUser
from bot.harness import Harness
from scheduler.clock import ManualClock
from storage.models import Membership
from tests.conftest import Database

BOT_ADMIN_ID = 777
APPROVED_CHAT_ID = -1001234500001
FORUM_CHAT_ID = -1001234500009  # approved in advance too, for topic tests


@dataclass
class World:
    """A test's Telegram: users, groups, the running bot, and ways to talk to it."""

    emulator: Emulator
    server: FakeBotApiServer
    base_url: str
    database: Database
    clock: ManualClock
    settings: Settings
    harness: Harness
    admin: FakeUser
    group: FakeChat
    people: dict[str, FakeUser] = field(default_factory=dict)

    def user(self, name: str, **kwargs: object) -> FakeUser:
        """A Telegram user who is a member of the approved group."""
        if name not in self.people:
            self.people[name] = self.emulator.add_user(name, **kwargs)  # type: ignore[arg-type]
            self.emulator.add_member(self.group, self.people[name])
        return self.people[name]

    async def say(
        self, user: FakeUser, text: str, chat: FakeChat | None = None, **kwargs: object
    ) -> list[FakeMessage]:
        """`user` posts `text`; returns what the bot posted in that chat in answer."""
        chat = chat or self.group
        before = len(self.emulator.bot_messages(chat))
        self.emulator.send(chat, user, text, **kwargs)  # type: ignore[arg-type]
        await self.harness.settle()
        return self.emulator.bot_messages(chat)[before:]

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait for the bot to finish with everything sent so far."""
        await self.harness.settle(timeout)

    async def restart(self) -> None:
        """Stop the bot and start a fresh one on the same database (a process restart)."""
        await self.harness.stop()
        self.harness = Harness(
            self.settings, self.database.sessions, self.clock, self.emulator,
            base_url=self.base_url,
        )
        await self.harness.start()

    async def roster(self, chat_id: int | None = None) -> list[str]:
        """Active display names in the database, for the approved group."""
        from storage import groups

        async with self.database.sessions() as session:
            group = await groups.by_chat_id(session, chat_id or self.group.id)
            if group is None:
                return []
            rows = await session.scalars(
                select(Membership.display_name)
                .where(Membership.group_id == group.id, Membership.active)
                .order_by(Membership.id)
            )
            return list(rows.all())


def make_settings(emulator: Emulator, database: Database, **bot: object) -> Settings:
    """Settings for a test bot: the approved group listed, a short acknowledgement window."""
    options: dict[str, object] = {
        "admins": (BOT_ADMIN_ID,),
        "allowed_groups": (APPROVED_CHAT_ID, FORUM_CHAT_ID),
        "ack_window": 0.1,
    }
    options.update(bot)
    return Settings(
        telegram=TelegramSettings(token=emulator.token),
        database=DatabaseSettings(url=database.url),
        bot=BotSettings(**options),  # type: ignore[arg-type]
    )


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


@pytest.fixture(autouse=True)
def no_telegram_inside_transactions() -> Iterator[None]:
    """Every end-to-end test also proves the bot never talks to Telegram while it holds a
    database transaction (bot.ratelimit logs each such request)."""
    handler = _Collect()
    watched = logging.getLogger("bot.ratelimit")
    watched.addHandler(handler)
    try:
        yield
    finally:
        watched.removeHandler(handler)
    assert handler.seen == []


@pytest.fixture
def many_commands(world: World) -> None:
    """For stories that send commands faster than anyone would: lift the per-member limit
    (`pytestmark = pytest.mark.usefixtures("many_commands")`)."""
    world.harness.services.throttle.burst = 1000


@pytest.fixture
def bot_options() -> dict[str, object]:
    """Override per test module or test with @pytest.mark.parametrize / a local fixture."""
    return {}


@pytest.fixture
async def world(
    database: Database, clock: ManualClock, bot_options: dict[str, object]
) -> AsyncIterator[World]:
    """A running bot, an approved team group, and a bot administrator."""
    emulator = Emulator(clock)
    server = FakeBotApiServer(emulator)
    base_url = await server.start()
    admin = emulator.add_user("Office", username="office", user_id=BOT_ADMIN_ID,
                              language_code="en")
    group = emulator.add_group("Sunrise Volunteers", chat_id=APPROVED_CHAT_ID)
    settings = make_settings(emulator, database, **bot_options)
    harness = Harness(settings, database.sessions, clock, emulator, base_url=base_url)
    await harness.start()
    world = World(emulator, server, base_url, database, clock, settings, harness, admin, group)
    try:
        yield world
    finally:
        await world.harness.stop()
        await server.stop()
    # The emulator enforces Telegram's limits (20 a minute into a group, 30 a second): the
    # bot's rate limiter must have kept every test within them.
    assert emulator.flood_errors == 0
