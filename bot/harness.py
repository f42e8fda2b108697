"""The real Application wired to the Bot API emulator: the console and the tests share it."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import datetime

from telegram import Update

from bot.app import DutyApplication, build_application, register_commands
from bot.config import Settings
from bot.context import Services
from bot.emulator import Emulator, EmulatorRequest
from bot.pacer import JumpingPacer, ManualPacer
from scheduler import jobs
from scheduler.clock import Clock
from storage.db import SessionFactory


class Harness:
    """Runs the bot (polling, concurrent updates, rate limiter) against an emulator.

    With `base_url` the bot talks HTTP to a FakeBotApiServer; without, it calls the
    emulator in process (the offline console).
    """

    def __init__(
        self,
        settings: Settings,
        sessions: SessionFactory,
        clock: Clock,
        emulator: Emulator,
        *,
        base_url: str | None = None,
    ) -> None:
        self.emulator = emulator
        # Acknowledgement and roster-edit windows close when the harness settles, not after
        # so many real seconds: what a test sends before settling falls in one window.
        self.pacer = ManualPacer()
        # Telegram's limits hold in a time the bot's rate limiter and the emulator share, which
        # jumps ahead instead of waiting (kept across restarts: it only goes forward).
        if not isinstance(emulator.pacer, JumpingPacer):
            emulator.pacer = JumpingPacer()
        limits = emulator.pacer
        if base_url is not None:
            settings = dataclasses.replace(
                settings,
                telegram=dataclasses.replace(settings.telegram, api_base_url=base_url),
            )
            self.app: DutyApplication = build_application(
                settings, sessions, clock, pacer=self.pacer, rate_pacer=limits
            )
        else:
            self.app = build_application(
                settings, sessions, clock,
                request=EmulatorRequest(emulator),
                get_updates_request=EmulatorRequest(emulator),
                pacer=self.pacer, rate_pacer=limits,
            )

    @property
    def services(self) -> Services:
        """The services the handlers use."""
        services = self.app.bot_data["services"]
        assert isinstance(services, Services)
        return services

    async def start(self) -> None:
        """Initialise, start, and begin long polling."""
        await jobs.recover(self.services.sessions, self.services.clock.now(), everything=True)
        await self.app.initialize()
        await register_commands(self.app)
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )

    async def stop(self) -> None:
        """Stop polling, post what is still collected, shut down."""
        assert self.app.updater is not None
        if self.app.updater.running:
            await self.app.updater.stop()
        while self.pacer.waiting:
            self.pacer.advance()
            await asyncio.sleep(0.01)
        await self.services.roster_edits.drain()
        await self.services.acks.drain()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def tick(self, now: datetime | None = None) -> datetime | None:
        """Run the scheduler once at `now` (the clock's time by default), as `dutybot run`
        does every minute; returns when something next falls due."""
        services = self.services
        assert services.notifier is not None
        return await jobs.tick(
            services.sessions, services.notifier.deliver, now or services.clock.now(),
            services.settings.recognition.rules,
        )

    def handling(self) -> bool:
        """Any update queued or being handled?"""
        return (
            not self.emulator.all_updates_confirmed
            or not self.app.update_queue.empty()
            or self.app.update_processor.current_concurrent_updates > 0
        )

    def busy(self) -> bool:
        """Anything queued, being handled, or waiting to be posted?"""
        return (
            self.handling()
            or not self.services.acks.idle
            or not self.services.roster_edits.idle
            or any(not task.done() for task in self.services.replays.values())
        )

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every update sent so far has been handled and answered."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 3:
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not settle")
            if not self.handling() and self.pacer.waiting:
                self.pacer.advance()  # every update is in: close the open windows
            quiet = 0 if self.busy() else quiet + 1
            await asyncio.sleep(0.01)
