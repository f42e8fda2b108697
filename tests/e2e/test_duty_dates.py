"""/duty skip with day words: a passed or far-off day is refused with a reason, 周六 is Saturday."""

from __future__ import annotations

from storage.models import Duty, Shift, ShiftStatus
from tests.e2e.conftest import World
from tests.e2e.test_roster import count, leader, plain


async def stored_duty(world: World) -> Duty:
    async with world.database.sessions() as session:
        duty = await session.get(Duty, 1)
    assert duty is not None
    return duty


async def test_skipping_yesterday_is_refused_and_周六_skips_the_coming_saturday(
    world: World,
) -> None:
    # Given a daily duty, on Tuesday 24 November 2026 (Shanghai).
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00")
    cancelled = Shift.status == ShiftStatus.CANCELLED
    # Yesterday is gone: the leader is told so, and nothing changes.
    said = plain(await world.say(boss, "/duty skip 1 昨天"))
    assert "11月23日已经过去了，不能再跳过。" in said and "没看懂" not in said
    assert (await stored_duty(world)).exdates == [] and await count(world, Shift, cancelled) == 0
    # So is a date more than a year ahead.
    said = plain(await world.say(boss, "/duty skip 1 2028-01-02"))
    assert "2028年1月2日太远了：最多只能安排到 2027年11月25日。" in said
    assert (await stored_duty(world)).exdates == []
    # 周六 is the coming Saturday, 28 November: its shift is cancelled.
    said = plain(await world.say(boss, "/duty skip 1 周六"))
    assert "11月28日周六取消" in said
    assert (await stored_duty(world)).exdates == ["2026-11-28"]
    assert await count(world, Shift, cancelled) == 1
