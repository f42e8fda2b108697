"""The group's message budget: forty sign-ups or thirty check-ins at once fit in a few
messages, with no 429."""

from __future__ import annotations

import asyncio

import pytest

from bot.emulator import html_to_plain
from storage.models import Attendance
from tests.e2e.conftest import World
from tests.e2e.test_attendance import at, evening
from tests.e2e.test_roster import count, plain


@pytest.fixture
def bot_options() -> dict[str, object]:
    return {"ack_window": 2.0}


async def test_forty_signups_are_stored_and_named_in_two_messages(
    world: World,
) -> None:
    em = world.emulator
    people = [world.user(f"Vol{i:02d}") for i in range(40)]
    await world.settle()
    before = len(em.bot_messages(world.group))
    for person in people:
        em.send(world.group, person, f"/signup Volunteer{person.first_name[3:]}")
    await world.settle(timeout=30)

    posted = em.bot_messages(world.group)[before:]
    # The first at once, the other 39 in one message when the window closes (the harness
    # closes it when it settles, whatever the machine's speed).
    assert len(posted) == 2, [m.text for m in posted]
    text = "\n".join(html_to_plain(m.text or "") for m in posted)
    for i in range(40):
        assert f"Volunteer{i:02d}" in text
    assert em.flood_errors == 0
    assert len(await world.roster()) == 40


async def test_thirty_check_ins_at_once_are_all_recorded_and_all_answered(world: World) -> None:
    await evening(world, need="1-40")
    volunteers = [world.user(f"V{i:02d}") for i in range(30)]
    at(world, "18:50")
    before = len(world.emulator.bot_messages(world.group))
    for volunteer in volunteers:
        world.emulator.send(world.group, volunteer, "/checkin")
    await world.settle()
    answers = world.emulator.bot_messages(world.group)[before:]
    assert world.emulator.flood_errors == 0
    assert await count(world, Attendance) == 30
    text = plain(answers)
    assert all(f"V{i:02d}" in text for i in range(30))
    assert len(answers) == 2  # the first at once, the other 29 together


async def test_the_rate_limiter_keeps_a_burst_within_telegrams_limits(world: World) -> None:
    """45 messages into one group at once: sent in three minutes of (shared, jumping) time,
    never 21 in one minute, never a 429; 40 private messages go at 30 a second."""
    bot = world.harness.app.bot
    pacer = world.emulator.pacer
    start = pacer.now()
    await asyncio.gather(*(bot.send_message(world.group.id, f"#{i}") for i in range(45)))
    assert world.emulator.flood_errors == 0
    assert 120 <= pacer.now() - start < 180  # 20, then 20 a minute later, then 5
    people = [world.user(f"P{i}") for i in range(40)]
    for person in people:
        person.started = True
    start = pacer.now()
    await asyncio.gather(*(bot.send_message(p.id, "hi") for p in people))
    assert world.emulator.flood_errors == 0
    assert 1 <= pacer.now() - start < 2
