"""Duties and the roster end to end: a leader adds duties, volunteers claim by tap and text."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.emulator import html_to_plain
from storage.models import Claim, ClaimKind, ClaimStatus, Duty, DutyStatus, Shift
from tests.e2e.conftest import FORUM_CHAT_ID, World


def plain(messages: list) -> str:  # type: ignore[type-arg]
    return "\n".join(html_to_plain(m.text or "") for m in messages)


async def count(world: World, model: type, *where: object) -> int:
    async with world.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where))
                   or 0)


async def leader(world: World) -> object:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    world.harness.services.admin_cache.forget(world.group.id)  # promoted just now
    return boss


async def test_a_leader_adds_duties_in_chinese_and_english(world: World) -> None:
    boss = await leader(world)
    zh_add = "/duty add 垃圾分类督导 每天 晚上7点-9点 需要2-4人 在 3号投放点"
    zh = plain(await world.say(boss, zh_add))
    assert "已添加值班" in zh and "19:00–21:00" in zh and "11月25日" in zh
    en = plain(await world.say(boss, "/duty add Patrol mon,wed,fri 06:30-08:30 need 3"))
    assert "Patrol" in en and "06:30–08:30" in en
    assert await count(world, Duty) == 2
    listed = plain(await world.say(boss, "/duty list"))
    assert "垃圾分类督导" in listed and "Patrol" in listed


async def test_non_leaders_cannot_add_edit_skip_or_remove_duties(world: World) -> None:
    alice = world.user("Alice")
    said = plain(await world.say(alice, "/duty add 督导 daily 19:00-21:00"))
    assert "队长" in said
    assert await count(world, Duty) == 0
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00")
    for attempt in ("/duty edit 1 time=08:00-09:00", "/duty skip 1 2026-11-25",
                    "/duty remove 1"):
        assert "队长" in plain(await world.say(alice, attempt))
    async with world.database.sessions() as session:
        duty = await session.get(Duty, 1)
    assert duty is not None and duty.status is DutyStatus.ACTIVE and duty.exdates == []
    assert duty.start_time.hour == 19


async def test_bad_duty_input_shows_what_was_understood_and_stores_nothing(
    world: World,
) -> None:
    boss = await leader(world)
    said = plain(await world.say(boss, "/duty add 督导 daily 19:00-18:00"))
    assert "结束时间早于开始时间" in said and "/duty add" in said
    said = plain(await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 5-2"))
    assert "5-2" in said
    assert await count(world, Duty) == 0 and await count(world, Shift) == 0


async def test_volunteers_claim_by_tap_and_by_text(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1-2")
    alice, bob = world.user("Alice"), world.user("Bob")
    roster = (await world.say(alice, "/shift"))[-1]
    assert "督导" in html_to_plain(roster.text or "") and roster.reply_markup is not None
    # Alice has never signed up: one tap signs her up and claims.
    query = world.emulator.tap(roster, 0, alice)
    await world.settle()
    toast = world.emulator.callback_answers[query]["text"]
    assert "你已以“Alice”加入名单" in toast and "你已认领" in toast
    assert await world.roster() == ["Alice"]
    again = world.emulator.tap(roster, 0, alice)
    await world.settle()
    assert "已经在这个班次上" in world.emulator.callback_answers[again]["text"]
    first_shift = roster.reply_markup["inline_keyboard"][0][0]["callback_data"].split(":")[1]
    said = plain(await world.say(bob, f"/shift claim {first_shift}"))
    assert "你已认领" in said
    third = world.user("Carol")
    said = plain(await world.say(third, f"/shift claim {first_shift}"))
    assert "满员" in said
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 2


async def test_forged_buttons_change_nothing(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1-2")
    roster = (await world.say(boss, "/shift"))[-1]
    # Another approved group with its own duty: its shift ids are not ours to claim here.
    other = world.emulator.add_group("Other team", chat_id=FORUM_CHAT_ID, admins=[boss])
    await world.say(boss, "/duty add 别队 daily 08:00-09:00", chat=other)
    theirs = (await world.say(boss, "/shift", chat=other))[-1]
    their_data = theirs.reply_markup["inline_keyboard"][0][0]["callback_data"]
    mallory = world.user("Mallory")
    answers = []
    for data in (their_data, "claim:999999", "claim:abc", "garbage", "x" * 64, "claim:-1",
                 "undo:1", "relok:1", "take:1", "wait:999", "page:x"):
        answers.append(world.emulator.tap_raw(roster, data, mallory))
    await world.settle()
    for query in answers:
        assert world.emulator.callback_answers[query]["text"]
    assert await count(world, Claim) == 0
    assert await count(world, Duty, Duty.status == DutyStatus.ACTIVE) == 2


@pytest.mark.race(sessions=50)
async def test_race_fifty_simultaneous_taps_on_four_places(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2-4")
    roster = (await world.say(boss, "/shift"))[-1]
    people = [world.user(f"V{i:02d}") for i in range(50)]
    await world.settle()
    queries = [world.emulator.tap(roster, 0, p) for p in people]
    await world.settle(timeout=60)
    toasts = [world.emulator.callback_answers[q]["text"] for q in queries]
    assert sum("你已认领" in t for t in toasts) == 4
    assert sum("满员" in t for t in toasts) == 46
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 4
    await asyncio.sleep(0)


async def test_the_roster_message_is_edited_in_place_after_taps(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2-4")
    roster = (await world.say(boss, "/shift"))[-1]
    posted_before = len(world.emulator.bot_messages(world.group))
    alice = world.user("Alice")
    world.emulator.tap(roster, 0, alice)
    await world.settle()
    assert "Alice" in html_to_plain(roster.text or "")
    assert roster.reply_markup["inline_keyboard"][0][0]["text"].endswith("1/4")
    # The tap was answered with a toast and an edit: no new message in the group.
    assert len(world.emulator.bot_messages(world.group)) == posted_before
    edits_before = roster.edit_count
    people = [world.user(f"P{i}") for i in range(3)]
    for p in people:
        world.emulator.tap(roster, 1, p)
    await world.settle()
    assert roster.edit_count - edits_before == 1  # a burst of taps, one edit
    assert all(p.first_name in html_to_plain(roster.text or "") for p in people)


async def test_release_frees_the_place_and_a_late_one_tells_the_leaders(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2-4")
    roster = (await world.say(boss, "/shift"))[-1]
    tonight, tomorrow = (
        roster.reply_markup["inline_keyboard"][i][0]["callback_data"].split(":")[1]
        for i in (0, 1)
    )
    alice = world.user("Alice")
    await world.say(alice, f"/shift claim {tomorrow}")
    said = plain(await world.say(alice, f"/shift release {tomorrow}"))
    assert "你已退出" in said and "组长" not in said  # a day ahead: not late
    await world.say(alice, f"/shift claim {tonight}")
    said = plain(await world.say(alice, f"/shift release {tonight}"))  # 30 minutes before
    assert "你已退出" in said
    assert "请队长注意" in said and "还差 2 人" in said
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 0
    bob = world.user("Bob")
    said = plain(await world.say(bob, f"/shift release {tonight}"))
    assert "你不在这个班次上" in said


async def test_a_release_moves_the_first_waiting_volunteer_up(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1")
    roster = (await world.say(boss, "/shift"))[-1]
    shift_id = roster.reply_markup["inline_keyboard"][1][0]["callback_data"].split(":")[1]
    alice, bob, carol = world.user("Alice"), world.user("Bob"), world.user("Carol")
    await world.say(alice, f"/shift claim {shift_id}")
    button = roster.reply_markup["inline_keyboard"][1][0]
    assert button["callback_data"] == f"wait:{shift_id}" and "候补" in button["text"]
    first = world.emulator.tap(roster, 1, bob)
    await world.settle()
    second = world.emulator.tap(roster, 1, carol)
    await world.settle()
    assert "第 1 位" in world.emulator.callback_answers[first]["text"]
    assert "第 2 位" in world.emulator.callback_answers[second]["text"]
    said = plain(await world.say(alice, f"/shift release {shift_id}"))
    assert "Bob：" in said and "现在归你了" in said
    async with world.database.sessions() as session:
        rows = (await session.execute(
            select(Claim.person_id, Claim.status, Claim.kind).order_by(Claim.id)
        )).all()
    assert [(s.value, k.value) for _, s, k in rows] == [
        ("released", "self"), ("active", "waitlist"), ("waiting", "waitlist"),
    ]


async def test_leave_and_leaving_the_chat_free_future_places(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1")
    roster = (await world.say(boss, "/shift"))[-1]
    ids = [row[0]["callback_data"].split(":")[1] for row in roster.reply_markup["inline_keyboard"]]
    alice, bob, carol = world.user("Alice"), world.user("Bob"), world.user("Carol")
    await world.say(alice, f"/shift claim {ids[1]}")
    await world.say(alice, f"/shift claim {ids[2]}")
    world.emulator.tap_raw(roster, f"wait:{ids[1]}", bob)
    await world.settle()
    said = plain(await world.say(alice, "/leave"))
    assert "请队长注意" in said and "11月25日" in said and "11月26日" in said
    assert "Bob：" in said  # moved up from the waitlist
    await world.say(carol, f"/shift claim {ids[3]}")
    world.emulator.remove_member(world.group, carol)
    await world.settle()
    assert await world.roster() == ["Bob"]
    async with world.database.sessions() as session:
        active = (await session.execute(
            select(Claim.shift_id).where(Claim.status == ClaimStatus.ACTIVE)
        )).scalars().all()
    assert [str(s) for s in active] == [ids[1]]


async def duty_with_people(world: World, need: str = "2-4") -> tuple[object, list[str]]:
    boss = await leader(world)
    await world.say(boss, f"/duty add 督导 daily 19:00-21:00 need {need}")
    roster = (await world.say(boss, "/shift"))[-1]
    ids = [row[0]["callback_data"].split(":")[1] for row in roster.reply_markup["inline_keyboard"]]
    return boss, ids


async def test_a_time_change_keeps_claims_and_tells_the_volunteers(world: World) -> None:
    boss, ids = await duty_with_people(world)
    alice = world.user("Alice")
    await world.say(alice, f"/shift claim {ids[1]}")
    said = await world.say(boss, "/duty edit 1 time=18:00-20:00")
    text = plain(said)
    assert "已修改" in text and "11月25日周三：改为 18:00–20:00 — Alice" in text
    assert "11月26日周四：改为" not in text  # nobody there to tell: one line for all
    assert f"tg://user?id={alice.id}" in (said[-1].text or "")  # Alice is mentioned
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 1
    async with world.database.sessions() as session:
        shift = await session.get(Shift, int(ids[1]))
    assert shift is not None and shift.start_at.hour == 10  # 18:00 in Shanghai


async def test_lowering_need_drops_the_newest_and_skipping_frees_people(world: World) -> None:
    boss, ids = await duty_with_people(world)
    alice, bob, carol = world.user("Alice"), world.user("Bob"), world.user("Carol")
    for person in (alice, bob, carol):
        await world.say(person, f"/shift claim {ids[1]}")
    said = plain(await world.say(boss, "/duty edit 1 need=1-2"))
    assert "名额减少" in said and "Carol" in said and "Alice" not in said
    said = plain(await world.say(boss, "/duty skip 1 2026-11-25"))
    assert "11月25日周三取消" in said and "Alice" in said and "Bob" in said
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 0
    roster = plain((await world.say(boss, "/shift"))[-1:])
    assert "11月25日" not in roster and "11月26日" in roster


async def test_removing_a_duty_keeps_its_past_and_non_leaders_cannot(world: World) -> None:
    boss, ids = await duty_with_people(world)
    alice = world.user("Alice")
    await world.say(alice, f"/shift claim {ids[0]}")  # tonight: will be the past
    await world.say(alice, f"/shift claim {ids[2]}")
    assert "队长" in plain(await world.say(alice, "/duty remove 1"))
    world.clock.advance(timedelta(days=1))
    said = plain(await world.say(boss, "/duty remove 1"))
    assert "已删除" in said and "Alice" in said
    assert await count(world, Duty) == 1 and await count(world, Shift) > 0  # archived, kept
    async with world.database.sessions() as session:
        past = await session.get(Shift, int(ids[0]))
        kept = await session.scalar(
            select(func.count()).select_from(Claim).where(
                Claim.shift_id == int(ids[0]), Claim.status == ClaimStatus.ACTIVE
            )
        )
    assert past is not None and past.status.value == "open" and kept == 1  # history intact
    deputy = world.user("Deputy")  # a second admin: Boss has used up five commands a minute
    world.emulator.set_admin(world.group, deputy)
    world.harness.services.admin_cache.forget(world.group.id)
    assert "没有班次" in plain(await world.say(deputy, "/shift"))
    assert "没有这个值班项目" in plain(await world.say(deputy, "/duty remove 1"))
    assert "没有这个值班项目" in plain(await world.say(deputy, "/duty pause 99"))


async def test_gaps_and_a_cancelled_occurrence(world: World) -> None:
    boss, ids = await duty_with_people(world, need="2-4")
    alice, bob = world.user("Alice"), world.user("Bob")
    await world.say(alice, f"/shift claim {ids[1]}")
    await world.say(bob, f"/shift claim {ids[1]}")
    gaps = (await world.say(alice, "/gaps"))[-1]
    text = html_to_plain(gaps.text or "")
    assert "还缺人" in text and f"#{ids[1]} " not in text and f"#{ids[2]} " in text
    assert gaps.reply_markup is not None
    assert "队长" in plain(await world.say(alice, f"/shift cancel {ids[1]} 下雨"))
    said = plain(await world.say(boss, f"/shift cancel {ids[1]} 下雨"))
    assert "已取消" in said and "。原因：下雨" in said and "Alice" in said and "Bob" in said
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 0
    # The rule still wants that date, but a leader's cancellation stands.
    roster = plain((await world.say(boss, "/shift"))[-1:])
    assert f"#{ids[1]} " not in roster


async def test_leaders_assign_and_unassign_naming_the_person(world: World) -> None:
    boss, ids = await duty_with_people(world, need="1")
    alice, bob = world.user("Alice"), world.user("Bob")
    hello = world.emulator.send(world.group, alice, "/help")
    await world.settle()
    said = await world.say(boss, f"/shift assign {ids[1]}", reply_to=hello)
    assert "队长为你安排了" in plain(said) and f"tg://user?id={alice.id}" in (said[-1].text or "")
    full = plain(await world.say(boss, f"/shift assign {ids[1]} Bob", mentions={"Bob": bob}))
    assert "force" in full
    forced = plain(await world.say(boss, f"/shift assign {ids[1]} force Bob",
                                   mentions={"Bob": bob}))
    assert "队长为你安排了" in forced, forced
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 2, forced
    deputy = world.user("Deputy")
    world.emulator.set_admin(world.group, deputy)
    world.harness.services.admin_cache.forget(world.group.id)
    said = plain(await world.say(deputy, f"/shift unassign {ids[1]}", reply_to=hello))
    assert "撤下" in said
    assert "队长" in plain(await world.say(bob, f"/shift assign {ids[2]}", reply_to=hello))
    async with world.database.sessions() as session:
        kinds = (await session.execute(select(Claim.kind).order_by(Claim.id))).scalars().all()
    assert [k.value for k in kinds] == ["assigned", "assigned"]


async def test_shift_mine_releases_with_a_confirm_step_privately_or_in_the_group(
    world: World,
) -> None:
    em = world.emulator
    _boss, ids = await duty_with_people(world, need="2-4")
    alice, bob, mallory = world.user("Alice"), world.user("Bob"), world.user("Mallory")
    await world.say(alice, f"/shift claim {ids[1]}")
    mine = (await world.say(alice, "/shift mine"))[-1]
    assert "你在Sunrise Volunteers接下来的班次" in html_to_plain(mine.text or "")
    first = em.tap(mine, 0, alice)
    await world.settle()
    assert "确定吗" in em.callback_answers[first]["text"]
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 1  # not yet
    # Someone else pressing "Yes" releases nothing of Alice's.
    forged = em.tap(mine, 0, mallory)
    await world.settle()
    assert "你不在这个班次上" in em.callback_answers[forged]["text"]
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 1
    done = em.tap(mine, f"relok:{ids[1]}", alice)
    await world.settle()
    assert "你已退出" in em.callback_answers[done]["text"]
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 0
    # Bob has started the bot: his list arrives privately, the group gets one short line.
    await world.say(bob, "/start", chat=em.private_chat(bob))
    await world.say(bob, f"/shift claim {ids[2]}")
    said = plain(await world.say(bob, "/shift mine"))
    assert "私信" in said
    private = em.last_bot_message(em.private_chat(bob))
    assert private is not None and private.reply_markup is not None
    assert f"#{ids[2]}" in html_to_plain(private.text or "")


async def test_a_cover_request_is_taken_over_by_the_first_free_volunteer(world: World) -> None:
    em = world.emulator
    _boss, ids = await duty_with_people(world, need="1-2")
    alice, bob, carol = world.user("Alice"), world.user("Bob"), world.user("Carol")
    await world.say(alice, f"/shift claim {ids[1]}")
    posted = (await world.say(alice, f"/shift cover {ids[1]}"))[-1]
    assert "Alice需要有人替" in html_to_plain(posted.text or "")
    own = em.tap(posted, 0, alice)
    await world.settle()
    assert "你自己" in em.callback_answers[own]["text"]
    first, second = em.tap(posted, 0, bob), em.tap(posted, 0, carol)
    await world.settle()
    answers = [em.callback_answers[first]["text"], em.callback_answers[second]["text"]]
    assert sum("归你了" in a for a in answers) == 1 and sum("已经有人替" in a for a in answers) == 1
    said = html_to_plain(em.last_bot_message(world.group).text or "")  # type: ignore[union-attr]
    assert "替Alice" in said
    async with world.database.sessions() as session:
        rows = (await session.execute(
            select(Claim.kind, Claim.status).order_by(Claim.id)
        )).all()
    assert [(k.value, s.value) for k, s in rows] == [("self", "released"), ("cover", "active")]
    loser = carol if "归你了" in answers[0] else bob
    assert "你不在这个班次上" in plain(await world.say(loser, f"/shift cover {ids[1]}"))


async def test_standing_slots_fill_future_shifts_until_released(world: World) -> None:
    boss, _ids = await duty_with_people(world, need="1-2")
    chen = world.user("Chen")
    said = plain(await world.say(chen, "/shift claim 1 every 周二"))
    assert "每星期二" in said and "3 个班次" in said  # tonight, Dec 1 and Dec 8
    async with world.database.sessions() as session:
        days = (await session.execute(
            select(Shift.local_date).join(Claim, Claim.shift_id == Shift.id)
            .where(Claim.status == ClaimStatus.ACTIVE).order_by(Shift.local_date)
        )).scalars().all()
    assert [d.weekday() for d in days] == [1, 1, 1]
    # Time passes: the next Tuesday is materialised and Mrs. Chen is on it too.
    world.clock.advance(timedelta(days=7))
    await world.say(boss, "/shift")
    async with world.database.sessions() as session:
        count_now = await session.scalar(
            select(func.count()).select_from(Claim).where(
                Claim.status == ClaimStatus.ACTIVE, Claim.kind == ClaimKind.STANDING
            )
        )
    assert count_now == 4  # the new Tuesday (Dec 15) came with its standing place
    said = plain(await world.say(chen, "/shift release 1 every"))
    assert "固定名额已退还" in said and "3 个名额" in said
    assert await count(world, Claim, Claim.status == ClaimStatus.ACTIVE) == 1  # Nov 24, past


async def test_undo_right_after_adding_a_duty(world: World) -> None:
    boss = await leader(world)
    added = (await world.say(boss, "/duty add 督导 daily 19:00-21:00"))[-1]
    alice = world.user("Alice")
    refused = world.emulator.tap(added, 0, alice)
    await world.settle()
    assert "队长" in world.emulator.callback_answers[refused]["text"]
    done = world.emulator.tap(added, 0, boss)
    await world.settle()
    assert "已撤销" in world.emulator.callback_answers[done]["text"]
    assert "已撤销" in html_to_plain(added.text or "")
    assert "没有班次" in plain(await world.say(boss, "/shift"))


async def test_a_long_roster_pages_by_day_and_never_fails_to_send(world: World) -> None:
    from datetime import date as day_of
    from datetime import time as clock_time

    from storage import duties as duty_store
    from storage import groups as group_store
    from storage.db import transaction
    from storage.recurrence import Window

    boss = await leader(world)
    await world.say(boss, "/help")  # the group row exists
    async with transaction(world.database.sessions) as session:
        group = await group_store.by_chat_id(session, world.group.id)
        assert group is not None
        for hour in range(6, 22, 2):  # eight duties a day: 56 shifts in a week
            draft = duty_store.DutyDraft(
                f"岗位{hour}" + "长名字" * 8, "FREQ=DAILY", day_of(2026, 11, 24),
                Window(clock_time(hour), clock_time(hour + 1)), 1, 3, "某某小区东门" * 3,
            )
            await duty_store.add_duty(session, group, draft, by=boss.id, now=world.clock.now())
    roster = (await world.say(boss, "/shift"))[-1]
    text = html_to_plain(roster.text or "")
    assert "第 1/" in text and len(roster.text or "") <= 4096
    rows = roster.reply_markup["inline_keyboard"]
    assert len(rows) <= 41 and rows[-1][-1]["callback_data"] == "page:1"
    first_page_ids = {r[0]["callback_data"] for r in rows[:-1]}
    world.emulator.tap(roster, "page:1", boss)
    await world.settle()
    assert "第 2/" in html_to_plain(roster.text or "")
    second = {r[0]["callback_data"] for r in roster.reply_markup["inline_keyboard"][:-1]}
    assert second and not second & first_page_ids
    # A claim on page 2 keeps the message on page 2.
    alice = world.user("Alice")
    world.emulator.tap(roster, 0, alice)
    await world.settle()
    assert "第 2/" in html_to_plain(roster.text or "") and "Alice" in (roster.text or "")


async def test_the_last_roster_edit_shows_a_claim_another_instance_committed_meanwhile(
    world: World,
) -> None:
    """Two instances: ours rendered the roster, then another instance committed Bob's claim
    (and its own edit landed first), then ours landed. Ours looks again and edits again."""
    from storage import claims, groups, members

    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2-4")
    bob = world.user("Bob")
    await world.say(bob, "/signup Bob")
    roster = (await world.say(boss, "/shift"))[-1]
    shift_id = int(roster.reply_markup["inline_keyboard"][0][0]["callback_data"].split(":")[1])
    outgoing = world.harness.services.outgoing
    forward = outgoing.edit_in_group
    calls = 0

    async def edit_landing_after_bobs_claim(*args: object, **kwargs: object) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:  # rendered before Bob's claim; lands after it
            async with world.database.sessions() as session, session.begin():
                group = await groups.by_chat_id(session, world.group.id)
                person = await members.person_of(session, bob.id)
                assert group is not None and person is not None
                result = await claims.claim(session, shift_id, person, group_id=group.id,
                                            now=world.clock.now())
                assert isinstance(result, claims.Claimed)
        return await forward(*args, **kwargs)  # type: ignore[arg-type]

    outgoing.edit_in_group = edit_landing_after_bobs_claim  # type: ignore[method-assign]
    world.emulator.tap(roster, 0, world.user("Alice"))
    await world.settle()
    shown = html_to_plain(roster.text or "")
    assert "Alice" in shown and "Bob" in shown
    assert roster.reply_markup["inline_keyboard"][0][0]["text"].endswith("2/4")
    assert calls == 2  # one more edit, only because the roster changed under the first


async def test_the_roster_message_follows_a_rename_a_departure_and_an_erasure(
    world: World,
) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2-4")
    roster = (await world.say(boss, "/shift"))[-1]
    alice, bob, carol = world.user("Alice"), world.user("Bob"), world.user("Carol")
    for who, name in ((alice, "王阿姨"), (bob, "李师傅"), (carol, "张大姐")):
        await world.say(who, f"/signup {name}")
        world.emulator.tap(roster, 1, who)  # tomorrow's shift
    await world.settle()
    assert all(name in html_to_plain(roster.text or "") for name in ("王阿姨", "李师傅", "张大姐"))

    await world.say(alice, "/signup 王秀英")  # she corrects her name
    await world.settle()
    shown = html_to_plain(roster.text or "")
    assert "王秀英" in shown and "王阿姨" not in shown, shown

    await world.say(bob, "/leave")  # his place is given back
    await world.settle()
    shown = html_to_plain(roster.text or "")
    assert "李师傅" not in shown and "王秀英" in shown, shown

    carol.started = True  # she has a private chat with the bot
    [question] = await world.say(carol, "/forgetme", chat=world.emulator.private_chat(carol))
    world.emulator.tap(question, 0, carol)  # she asks to be forgotten
    await world.settle()
    shown = html_to_plain(roster.text or "")
    assert "张大姐" not in shown and "王秀英" in shown, shown
    assert roster.reply_markup["inline_keyboard"][1][0]["text"].endswith("1/4")


async def test_a_former_member_who_taps_a_claim_is_back_under_the_name_the_team_knew(
    world: World,
) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2-4")
    roster = (await world.say(boss, "/shift"))[-1]
    sun = world.user("sun")
    await world.say(sun, "/signup 孙大爷")
    await world.say(sun, "/leave")
    world.emulator.tap(roster, 1, sun)
    await world.settle()
    shown = html_to_plain(roster.text or "")
    assert "孙大爷" in shown and "sun" not in shown, shown
    assert await world.roster() == ["孙大爷"]


async def test_a_leaver_whose_place_the_waitlist_took_frees_nothing_for_the_leaders(
    world: World,
) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1")
    roster = (await world.say(boss, "/shift"))[-1]
    sun, zheng = world.user("sun"), world.user("zheng")
    await world.say(sun, "/signup 孙大爷")
    await world.say(zheng, "/signup 郑师傅")
    world.emulator.tap(roster, 1, sun)  # tomorrow's one place
    await world.settle()
    world.emulator.tap(roster, 1, zheng)  # full: he waits
    await world.settle()
    said = plain(await world.say(sun, "/leave"))
    assert "郑师傅" in said and "现在归你了" in said, said
    assert "空出来了" not in said, said  # the place is taken again: nothing for the leaders
    shown = html_to_plain(roster.text or "")
    assert "郑师傅" in shown and "孙大爷" not in shown, shown
