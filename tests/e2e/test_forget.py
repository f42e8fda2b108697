"""/forgetme end to end: a volunteer is erased — names, identity, places, roles, imported
rows, the passbook — while the hours stay under "已注销志愿者 #N" and an issued certificate
keeps verifying by the masked name."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from storage import pacing
from storage.db import at_once
from storage.models import (
    Attendance,
    AuditEntry,
    Certificate,
    Claim,
    ClaimStatus,
    Membership,
    Person,
    RosterEntry,
)
from tests.e2e.conftest import World
from tests.e2e.test_import import send_file
from tests.e2e.test_orgs import create_org, hours, join, private
from tests.e2e.test_roster import plain

pytestmark = pytest.mark.usefixtures("many_commands")


async def test_a_volunteer_is_forgotten_and_the_team_keeps_the_hours(world: World) -> None:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    alice = world.user("Alice", username="wangayi")
    await world.say(boss, "/signup 陈队长")
    await world.say(alice, "/signup 王阿姨 楼栋=3号楼 技能=剪纸")
    code = await create_org(world)
    await join(world, world.group, boss, code)
    await hours(world, world.group, alice, 2, 3)
    chat = private(world, alice)
    await world.say(alice, "/realname 王秀英", chat=chat)
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1-2人 在 3号投放点")
    await world.say(alice, "/shift claim 2")  # tomorrow's
    # The office's list links her; the office issues a certificate.
    boss_chat = private(world, boss)
    answer = await send_file(world, boss, boss_chat, "名单.csv",
                             "姓名,称呼,Telegram\n王秀英,王阿姨,@wangayi\n".encode())
    world.emulator.tap(answer[-1], 0, boss)
    office = private(world, world.admin)
    before = len(world.emulator.bot_messages(office))
    await world.say(boss, "/certificate 王阿姨 2026")
    [request] = world.emulator.bot_messages(office)[before:]
    world.emulator.tap(request, 0, world.admin)
    await world.settle()
    async with world.database.sessions() as session:
        number = await session.scalar(select(Certificate.number))
        served = await session.scalar(select(func.sum(Attendance.minutes)))
    assert number is not None and served == 360

    said = plain(await world.say(alice, "/forgetme"))
    assert "请私聊发送 /forgetme" in said, said
    async with at_once(world.database.sessions) as db:  # as several instances keep it
        await pacing.keep_bucket(db, world.group.id, alice.id, pacing.Bucket(3.0, time.time()),
                                 None)
    [question] = await world.say(alice, "/forgetme", chat=chat)
    assert "会留下的：你的服务时长和汇报" in plain([question]), plain([question])
    world.emulator.tap(question, 1, alice)  # no: nothing happens
    await world.settle()
    assert "没有删除任何内容" in plain([world.emulator.find_message(chat, question.message_id)])
    [question] = await world.say(alice, "/forgetme", chat=chat)
    world.emulator.tap(question, 0, alice)
    await world.settle()
    done = world.emulator.find_message(chat, question.message_id)
    assert "已注销：机器人不再记得你" in plain([done]), done.text

    async with world.database.sessions() as session:
        person = await session.scalar(select(Person).where(Person.id == (
            await session.scalar(select(Attendance.person_id)))))
        assert person is not None
        assert (person.real_name, person.username, person.telegram_name) == (None, None, "")
        assert person.telegram_user_id < 0
        membership = await session.scalar(
            select(Membership).where(Membership.person_id == person.id))
        assert membership is not None and not membership.active
        assert membership.display_name == f"已注销志愿者 #{membership.id}"
        assert (membership.building, membership.skills) == (None, None)
        claims = list(await session.scalars(select(Claim.status).where(
            Claim.person_id == person.id)))
        assert ClaimStatus.ACTIVE not in claims
        assert await session.scalar(select(func.count(RosterEntry.id))) == 0
        assert await session.scalar(select(func.sum(Attendance.minutes))) == served
        assert await pacing.bucket(await session.connection(), world.group.id, alice.id) is None
        logged = [(a.actor_telegram_id, a.before, a.after, a.note)
                  for a in await session.scalars(select(AuditEntry))]
        certificate = await session.scalar(select(Certificate))
        assert certificate is not None and certificate.snapshot is not None
        assert certificate.snapshot["name"] == "王*英"
    assert "王秀英" not in repr(logged) and "剪纸" not in repr(logged)
    assert alice.id not in [actor for actor, *_ in logged]
    # The certificate still verifies, by the masked name; the team's figures stand.
    said = plain(await world.say(boss, f"/verify {number}"))
    assert "✅ 有效" in said and "王*英" in said, said
    said = plain(await world.say(boss, "/today"))
    assert "王阿姨" not in said
    said = plain(await world.say(alice, "/me", chat=chat))
    assert "还没有记录" in said or "报名" in said, said


async def test_a_forgotten_approver_sends_a_notice_back_to_the_office(world: World) -> None:
    from datetime import timedelta

    from storage.models import CertificateStatus

    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    alice = world.user("Alice")
    await world.say(boss, "/signup 陈队长")
    await world.say(alice, "/signup 王阿姨")
    code = await create_org(world)
    await join(world, world.group, boss, code)
    office = private(world, world.admin)
    await world.say(world.admin, "/org settings 公示天数=1", chat=office)
    await hours(world, world.group, alice, 2, 3)
    await world.say(alice, "/realname 王秀英", chat=private(world, alice))
    before = len(world.emulator.bot_messages(office))
    await world.say(boss, "/certificate 王阿姨 2026")
    [request] = world.emulator.bot_messages(office)[before:]
    world.emulator.tap(request, 0, world.admin)  # on notice now
    await world.settle()
    await world.say(world.admin, "/forgetme", chat=office)
    await world.settle()
    [question] = [m for m in world.emulator.bot_messages(office)
                  if (m.text or "").startswith("Forget me")]
    world.emulator.tap(question, 0, world.admin)
    await world.settle()
    world.clock.advance(timedelta(days=1))
    await world.harness.tick()  # the scheduler goes on: nothing raised, nothing issued
    await world.settle()
    async with world.database.sessions() as session:
        certificate = await session.scalar(select(Certificate))
    assert certificate is not None and certificate.number is None
    assert certificate.status is CertificateStatus.REQUESTED
    assert certificate.decided_by is None  # no trace of the forgotten staff member
