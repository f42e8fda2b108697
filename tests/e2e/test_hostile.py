"""The hostile-input sweep's findings, one class each: every input is answered, nothing
crashes, nothing unreadable is stored (on SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import date, time

import pytest
from sqlalchemy import select

from storage import duties, groups, members, standing
from storage.db import transaction
from storage.duties import DutyDraft
from storage.models import Claim, Duty, Group, Membership, Report
from storage.recurrence import Window
from tests.e2e.conftest import World
from tests.e2e.test_attendance import at
from tests.e2e.test_roster import count, leader, plain
from tests.e2e.test_views import tap

APOLOGY = "抱歉，出了点问题"


pytestmark = pytest.mark.usefixtures("many_commands")


def refused_requests(world: World, since: int) -> list[tuple[str, str | None]]:
    """Requests the emulator refused, as Telegram would have."""
    return [
        (c.method, c.error) for c in world.emulator.calls[since:]
        if c.status is not None and c.status >= 400
    ]


async def test_numbers_no_record_can_have_get_the_normal_reply(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2 at 1号点")
    alice = world.user("Alice")
    caplog.set_level(logging.ERROR)
    for word in ("١٢", "99999999999999999999", "2147483648", "999999999999"):
        said = plain(await world.say(alice, f"/shift claim {word}"))
        assert "不存在" in said, word
        said = plain(await world.say(boss, f"/resolve {word}"))
        assert "没有这个编号" in said, word
        said = plain(await world.say(boss, f"/duty remove {word}"))
        assert "没有这个值班项目" in said, word
    # Superscripts and full-width digits are the digits they show (NFKC).
    assert "已认领" in plain(await world.say(alice, "/shift claim ²"))
    assert "已认领" in plain(await world.say(alice, "/shift claim ３"))
    assert await count(world, Claim) == 2
    assert [r.getMessage() for r in caplog.records] == []


async def test_time_zones_are_real_places(world: World) -> None:
    boss = await leader(world)
    for bad in ("Asia", "a" * 256, "localtime", "Factory", "../../etc/passwd"):
        said = plain(await world.say(boss, f"/settings timezone={bad}"))
        assert "不能设为" in said and APOLOGY not in said, bad
    assert "Europe/Berlin" in plain(await world.say(boss, "/settings timezone=Europe/Berlin"))
    async with world.database.sessions() as session:
        group = await session.scalar(select(Group))
        assert group is not None and group.timezone == "Europe/Berlin"


async def test_settings_refuse_what_cannot_work(world: World) -> None:
    boss = await leader(world)
    said = plain(await world.say(boss, "/settings topic=5"))
    assert "/settings here" in said
    assert "不能设为" in plain(await world.say(boss, "/settings quiet_hours=07:00-07:00"))
    long = plain(await world.say(boss, "/settings max_kg=" + "9" * 4000))
    assert "…" in long and len(long) < 300  # the mistake is quoted short
    async with world.database.sessions() as session:
        group = await session.scalar(select(Group))
        assert group is not None and group.settings in (None, {})


async def test_control_characters_never_reach_the_database(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督\x00导 daily 19:00-21:00 at 1号\x00点")
    at(world, "19:00")
    await world.say(boss, "/checkin")
    await world.say(boss, "/report 劝导3次 楼下\x00很干净\n第二行\x1b")
    await world.say(boss, "/duty edit 1 name=\x1b\x00")  # nothing left: refused
    async with world.database.sessions() as session:
        duty = await session.scalar(select(Duty))
        report = await session.scalar(select(Report))
    assert duty is not None and (duty.name, duty.place) == ("督导", "1号点")
    assert report is not None and report.text == "楼下很干净\n第二行"


async def test_a_telegram_name_that_shows_nothing_becomes_volunteer_n(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2")
    blank = world.user("\u3164")
    other = world.user("\u200e\u2800")
    await world.say(blank, "/shift claim 1")
    await world.say(other, "/shift claim 1")
    async with world.database.sessions() as session:
        names = (await session.scalars(select(Membership.display_name))).all()
    assert sorted(names) == ["志愿者 1", "志愿者 2"]


async def test_look_alike_names_collide(world: World) -> None:
    alice, mallory = world.user("Alice"), world.user("Mallory")
    await world.say(alice, "/signup Alice")
    said = plain(await world.say(mallory, "/signup Alice\u200e"))
    assert "已被本群其他成员使用" in said
    assert await world.roster() == ["Alice"]


async def test_a_long_list_arrives_in_parts_cut_at_lines(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty list")  # the group is known from here on
    async with transaction(world.database.sessions) as session:
        group = await groups.by_chat_id(session, world.group.id)
        assert group is not None
        for i in range(40):  # 40 long names with markup characters: about 6,000 characters
            draft = DutyDraft(
                f"<督导&巡逻>{'很长的名字' * 6}{i:02d}", "FREQ=DAILY", date(2026, 11, 24),
                Window(time(7), time(8)), 1, 2, "&" * 60,
            )
            await duties.add_duty(session, group, draft, by=None, now=world.clock.now())
    before = len(world.emulator.calls)
    said = await world.say(boss, "/duty list")
    assert refused_requests(world, before) == []
    assert len(said) >= 2 and all(len(m.text or "") <= 4096 for m in said)
    shown = plain(said)
    assert all(f"<督导&巡逻>{'很长的名字' * 6}{i:02d} @{'&' * 60}" in shown for i in range(40))


async def test_the_report_form_tapped_twice_is_not_an_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    alice = world.user("Alice")
    [form] = await world.say(alice, "/report")
    draft = form.buttons[0]["callback_data"].split(":")[1]
    caplog.set_level(logging.ERROR)
    before = len(world.emulator.calls)
    for data in (f"rf:{draft}:f:dissuaded", f"rf:{draft}:f:dissuaded", f"rf:{draft}:n:0",
                 f"rf:{draft}:n:0"):
        if any(b.get("callback_data") == data for b in form.buttons):
            toast = await tap(world, form, data, alice)
            assert APOLOGY not in toast
    # Telegram says "not modified" to the second tap; that is success, not a new error.
    assert {error for _, error in refused_requests(world, before)} <= {
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message"
    }
    assert [r.getMessage() for r in caplog.records] == []


async def test_forged_keep_and_release_leave_the_roster_alone(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2")
    roster = (await world.say(boss, "/shift"))[-1]
    buttons = list(roster.buttons)
    mallory = world.user("Mallory")
    for data in ("keep:1", "rel:1", "relok:1", "claim:²", "page:²", "take:²", "claim:١٢",
                 "claim:99999999999999999999"):
        query = world.emulator.tap_raw(roster, data, mallory)
        await world.settle()
        assert world.emulator.callback_answers[query].get("text")
    assert roster.buttons == buttons  # still the claim buttons


async def test_a_schedule_word_in_the_name_and_a_past_one_off_are_refused(world: World) -> None:
    boss = await leader(world)
    said = plain(await world.say(boss, "/duty add X monthly 9th mon 19:00-21:00"))
    assert "monthly 9th mon" in said and "看不懂" in said
    at(world, "18:30")
    said = plain(await world.say(boss, "/duty add Z 11-24 08:00-09:00"))
    assert "已经过去" in said
    said = plain(await world.say(boss, "/duty add Y daily 19:00-21:00 需要100000人"))
    assert "需要100000人" in said
    assert await count(world, Duty) == 0


async def test_every_command_sent_privately_is_answered(world: World) -> None:
    alice = world.user("Alice")
    chat = world.emulator.private_chat(alice)
    for command in ("/shift", "/shift claim 1", "/shift mine", "/shift cancel 1", "/gaps",
                    "/duty list", "/duty add x daily 19:00-21:00", "/leader add", "/lang en",
                    "/checkin", "/today", "/settings", "/hours", "/report x", "/problem x",
                    "/problems", "/resolve 1", "/summary", "/noshows", "/signup", "/leave",
                    "/remindme", "/me", "/guide", "/noshow", "/help", "/start", "/nonsense"):
        said = plain(await world.say(alice, command, chat=chat))
        assert said, command
    assert "/leave 要在服务队的群里使用" in plain(await world.say(alice, "/leave", chat=chat))
    assert "没有 /nonsense 这个命令" in plain(await world.say(alice, "/nonsense", chat=chat))


async def test_sixty_duties_every_shift_reachable_and_no_more_duties(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty list")  # the group is known from here on
    async with transaction(world.database.sessions) as session:
        group = await groups.by_chat_id(session, world.group.id)
        assert group is not None
        for i in range(duties.MAX_DUTIES):
            draft = DutyDraft(f"督导{i:02d}", "FREQ=DAILY", date(2026, 11, 24),
                              Window(time(19), time(21)), 1, 2, f"{i}号点")
            await duties.add_duty(session, group, draft, by=None, now=world.clock.now())
        coming = await duties.upcoming_shifts(session, group.id, now=world.clock.now(), days=7)
    said = plain(await world.say(boss, "/duty add 第61个 daily 07:00-08:00"))
    assert "本队已有 60 个值班项目，已达上限" in said
    assert await count(world, Duty) == duties.MAX_DUTIES
    # Page through /shift: every coming shift has a line and a claim button.
    page = (await world.say(boss, "/shift"))[-1]
    seen: set[str] = set()
    for _ in range(100):
        assert len(page.text or "") <= 4096
        data = [b["callback_data"] for b in page.buttons]
        seen |= {d for d in data if d.startswith("claim:")}
        later = [b["callback_data"] for b in page.buttons if b.get("text") == "下一页 ▶"]
        if not later:
            break
        await tap(world, page, later[0], boss)
    assert seen == {f"claim:{s.id}" for s, _ in coming}
    # /gaps is one message, paged the same way.
    before = len(world.emulator.bot_messages(world.group))
    await world.say(boss, "/gaps")
    assert len(world.emulator.bot_messages(world.group)) - before == 1


async def test_usage_lines_with_angle_brackets_are_delivered(world: World) -> None:
    boss = await leader(world)
    assert "/noshow <班次编号> @名字" in plain(await world.say(boss, "/noshow"))
    assert "/resolve <编号>" in plain(await world.say(boss, "/resolve abc"))


async def test_a_duty_edit_that_tells_sixty_one_volunteers_reaches_them_all(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1-70 at 1号点")
    people = [world.user(f"志愿者{'很长的名字' * 5}{i:02d}") for i in range(61)]
    await world.settle()  # the joins are handled before the test holds the write lock
    async with transaction(world.database.sessions) as session:
        group = await groups.by_chat_id(session, world.group.id)
        assert group is not None
        for user in people:
            ref = members.UserRef(user.id, user.first_name)
            await members.signup(session, group.id, ref, members.Profile(user.first_name),
                                 now=world.clock.now())
            person = await members.person_of(session, user.id)
            assert person is not None
            await standing.hold(session, 1, person, None, group_id=group.id,
                                now=world.clock.now())
    caplog.set_level(logging.ERROR)
    before = len(world.emulator.calls)
    said = await world.say(boss, "/duty edit 1 时间=19:30-21:30")
    assert refused_requests(world, before) == []
    assert [r.getMessage() for r in caplog.records] == []
    shown = plain(said)
    assert len(said) >= 2  # more than 4,096 characters: in parts, nobody left out
    assert "已修改" in shown and all(p.first_name in shown for p in people)


async def test_from_the_playtest_failed_taps_sign_nobody_up_and_blank_text_is_refused(
    world: World,
) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1")
    alice, bob = world.user("Alice"), world.user("Bob")
    await world.say(alice, "/shift claim 1")
    said = plain(await world.say(bob, "/shift claim 1"))  # full: Bob does not join the roster
    assert "满员" in said and "加入名单" not in said
    said = plain(await world.say(bob, "/shift claim 99999999999999999999"))
    assert "不存在" in said and "加入名单" not in said
    assert "Bob" not in await world.roster()
    # A problem that shows nothing is not a problem.
    for blank in ("\u3164", "\u2800", "!!!"):
        said = plain(await world.say(alice, f"/problem {blank}"))
        assert "至少要有一个字或数字" in said, blank
    # Full-width digits in a setting are the digits they show.
    said = plain(await world.say(boss, "/settings summary_time＝２１：１５"))
    assert "21:30 → 21:15" in said
    # /duty edit with nothing to change shows how, not a quote of something never typed.
    said = plain(await world.say(boss, "/duty edit 1"))
    assert "“" not in said.split("\n")[0] and "/duty edit" in said


async def test_from_the_playtest_the_summary_shows_who_is_still_on_site(world: World) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 1")
    bob = world.user("Bob")
    await world.say(bob, "/shift claim 1")
    at(world, "19:00")
    await world.say(bob, "/checkin")
    at(world, "21:10")
    said = plain(await world.say(boss, "/summary"))
    assert "无人到岗" not in said
    assert "Bob 19:00 已签到" in said


async def test_a_real_release_button_pressed_by_someone_else_changes_nothing(
    world: World,
) -> None:
    boss = await leader(world)
    await world.say(boss, "/duty add 督导 daily 19:00-21:00 need 2")
    alice, mallory = world.user("Alice"), world.user("Mallory")
    await world.say(alice, "/shift claim 1")
    [mine] = await world.say(alice, "/shift mine")  # Alice has not started the bot: in the group
    release = mine.buttons[0]["callback_data"]
    assert release.startswith("rel:")
    assert "不在这个班次" in await tap(world, mine, release, mallory)
    assert mine.buttons[0]["callback_data"] == release  # still Alice's button
    await tap(world, mine, release, alice)  # Alice asks to release: the confirm pair
    pair = [b["callback_data"] for b in mine.buttons]
    assert any(d.startswith("relok:") for d in pair) and any(d.startswith("keep:") for d in pair)
    keep = next(d for d in pair if d.startswith("keep:"))
    assert "不在这个班次" in await tap(world, mine, keep, mallory)
    assert [b["callback_data"] for b in mine.buttons] == pair  # Mallory changed nothing
