"""The rest of the record: training, a commendation, an evaluation, a correction request —
stored, and shown where they belong and nowhere else (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import AuditEntry, Commendation, CorrectionRequest, Evaluation, Training
from tests.e2e.conftest import World
from tests.e2e.test_orgs import private
from tests.e2e.test_roster import count, leader, plain

pytestmark = pytest.mark.usefixtures("many_commands")


async def test_training_and_a_commendation_announced_once(world: World) -> None:
    boss = await leader(world)
    alice, bob = world.user("Alice"), world.user("Bob")
    await world.say(alice, "/signup 王阿姨")
    await world.say(bob, "/signup 李师傅")
    said = plain(await world.say(boss, "/training 王阿姨 李师傅 垃圾分类岗前培训 2026-03-01 2h"))
    assert "📚 已记录培训：王阿姨、李师傅 · 垃圾分类岗前培训 · 3月1日周日 · 2 小时" in said, said
    assert await count(world, Training) == 2
    said = plain(await world.say(alice, "/training 王阿姨 自学"))
    assert "只有本队队长" in said and await count(world, Training) == 2
    said = plain(await world.say(boss, "/training 垃圾分类岗前培训"))
    assert "用法（队长）：/training" in said, said
    for bad in ("2026-13-01", "2027-03-01", "999h"):  # never folded into the title
        said = plain(await world.say(boss, f"/training 王阿姨 消防培训 {bad}"))
        assert "用法（队长）：/training" in said, said
    assert await count(world, Training) == 2

    me = plain(await world.say(alice, "/me", chat=private(world, alice)))
    assert "📚 垃圾分类岗前培训（3月1日周日）" in me, me
    assert "还差 100 小时到一星" in me, me  # training is not service time

    said = await world.say(boss, "/commend 王阿姨 2026年度优秀志愿者")
    assert "🏅 已记录表彰：王阿姨 · 2026年度优秀志愿者" in plain(said), plain(said)
    assert await count(world, Commendation) == 1
    posted = len(world.emulator.bot_messages(world.group))
    world.emulator.tap(said[-1], 0, bob)  # not a leader: nothing is announced
    await world.settle()
    assert len(world.emulator.bot_messages(world.group)) == posted
    world.emulator.tap(said[-1], 0, boss)
    await world.settle()
    notice = plain(world.emulator.bot_messages(world.group)[posted:])
    assert notice == "🏅 恭喜王阿姨获得表彰：2026年度优秀志愿者！", notice
    world.emulator.tap_raw(said[-1], said[-1].buttons[0]["callback_data"] if said[
        -1].buttons else "cmann:1", boss)  # a second tap (forged): announced once only
    await world.settle()
    assert plain(world.emulator.bot_messages(world.group)).count("恭喜王阿姨") == 1


async def test_an_evaluation_is_seen_by_the_volunteer_and_never_in_the_group(
    world: World,
) -> None:
    boss = await leader(world)
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    await world.say(boss, "/signup 陈队长")
    alice_chat = private(world, alice)
    await world.say(alice, "/start", chat=alice_chat)
    boss_chat = private(world, boss)
    said = plain(await world.say(boss, "/evaluate 王阿姨 2026 优秀 认真负责", chat=boss_chat))
    assert "评价已保存：Sunrise Volunteers · 王阿姨 · 2026年：优秀（备注：认真负责）" in said, said
    said = plain(await world.say(alice, "/evaluate 陈队长 2026 合格", chat=alice_chat))
    assert "只有队长才能评价" in said, said
    said = plain(await world.say(boss, "/evaluate 陈队长 2026 优秀", chat=boss_chat))
    assert "不能评价自己" in said, said
    said = plain(await world.say(boss, "/evaluate 王阿姨 2099 优秀", chat=boss_chat))
    assert "用法（队长，私聊）" in said, said
    said = plain(await world.say(boss, "/evaluate 王阿姨 2026", chat=boss_chat))
    assert "用法（队长，私聊）" in said, said
    told = plain(world.emulator.bot_messages(alice_chat))
    assert "Sunrise Volunteers的队长评价了你2026年的服务：优秀" in told, told
    me = plain(await world.say(alice, "/me", chat=alice_chat))
    assert "评价 2026年：优秀" in me, me
    said = plain(await world.say(boss, "/evaluate 王阿姨 2026 良好", chat=boss_chat))
    assert "替换了之前的评价（优秀）" in said, said
    async with world.database.sessions() as session:
        rows = (await session.scalars(select(Evaluation))).all()
        assert [(r.period, r.grade.value) for r in rows] == [("2026", "good")]
        audit = (await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "record.evaluation")
        )).all()
        assert [a.before for a in audit] == [None, {"grade": "excellent"}]
    group_text = plain(world.emulator.bot_messages(world.group))
    assert "优秀" not in group_text and "良好" not in group_text and "认真负责" not in group_text


async def test_a_volunteer_asks_for_a_correction_and_is_told_the_outcome(world: World) -> None:
    boss = await leader(world)
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    boss_chat = private(world, boss)
    await world.say(boss, "/start", chat=boss_chat)
    alice_chat = private(world, alice)
    await world.say(alice, "/start", chat=alice_chat)
    me = await world.say(alice, "/me", chat=alice_chat)
    world.emulator.tap(me[-1], "fix:0", alice)
    await world.settle()
    prompt = world.emulator.bot_messages(alice_chat)[-1]
    assert "请直接回复这条消息" in (prompt.text or ""), prompt.text
    before = len(world.emulator.bot_messages(boss_chat))
    said = plain(await world.say(alice, "11月20日的督导我签退忘了，应该是 2 小时", chat=alice_chat,
                                 reply_to=prompt))
    assert "已发给Sunrise Volunteers的 1 位队长" in said, said
    request = world.emulator.bot_messages(boss_chat)[before:]
    assert len(request) == 1 and "王阿姨（Sunrise Volunteers）申请更正记录" in plain(request)
    world.emulator.tap(request[0], 0, boss)
    await world.settle()
    told = plain(world.emulator.bot_messages(alice_chat)[-1:])
    assert "队长已接受你的更正申请" in told, told
    async with world.database.sessions() as session:
        row = (await session.scalars(select(CorrectionRequest))).one()
        assert row.status.value == "accepted" and row.decided_by == boss.id
