"""The per-member command limit: a burst, then one every few seconds, a short queue; on
PostgreSQL every instance of a deployment counts a member's commands together."""

from __future__ import annotations

import asyncio

import pytest

from bot.throttle import CommandThrottle, Verdict
from storage import pacing
from storage.db import SessionFactory, at_once
from tests.conftest import Database


async def test_a_burst_then_a_steady_rate_then_a_short_queue() -> None:
    throttle = CommandThrottle(burst=10, every=6.0, queue=3)
    decisions = [await throttle.check(-1, 7, now=0.0) for _ in range(15)]
    verdicts = [d.verdict for d in decisions]
    assert verdicts == [Verdict.ANSWER] * 10 + [Verdict.WAIT] * 3 + [Verdict.DROP] * 2
    assert [d.wait for d in decisions[10:13]] == [6.0, 12.0, 18.0]
    assert [d.warn for d in decisions[10:13]] == [True, False, False]  # said once
    assert [d.warn for d in decisions[13:]] == [True, False]  # "not done" told once too
    assert (await throttle.check(-1, 8, now=0.0)).verdict is Verdict.ANSWER  # not someone else
    # The queue drains at one every 6 s: at 24 s the first token after the queue is free.
    assert (await throttle.check(-1, 7, now=23.0)).verdict is Verdict.WAIT
    assert (await throttle.check(-1, 7, now=120.0)).verdict is Verdict.ANSWER
    # Rested, they are told again the next time they hurry.
    later = [await throttle.check(-1, 7, now=120.0) for _ in range(10)]
    assert [d.warn for d in later if d.verdict is Verdict.WAIT] == [True]


async def test_a_member_who_slows_down_is_never_waiting() -> None:
    throttle = CommandThrottle(burst=10, every=6.0)
    verdicts = {(await throttle.check(-1, 7, now=i * 6.0)).verdict for i in range(100)}
    assert verdicts == {Verdict.ANSWER}


async def test_an_exempt_member_is_answered_and_takes_nothing_once_the_bucket_is_empty() -> None:
    throttle = CommandThrottle(burst=2, every=6.0, queue=0)
    asked: list[int] = []

    async def leader() -> bool:
        asked.append(1)
        return True

    verdicts = [(await throttle.check(-1, 7, leader, now=0.0)).verdict for _ in range(5)]
    assert verdicts == [Verdict.ANSWER] * 5
    assert len(asked) == 3  # asked only once the burst was spent
    assert (await throttle.check(-1, 7, now=6.0)).verdict is Verdict.ANSWER  # one token back


@pytest.mark.race(sessions=4)
async def test_race_two_instances_count_one_members_commands_together(
    database: Database, other_instance: SessionFactory,
) -> None:
    instances = [CommandThrottle(burst=10, every=6.0, queue=3, shared=database.sessions),
                 CommandThrottle(burst=10, every=6.0, queue=3, shared=other_instance)]
    # 16 commands at once, spread over both instances.
    decisions = await asyncio.gather(*(
        instances[i % 2].check(-1, 7, now=1000.0) for i in range(16)))
    verdicts = sorted(d.verdict.value for d in decisions)
    assert verdicts.count("answer") == 10  # one burst, not one per instance
    assert verdicts.count("wait") == 3 and verdicts.count("drop") == 3
    assert sum(d.warn for d in decisions if d.verdict is Verdict.WAIT) == 1
    # Each instance learns the other's commands when it next stores.
    assert (await instances[0].check(-1, 7, now=1001.0)).verdict is Verdict.DROP
    assert (await instances[1].check(-1, 8, now=1001.0)).verdict is Verdict.ANSWER
    async with at_once(database.sessions) as db:
        await pacing.forget_old(db, 1000.0 + pacing.KEEP + 2)
        assert await pacing.bucket(db, -1, 7) is None


async def test_a_database_that_does_not_answer_holds_no_command_up(
    unreachable: SessionFactory,
) -> None:
    throttle = CommandThrottle(burst=1, shared=unreachable)
    decisions = [await throttle.check(-1, 7, now=0.0) for _ in range(3)]
    assert {d.verdict for d in decisions} == {Verdict.ANSWER}


async def test_a_bucket_made_again_is_not_taken_for_the_one_read_before(
    database: Database,
) -> None:
    async with at_once(database.sessions) as db:
        first = await pacing.keep_bucket(db, -1, 7, pacing.Bucket(5.0, 0.0), None)
        assert first is not None
        await pacing.forget_user(db, 7)
        again = await pacing.keep_bucket(db, -1, 7, pacing.Bucket(9.0, 0.0), None)
        assert again is not None and again != first
        # an instance still holding the first version does not overwrite the new bucket
        assert await pacing.keep_bucket(db, -1, 7, pacing.Bucket(0.0, 1.0), first) is None
        assert await pacing.bucket(db, -1, 7) == (pacing.Bucket(9.0, 0.0), again)
