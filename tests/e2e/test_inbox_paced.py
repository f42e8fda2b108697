"""Updates that come through the webhook's inbox: stored until handled, and a paced command
(one past a member's burst, handled when its turn comes) stays stored, begun, until then."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select
from telegram import Update

from bot.emulator import html_to_plain as plain
from bot.inbox import Inbox
from storage.db import reading
from storage.models import InboxUpdate
from tests.e2e.conftest import World


async def stored(world: World) -> dict[int, bool]:
    async with reading(world.database.sessions) as session:
        rows = (await session.execute(select(InboxUpdate.update_id, InboxUpdate.started))).all()
    return {row.update_id: row.started for row in rows}


async def test_a_paced_command_stays_stored_until_its_turn_has_come_then_goes(
    world: World,
) -> None:
    throttle = world.harness.services.throttle
    throttle.every, throttle.queue = 2.0, 3  # a burst of 10, then one every 2 s
    alice = world.user("Alice")
    alice.started = True
    await world.settle()
    inbox = Inbox(world.database.sessions, "test:8443")
    world.harness.services.inbox = inbox
    app = world.harness.app
    assert app.updater is not None
    await app.updater.stop()  # from here updates come as the webhook takes them
    before = len(world.emulator.bot_messages(world.group))
    for _ in range(12):
        world.emulator.send(world.group, alice, "/help")
    posted = world.emulator.pending_updates
    for update in posted:  # what bot.web does with each POST
        assert await inbox.receive(update["update_id"], json.dumps(update))
        world.emulator.confirm_update(update["update_id"])
    for update in posted:
        await app.update_queue.put(Update.de_json(update, app.bot))
    waiting = [u["update_id"] for u in posted[10:]]
    async with asyncio.timeout(20):
        while True:  # the burst of 10: handled and gone
            if set(await stored(world)) == set(waiting):
                break
            await asyncio.sleep(0.05)
    assert await stored(world) == dict.fromkeys(waiting, True)  # begun, waiting their turn
    await world.settle(timeout=20)
    await inbox.close()
    assert await stored(world) == {}
    texts = "\n".join(plain(m.text or "")
                      for m in world.emulator.bot_messages(world.group)[before:])
    assert texts.count("我在这里能做的事") == 12
    assert world.harness.services.replays == {}
