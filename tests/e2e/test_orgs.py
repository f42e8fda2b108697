"""A community office and its teams: creating one, teams joining with a code and a staff
member's approval, staff links, volunteer numbers, real names, stars across the teams
(both databases)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.emulator import FakeChat, FakeUser
from storage import corrections, groups, members
from storage.db import transaction
from storage.models import AuditEntry, OrgStaff, PointsEntry, StarLevel
from tests.e2e.conftest import FORUM_CHAT_ID, World
from tests.e2e.test_roster import plain

SHANGHAI = ZoneInfo("Asia/Shanghai")


pytestmark = pytest.mark.usefixtures("many_commands")


def private(world: World, user: FakeUser) -> FakeChat:
    user.started = True
    return world.emulator.private_chat(user)


async def create_org(world: World, name: str = "幸福里社区居委会") -> str:
    """The bot admin sets up the organisation; returns the join code."""
    said = plain(await world.say(world.admin, f"/org new {name}", chat=private(world, world.admin)))
    assert "is set up, and you are its first staff member" in said
    found = re.search(r"Join code for teams: ([A-Z0-9]{8})", said)
    assert found is not None, said
    return found[1]


async def join(world: World, chat: FakeChat, admin: FakeUser, code: str) -> None:
    """A team's Telegram admin asks; the office approves with the button."""
    office = private(world, world.admin)
    before = len(world.emulator.bot_messages(office))
    said = plain(await world.say(admin, f"/org join {code}", chat=chat))
    assert "已向幸福里社区居委会提出加入申请" in said, said
    request = world.emulator.bot_messages(office)[before:]
    assert len(request) == 1 and "asks to join" in (request[0].text or "")
    posted = len(world.emulator.bot_messages(chat))
    world.emulator.tap(request[0], 0, world.admin)
    world.emulator.tap(request[0], 0, world.admin)  # a double tap decides once, quietly
    await world.settle()
    assert "has joined" in (world.emulator.bot_messages(office)[-1].text or "")
    notice = plain(world.emulator.bot_messages(chat)[posted:])
    assert "本队已加入幸福里社区居委会" in notice, notice


async def hours(world: World, chat: FakeChat, user: FakeUser, days: int, each: int) -> None:
    """A leader's entries for the last `days` days in the team of `chat`."""
    async with transaction(world.database.sessions) as session:
        group = await groups.by_chat_id(session, chat.id)
        person = await members.person_of(session, user.id)
        assert group is not None and person is not None
        today = world.clock.now().date()
        for n in range(1, days + 1):
            await corrections.set_hours(
                session, group, person, day=today - timedelta(days=n), minutes=each * 60,
                span=None, note=None, actor=777, now=world.clock.now(),
            )


async def test_two_teams_join_and_a_volunteer_earns_stars_on_their_combined_hours(
    world: World,
) -> None:
    boss1 = world.user("Boss1")
    world.emulator.set_admin(world.group, boss1)
    boss2 = world.emulator.add_user("Boss2")
    team2 = world.emulator.add_group("夕阳红服务队", chat_id=FORUM_CHAT_ID, admins=[boss2])
    alice = world.user("Alice")
    world.emulator.add_member(team2, alice)
    await world.say(alice, "/signup 王阿姨")
    await world.say(alice, "/signup 王阿姨", chat=team2)
    code = await create_org(world)

    # Someone who is not the group's Telegram admin cannot ask; a wrong code is refused.
    said = plain(await world.say(alice, f"/org join {code}"))
    assert "只有本群管理员" in said, said
    said = plain(await world.say(boss1, "/org join WRONG123"))
    assert "加入码无效" in said, said
    await join(world, world.group, boss1, code.lower())  # typed in lower case: still read
    await join(world, team2, boss2, code)
    said = plain(await world.say(boss1, f"/org join {code}"))
    assert "本队已经是幸福里社区居委会的一支队伍" in said, said

    # 60 h in one team and 50 h in the other: 110 h across the organisation is 一星,
    # though neither team alone reaches 100 h.
    await hours(world, world.group, alice, 10, 6)
    await hours(world, team2, alice, 10, 5)
    await world.harness.tick()
    me = plain(await world.say(alice, "/me", chat=private(world, alice)))
    assert "⭐ 一星 · 还差 190 小时到二星" in me, me
    assert "志愿者编号：0001" in me, me
    async with world.database.sessions() as session:
        levels = (await session.scalars(select(StarLevel))).all()
        assert [(lv.scope, lv.level, lv.announce) for lv in levels] == [("org:1", 1, True)]
        points = (await session.scalars(select(PointsEntry))).all()
        assert sum(p.points for p in points) == 110 * 10

    # The office sees both teams privately, Alice counted once; a team leader who is not
    # office staff gets only their own team (in the group), never the organisation.
    said = plain(await world.say(world.admin, "/stats", chat=private(world, world.admin)))
    assert "Volunteers: 1" in said and "Sunrise Volunteers: volunteers 1" in said, said
    assert "夕阳红服务队: volunteers 1 · person-times 10 · hours 50 h" in said, said
    said = plain(await world.say(boss1, "/stats", chat=private(world, boss1)))
    assert "在这里只给社区工作人员" in said, said
    said = plain(await world.say(boss1, "/stats"))
    assert "服务时长：60 小时" in said and "夕阳红" not in said, said


async def test_staff_links_work_once_and_only_staff_see_the_organisation(world: World) -> None:
    await create_org(world)
    office = private(world, world.admin)
    said = plain(await world.say(world.admin, "/org new 幸福里社区居委会", chat=office))
    assert "exists already" in said, said
    said = plain(await world.say(world.admin, "/org invite", chat=office))
    link = re.search(r"start=(s-[A-Za-z0-9_-]+)", said)
    assert link is not None, said
    carol, dave = world.emulator.add_user("Carol"), world.emulator.add_user("Dave")
    said = plain(await world.say(carol, f"/start {link[1]}", chat=private(world, carol)))
    assert "你已成为幸福里社区居委会的工作人员" in said, said
    said = plain(await world.say(dave, f"/start {link[1]}", chat=private(world, dave)))
    assert "链接已经用过或已过期" in said, said
    said = plain(await world.say(dave, "/org", chat=private(world, dave)))
    assert "私聊里只有社区工作人员能这样做" in said, said
    # Carol sets the prefix; the change is audited; a bad prefix changes nothing.
    said = plain(await world.say(carol, "/org settings prefix=xfl", chat=private(world, carol)))
    assert "编号前缀（前缀）：XFL" in said, said
    said = plain(await world.say(carol, "/org settings 负责人=张主任", chat=private(world, carol)))
    assert "负责人：张主任" in said, said
    said = plain(await world.say(carol, "/org settings prefix=X-F", chat=private(world, carol)))
    assert "编号前缀（前缀）填得不对：X-F" in said, said
    async with world.database.sessions() as session:
        staff = (await session.scalars(select(OrgStaff))).all()
        assert len(staff) == 2
        changes = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "org.settings"))
        ).all()
        assert [c.after for c in changes] == [{"prefix": "XFL"}, {"head": "张主任"}]


async def test_a_real_name_is_kept_privately_and_never_shown_in_the_group(world: World) -> None:
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    said = plain(await world.say(alice, "/realname 王秀英"))
    assert "请在和机器人的私聊里使用" in said and "请把它删掉" in said, said
    chat = private(world, alice)
    said = plain(await world.say(alice, "/realname 王秀英", chat=chat))
    assert "实名已保存：王秀英" in said, said
    me = plain(await world.say(alice, "/me", chat=chat))
    assert "实名：王秀英" in me, me
    async with world.database.sessions() as session:
        person = await members.person_of(session, alice.id)
        assert person is not None and person.real_name == "王秀英"
    group_text = plain(world.emulator.bot_messages(world.group))
    assert "王秀英" not in group_text


def at(world: World, day: int, hour: int, minute: int = 0) -> None:
    world.clock.set(datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC))


async def two_teams(world: World) -> tuple[FakeChat, FakeUser, FakeUser]:
    """幸福里 with Sunrise Volunteers and 夕阳红; Alice (王阿姨) and Bob (李师傅) in both."""
    boss1 = world.user("Boss1")
    world.emulator.set_admin(world.group, boss1)
    boss2 = world.emulator.add_user("Boss2")
    team2 = world.emulator.add_group("夕阳红服务队", chat_id=FORUM_CHAT_ID, admins=[boss2])
    alice, bob = world.user("Alice"), world.user("Bob")
    for user, name in ((alice, "王阿姨"), (bob, "李师傅")):
        world.emulator.add_member(team2, user)
        await world.say(user, f"/signup {name}")
        await world.say(user, f"/signup {name}", chat=team2)
    code = await create_org(world)
    await join(world, world.group, boss1, code)
    await join(world, team2, boss2, code)
    return team2, alice, bob


async def test_a_level_is_announced_once_in_the_summary_and_privately(world: World) -> None:
    team2, alice, _bob = await two_teams(world)
    alice_chat = private(world, alice)
    await world.say(alice, "/start", chat=alice_chat)
    at(world, 24, 19)
    await hours(world, world.group, alice, 10, 6)  # 60 h: no level yet
    await world.harness.tick()
    await hours(world, team2, alice, 10, 5)  # 50 h more in 夕阳红: 110 h, 一星
    before = len(world.emulator.bot_messages(alice_chat))
    await world.harness.tick()
    await world.settle()
    said = plain(world.emulator.bot_messages(alice_chat)[before:])
    assert "🎉 恭喜你！你在幸福里社区居委会服务满 100 小时，升为一星志愿者。" in said, said

    # The summary of 夕阳红 (where the hours that reached it were served) names her, once;
    # Sunrise's summary does not.
    at(world, 24, 21, 30)
    posted = {c.id: len(world.emulator.bot_messages(c)) for c in (world.group, team2)}
    await world.harness.tick()
    await world.settle()
    team2_said = plain(world.emulator.bot_messages(team2)[posted[team2.id]:])
    sunrise_said = plain(world.emulator.bot_messages(world.group)[posted[world.group.id]:])
    assert team2_said.count("🎉 王阿姨服务满 100 小时，升为一星志愿者！") == 1, team2_said
    assert "🎉" not in sunrise_said, sunrise_said

    # A correction below the threshold is not announced; back above it is not news either.
    await hours(world, team2, alice, 10, 1)  # 70 h
    await world.harness.tick()
    me = plain(await world.say(alice, "/me", chat=alice_chat))
    assert "还差 30 小时到一星" in me and "⭐" not in me, me
    await hours(world, team2, alice, 10, 5)  # 110 h again
    for day in (25, 26):
        at(world, day, 21, 30)
        await world.harness.tick()
    await world.settle()
    everything = plain(world.emulator.bot_messages(team2) + world.emulator.bot_messages(
        world.group) + world.emulator.bot_messages(alice_chat))
    assert everything.count("升为一星志愿者") == 2, everything  # the summary and privately
    async with world.database.sessions() as session:
        person = await members.person_of(session, alice.id)
        assert person is not None
        passbook = (await session.scalars(
            select(PointsEntry).where(PointsEntry.person_id == person.id)
            .order_by(PointsEntry.id)
        )).all()
    # Earned at confirmation, corrected down and up again: lines are added, never changed.
    assert [p.kind.value for p in passbook].count("corrected") == 20
    assert sum(p.points for p in passbook) == 110 * 10


async def test_a_level_corrected_away_before_the_summary_is_not_announced(
    world: World,
) -> None:
    team2, alice, _bob = await two_teams(world)
    at(world, 24, 19)
    await hours(world, team2, alice, 10, 11)  # 110 h: 一星
    await world.harness.tick()
    await hours(world, team2, alice, 10, 9)  # 90 h again before the summary
    at(world, 24, 21, 30)
    posted = len(world.emulator.bot_messages(team2))
    await world.harness.tick()
    await world.settle()
    assert "升为一星" not in plain(world.emulator.bot_messages(team2)[posted:])
    # Reached again the next day, it is news then (once).
    await hours(world, team2, alice, 10, 11)
    for day in (25, 26):
        at(world, day, 21, 30)
        await world.harness.tick()
    await world.settle()
    assert plain(world.emulator.bot_messages(team2)).count("🎉 王阿姨服务满 100 小时") == 1


async def test_a_hidden_volunteer_is_not_named_and_a_level_waits_a_day_for_a_summary(
    world: World,
) -> None:
    _team2, alice, bob = await two_teams(world)
    bob_chat = private(world, bob)
    await world.say(bob, "/start", chat=bob_chat)
    said = await world.say(bob, "/me", chat=bob_chat)
    world.emulator.tap(said[-1], "mehide:1", bob)
    await world.settle()
    assert "排行和表彰中不显示你的名字" in plain(world.emulator.bot_messages(bob_chat)[-1:])
    at(world, 24, 23, 45)  # too late for the day's summary (due 21:30, two hours' grace)
    await hours(world, world.group, alice, 20, 6)  # 120 h: 一星
    await hours(world, world.group, bob, 20, 6)
    await world.harness.tick()
    # Nobody ticks on the 25th (the bot was down): on the 26th, more than a day later and
    # outside quiet hours, the level is announced on its own; Bob, who asked not to be
    # named, is not.
    at(world, 26, 7, 30)
    posted = len(world.emulator.bot_messages(world.group))
    await world.harness.tick()
    await world.settle()
    said = plain(world.emulator.bot_messages(world.group)[posted:])
    assert said == "🎉 王阿姨服务满 100 小时，升为一星志愿者！", said
    assert "升为一星志愿者" in plain(world.emulator.bot_messages(bob_chat))
    # In /stats Bob's hours count, but he is not named among those with the most hours.
    said = plain(await world.say(alice, "/stats"))
    assert "志愿者：2 人" in said and "服务时长：240 小时" in said, said
    assert "1. 王阿姨 120 小时" in said and "李师傅" not in said, said
