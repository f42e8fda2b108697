"""Groups: approval before use, the bot leaving and coming back, chat migration."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.emulator import html_to_plain
from storage import groups
from storage.models import Group, GroupStatus
from tests.e2e.conftest import World


async def group_row(world: World, chat_id: int) -> Group | None:
    async with world.database.sessions() as session:
        return await groups.by_chat_id(session, chat_id)


async def test_a_new_group_waits_for_approval_and_hears_only_one_explanation(
    world: World,
) -> None:
    em = world.emulator
    leader = em.add_user("Leader")
    stranger_group = em.add_group("Unknown team", members=[leader], bot_member=False)
    em.send(em.private_chat(world.admin), world.admin, "/start")  # the admin can be written to
    await world.settle()
    em.add_bot(stranger_group, by=leader)
    await world.settle()
    em.send(stranger_group, leader, "/signup Leader")
    em.send(stranger_group, leader, "/help")
    await world.settle()

    said = em.bot_messages(stranger_group)
    assert len(said) == 1, [m.text for m in said]
    assert "批准" in html_to_plain(said[0].text or "")
    row = await group_row(world, stranger_group.id)
    assert row is not None and row.status is GroupStatus.PENDING
    assert await world.roster(stranger_group.id) == []

    request = em.last_bot_message(em.private_chat(world.admin))
    assert request is not None and "Unknown team" in (request.text or "")

    # Someone who is not a bot administrator cannot approve, even with the right data.
    query = em.tap_raw(request, request.reply_markup["inline_keyboard"][0][0]["callback_data"],
                       leader)
    await world.settle()
    assert em.callback_answers[query].get("show_alert")
    assert (await group_row(world, stranger_group.id)).status is GroupStatus.PENDING  # type: ignore[union-attr]

    query = em.tap(request, 0, world.admin)
    await world.settle()
    assert "Approved" in em.callback_answers[query]["text"]
    assert (await group_row(world, stranger_group.id)).status is GroupStatus.ACTIVE  # type: ignore[union-attr]
    assert "/signup" in html_to_plain(em.last_bot_message(stranger_group).text or "")  # type: ignore[union-attr]

    replies = await world.say(leader, "/signup Leader", chat=stranger_group)
    assert "Leader" in html_to_plain(replies[0].text or "")


async def test_a_group_that_removes_the_bot_keeps_its_data_and_resumes(world: World) -> None:
    em = world.emulator
    alice = world.user("Alice")
    await world.say(alice, "/signup Alice")
    em.remove_bot(world.group, by=alice)
    await world.settle()
    row = await group_row(world, world.group.id)
    assert row is not None and row.status is GroupStatus.LEFT
    em.add_bot(world.group, by=alice)
    await world.settle()
    row = await group_row(world, world.group.id)
    assert row is not None and row.status is GroupStatus.ACTIVE
    assert await world.roster() == ["Alice"]


async def test_a_chat_migration_keeps_the_members(world: World) -> None:
    em = world.emulator
    basic = em.add_group("Basic team", supergroup=False, chat_id=-4000111)
    alice, bob = world.user("Alice"), world.user("Bob")
    em.add_member(basic, alice)
    em.add_member(basic, bob)
    # approve the basic group through its admin flow: list it as allowed is simpler
    async with world.database.sessions() as session, session.begin():
        group, _ = await groups.see_group(
            session, basic.id, "Basic team", now=world.clock.now(),
            defaults=groups.GroupDefaults("Asia/Shanghai", "zh_CN"), preapproved=True,
        )
        gid = group.id
    await world.say(alice, "/signup Alice", chat=basic)
    super_chat = em.migrate(basic)
    await world.settle()
    await world.say(bob, "/signup Bob", chat=super_chat)
    async with world.database.sessions() as session:
        rows = (await session.scalars(select(Group).where(Group.id == gid))).all()
    assert [r.telegram_chat_id for r in rows] == [super_chat.id]
    assert await world.roster(super_chat.id) == ["Alice", "Bob"]
    assert await group_row(world, basic.id) is None


async def test_a_send_to_the_old_chat_id_follows_the_migration(world: World) -> None:
    em = world.emulator
    basic = em.add_group("Basic team", supergroup=False, chat_id=-4000222)
    async with world.database.sessions() as session, session.begin():
        await groups.see_group(
            session, basic.id, "Basic team", now=world.clock.now(),
            defaults=groups.GroupDefaults("Asia/Shanghai", "zh_CN"), preapproved=True,
        )
    super_chat = em.migrate(basic)
    # The bot posts before it has read the migration notice: Telegram answers ChatMigrated.
    sent = await world.harness.services.outgoing.to_group(basic.id, "hello")
    assert sent is not None and sent.chat.id == super_chat.id
    assert [m.text for m in em.bot_messages(super_chat)] == ["hello"]
    row = await group_row(world, super_chat.id)
    assert row is not None


async def test_the_gate_writes_nothing_for_a_group_as_it_was(world: World) -> None:
    from sqlalchemy import event

    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")  # the group is known now
    await world.say(alice, "/help")  # and read as it is: the gate keeps it
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()[:2]).upper())

    sync = world.database.engine.sync_engine
    event.listen(sync, "before_cursor_execute", seen)
    try:
        world.emulator.send(world.group, alice, "大家好")  # no command: only the gate sees it
        await world.settle()
    finally:
        event.remove(sync, "before_cursor_execute", seen)
    # No write, and (on SQLite) not even the write lock a transaction takes at BEGIN: the
    # group was read a moment ago and is kept, so nothing at all.
    assert statements == [], statements
    # A new title is still saved.
    world.group.title = "Sunrise Volunteers 2"
    world.emulator.send(world.group, alice, "/today")
    await world.settle()
    from storage import groups

    async with world.database.sessions() as session:
        found = await groups.by_chat_id(session, world.group.id)
    assert found is not None and found.title == "Sunrise Volunteers 2"


async def test_each_update_is_one_debug_line_without_its_text(
    world: World, caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    alice = world.user("Alice")
    with caplog.at_level(logging.DEBUG, logger="bot.gate"):
        world.emulator.send(world.group, alice, "/signup 王秀英的秘密")
        world.emulator.send(world.group, alice, "我的手机号13800000000")
        await world.settle()
    lines = [r for r in caplog.records if r.name == "bot.gate"]
    ids = [r.getMessage().split(":")[0] for r in lines]  # "update N": one line each
    assert len(lines) >= 2 and len(set(ids)) == len(ids), ids
    assert {r.levelno for r in lines} == {logging.DEBUG}
    text = " ".join(r.getMessage() for r in lines)
    assert "command /signup" in text and "message" in text, text
    assert "秘密" not in text and "13800000000" not in text


async def _set_group(world: World, chat_id: int, **values: str) -> None:
    """Change a group's row as another instance would: this process is not told."""
    from sqlalchemy import update

    async with world.database.engine.begin() as conn:
        await conn.execute(update(Group).where(Group.telegram_chat_id == chat_id).values(**values))


async def test_a_change_made_by_another_instance_is_seen_within_the_keeping_time(
    world: World,
) -> None:
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")  # the group is known now
    await world.say(alice, "/help")  # and read as it is: the gate keeps it
    await _set_group(world, world.group.id, language="en")
    kept = await world.say(alice, "/today")
    assert "今天" in html_to_plain(kept[-1].text or ""), kept[-1].text  # the kept copy
    world.harness.services.groups.ttl = 0.0  # the keeping time has passed
    fresh = await world.say(alice, "/today")
    assert "Today" in html_to_plain(fresh[-1].text or ""), fresh[-1].text
    # A change made here is seen at once, whatever the keeping time.
    world.harness.services.groups.ttl = 3600.0
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    await world.say(boss, "/lang zh_CN")
    again = await world.say(alice, "/today")
    assert "今天" in html_to_plain(again[-1].text or ""), again[-1].text


async def test_a_group_approved_by_another_instance_is_served_at_once(world: World) -> None:
    em = world.emulator
    leader = em.add_user("Leader")
    stranger_group = em.add_group("Unknown team", members=[leader], bot_member=False)
    em.add_bot(stranger_group, by=leader)
    await world.settle()
    em.send(stranger_group, leader, "/help")
    await world.settle()
    assert len(em.bot_messages(stranger_group)) == 1  # the one explanation, nothing else
    await _set_group(world, stranger_group.id, status=GroupStatus.ACTIVE.value)
    replies = await world.say(leader, "/signup Leader", chat=stranger_group)
    assert replies and "Leader" in html_to_plain(replies[0].text or "")
