"""Check-in, check-out and hours end to end, with the clock moved by the test.

A 19:00–21:00 duty in Shanghai; check-in opens 30 minutes early; check-outs up to 60 minutes
late still count; everything is rounded to the quarter hour.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.emulator import FakeUser
from bot.harness import Harness
from scheduler.jobs import upkeep
from storage.models import Attendance, AuditEntry, Evidence, Membership, NoShow
from tests.e2e.conftest import World
from tests.e2e.test_roster import count, leader, plain

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(world: World, hhmm: str, day: int = 24) -> None:
    """Move the clock to a local time on 2026-11-<day>."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    world.clock.set(datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC))


async def evening(world: World, need: str = "1-2") -> FakeUser:
    """A leader and tonight's 19:00–21:00 duty (shift 1 is tonight's)."""
    boss = await leader(world)
    await world.say(boss, f"/duty add 督导 daily 19:00-21:00 need {need}")
    return boss


async def records(world: World, name: str) -> list[Attendance]:
    async with world.database.sessions() as session:
        rows = await session.scalars(
            select(Attendance)
            .join(Membership, Membership.person_id == Attendance.person_id)
            .where(Membership.display_name == name)
            .order_by(Attendance.id)
        )
        return list(rows.all())


async def test_actual_hours_early_late_forgotten_walk_in_and_family(world: World) -> None:
    await evening(world)
    alice, bob, carol, dave = (world.user(n) for n in ("Alice", "Bob", "Carol", "Dave"))
    at(world, "18:00")
    await world.say(alice, "/shift claim 1")
    await world.say(bob, "/shift claim 1")
    # Too early: check-in opens at 18:30; the refusal says when, and nothing is stored.
    at(world, "18:20")
    said = plain(await world.say(alice, "/checkin"))
    assert "18:30" in said and await count(world, Attendance) == 0
    at(world, "18:40")
    said = plain(await world.say(alice, "/checkin"))
    assert "18:40" in said
    said = plain(await world.say(alice, "/checkin"))  # one open attendance per person
    assert "18:40" in said and await count(world, Attendance) == 1
    at(world, "19:05")
    await world.say(bob, "/checkin")
    at(world, "19:10")
    said = plain(await world.say(carol, "/checkin"))  # no claim, shift full: still recorded
    at(world, "19:12")
    await world.say(dave, "/checkin +2")
    at(world, "20:50")
    said = plain(await world.say(alice, "/checkout"))
    assert "20:50" in said and "1.75" in said  # 19:00 (early is not service) → 20:50 = 1h50 → 1.75
    at(world, "21:40")
    said = plain(await world.say(bob, "/checkout"))
    assert "2.5" in said  # 19:05 → 21:40 = 2h35, within end + 60 min → 2.5
    at(world, "21:55")
    await world.say(dave, "/checkout")
    # Carol forgets. At 22:30 the hourly job closes her record at 22:00, counted to the end.
    at(world, "22:30")
    await upkeep(world.database.sessions, world.clock.now())

    [a] = await records(world, "Alice")
    assert (a.minutes, a.evidence, a.confirmed, a.walk_in) == (105, Evidence.CHECKOUT, True, False)
    [b] = await records(world, "Bob")
    assert (b.minutes, b.confirmed) == (150, True)
    [c] = await records(world, "Carol")
    assert (c.minutes, c.evidence, c.confirmed, c.walk_in) == (105, Evidence.AUTO, False, True)
    assert c.checkout_at == datetime(2026, 11, 24, 22, 0, tzinfo=SHANGHAI)
    [d] = await records(world, "Dave")
    assert (d.companions, d.walk_in, d.minutes) == (2, True, 165)  # 19:12 → 21:55 = 2h43

    today = plain(await world.say(world.user("Eve"), "/today"))
    # Four volunteers, six person-times (Dave's family counts, never by name), confirmed
    # hours 1.75 + 2.5 = 4.25; the walk-ins' 1.75 (forgotten) + 2.75 wait for a leader.
    assert "Alice" in today and "Carol — 1.75 小时（待确认）（临时到场）" in today
    assert "Dave — 2.75 小时（待确认）（临时到场） +2" in today
    assert "志愿者 4 人 · 服务人次 6 · 服务时长 4.25 小时" in today
    assert "待队长确认：4.5 小时" in today


async def test_scheduled_mode_counts_the_shift_for_anyone_who_checked_in(world: World) -> None:
    boss = await evening(world)
    alice = world.user("Alice")
    said = plain(await world.say(alice, "/settings hours_mode=scheduled"))
    assert await count(world, AuditEntry, AuditEntry.action == "settings.change") == 0
    said = plain(await world.say(boss, "/settings hours_mode=scheduled"))
    assert "scheduled" in said
    said = plain(await world.say(boss, "/settings hours_mode=sometimes"))
    assert "actual" in said and "scheduled" in said  # the allowed values
    await world.say(alice, "/shift claim 1")
    at(world, "19:30")
    await world.say(alice, "/checkin")
    at(world, "20:00")
    said = plain(await world.say(alice, "/checkout"))
    [a] = await records(world, "Alice")
    assert a.minutes == 120 and a.confirmed and "2" in said


async def test_a_checkout_after_the_deadline_counts_as_forgotten(world: World) -> None:
    await evening(world)
    alice = world.user("Alice")
    at(world, "18:55")
    await world.say(alice, "/checkin")
    at(world, "22:30")  # after 21:00 + 60 min; the hourly job has not run yet
    await world.say(alice, "/checkout")
    [a] = await records(world, "Alice")
    assert (a.evidence, a.confirmed, a.minutes) == (Evidence.AUTO, False, 120)


async def test_a_backlog_after_an_outage_keeps_the_messages_own_times(world: World) -> None:
    await evening(world)
    alice = world.user("Alice")
    await world.say(alice, "/shift claim 1")
    at(world, "18:55")
    await world.say(alice, "/checkin")
    await world.harness.stop()  # the bot is down…
    at(world, "20:55")
    world.emulator.send(world.group, alice, "/checkout")  # …when Alice checks out
    at(world, "23:40")  # it comes back much later and handles the backlog
    world.harness = Harness(world.settings, world.database.sessions, world.clock,
                            world.emulator, base_url=world.base_url)
    await world.harness.start()
    await world.settle()
    [a] = await records(world, "Alice")
    assert (a.evidence, a.minutes, a.confirmed) == (Evidence.CHECKOUT, 120, True)
    assert a.checkout_at == datetime(2026, 11, 24, 20, 55, tzinfo=SHANGHAI)


async def test_no_shift_now_says_when_the_next_one_opens(world: World) -> None:
    await evening(world)
    alice = world.user("Alice")
    at(world, "12:00")
    said = plain(await world.say(alice, "/checkin"))
    assert "18:30" in said and await count(world, Attendance) == 0
    said = plain(await world.say(alice, "/checkout"))
    assert await count(world, Attendance) == 0 and said
    said = plain(await world.say(alice, "/checkin +99"))
    assert "20" in said and await count(world, Attendance) == 0


async def test_leaders_correct_and_confirm_hours_but_never_their_own(world: World) -> None:
    boss = await evening(world)
    deputy, alice = world.user("Deputy"), world.user("Alice")
    at(world, "18:50")
    hello = world.emulator.send(world.group, alice, "/checkin")
    boss_says = world.emulator.send(world.group, boss, "/checkin")
    await world.settle()
    at(world, "20:50")
    await world.say(alice, "/checkout")
    at(world, "23:00")
    await upkeep(world.database.sessions, world.clock.now())  # the boss forgot to check out

    # A volunteer cannot edit hours.
    said = plain(await world.say(alice, "/hours today 5", reply_to=hello))
    [a] = await records(world, "Alice")
    assert a.minutes == 105 and ("队长" in said or "leader" in said.lower())

    # A leader corrects Alice's hours; the audit log keeps before and after.
    said = plain(await world.say(boss, "/hours today 3 打扫了仓库", reply_to=hello))
    [a] = await records(world, "Alice")
    assert (a.minutes, a.evidence, a.confirmed_by) == (180, Evidence.MANUAL, boss.id)
    assert "1.75" in said and "3" in said
    async with world.database.sessions() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "hours.correct")
        )
    assert entry is not None and entry.before is not None and entry.after is not None
    assert entry.before["minutes"] == 105 and entry.after["minutes"] == 180
    assert entry.actor_telegram_id == boss.id and entry.note == "打扫了仓库"

    # Hours outside the roster, by time range, on an earlier day.
    await world.say(boss, "/hours 11-23 09:00-11:30 植树", reply_to=hello)
    assert [r.minutes for r in await records(world, "Alice")] == [180, 150]

    # The boss can neither correct nor confirm their own hours; another leader can.
    await world.say(boss, "/hours today 9", reply_to=boss_says)
    await world.say(boss, "/hours confirm today")
    [own] = await records(world, "Boss")
    assert (own.minutes, own.evidence, own.confirmed) == (120, Evidence.AUTO, False)
    world.emulator.set_admin(world.group, deputy)
    world.harness.services.admin_cache.forget(world.group.id)
    await world.say(deputy, "/hours confirm today")
    [own] = await records(world, "Boss")
    assert own.confirmed and own.confirmed_by == deputy.id


async def test_no_shows_are_recorded_for_leaders_only(world: World) -> None:
    boss = await evening(world)
    alice = world.user("Alice")
    at(world, "18:00")
    claim = world.emulator.send(world.group, alice, "/shift claim 1")
    await world.settle()
    said = plain(await world.say(boss, "/noshow 1", reply_to=claim))
    assert await count(world, NoShow) == 0 and said  # not started yet
    at(world, "19:20")
    said = plain(await world.say(alice, "/noshow 1", reply_to=claim))
    assert await count(world, NoShow) == 0
    said = plain(await world.say(boss, "/noshow 1 没请假", reply_to=claim))
    assert await count(world, NoShow) == 1
    assert "1" not in said.replace("/noshow 1", "")  # no count in the group
