"""Signing up, names, leaving and chat migration, against real databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage import audit, groups, members
from storage.cleaning import TextProblem, clean_name, clean_text, is_forgotten_label, name_key
from storage.db import transaction
from storage.groups import GroupDefaults
from storage.members import Profile, UserRef
from storage.models import Group, GroupStatus, Membership
from tests.conftest import START, Database

DEFAULTS = GroupDefaults("Asia/Shanghai", "zh_CN")
ALICE = UserRef(1001, "Alice Li", "alice", "en")
BOB = UserRef(1002, "Bob", None, "zh-hans")


async def new_group(db: Database, chat_id: int = -1001, *, approved: bool = True) -> int:
    async with transaction(db.sessions) as session:
        group, created = await groups.see_group(
            session, chat_id, "Sunrise team", now=START, defaults=DEFAULTS, preapproved=approved
        )
        assert created
        return group.id


async def test_signup_registers_and_updates(database: Database) -> None:
    gid = await new_group(database)
    async with transaction(database.sessions) as session:
        first = await members.signup(session, gid, ALICE, Profile("Alice"), now=START)
    assert isinstance(first, members.Registered)
    async with transaction(database.sessions) as session:
        again = await members.signup(session, gid, ALICE, Profile("Alice"), now=START)
        changed = await members.signup(
            session, gid, ALICE, Profile("Alice", building="3号楼"), now=START
        )
    assert isinstance(again, members.Unchanged)
    assert isinstance(changed, members.Updated) and changed.changed == ("building",)
    async with database.sessions() as session:
        rows = (await session.scalars(select(Membership))).all()
        assert [(m.display_name, m.building) for m in rows] == [("Alice", "3号楼")]
        log = await audit.entries(session, group_id=gid)
        assert [e.action for e in log] == ["group.seen", "member.signup", "member.update"]
        assert log[-1].before["building"] is None and log[-1].after["building"] == "3号楼"


async def test_display_names_are_unique_in_a_group_ignoring_case(database: Database) -> None:
    gid = await new_group(database)
    other = await new_group(database, -1002)
    async with transaction(database.sessions) as session:
        await members.signup(session, gid, ALICE, Profile("Alice"), now=START)
    async with transaction(database.sessions) as session:
        taken = await members.signup(session, gid, BOB, Profile("ALICE"), now=START)
        elsewhere = await members.signup(session, other, BOB, Profile("Alice"), now=START)
    assert isinstance(taken, members.NameTaken)
    assert isinstance(elsewhere, members.Registered)
    async with database.sessions() as session:
        names = (await session.scalars(
            select(Membership.display_name).where(Membership.group_id == gid)
        )).all()
    assert names == ["Alice"]


async def test_leave_keeps_history_and_frees_the_name(database: Database) -> None:
    gid = await new_group(database)
    async with transaction(database.sessions) as session:
        await members.signup(session, gid, ALICE, Profile("Alice"), now=START)
    later = START + timedelta(days=1)
    async with transaction(database.sessions) as session:
        left = await members.leave(session, gid, ALICE.telegram_user_id, actor=1001, now=later)
        again = await members.leave(session, gid, ALICE.telegram_user_id, actor=1001, now=later)
    assert isinstance(left, members.Left) and isinstance(again, members.NotMember)
    async with transaction(database.sessions) as session:
        bob = await members.signup(session, gid, BOB, Profile("Alice"), now=later)
    assert isinstance(bob, members.Registered)
    async with database.sessions() as session:
        rows = (await session.scalars(select(Membership).order_by(Membership.id))).all()
    assert [(m.person_id != rows[0].person_id, m.active) for m in rows] == [
        (False, False), (True, True)
    ]
    assert rows[0].left_at == later


async def test_rejoining_reactivates_the_same_membership(database: Database) -> None:
    gid = await new_group(database)
    async with transaction(database.sessions) as session:
        await members.signup(session, gid, ALICE, Profile("Alice"), now=START)
        await members.leave(session, gid, ALICE.telegram_user_id, actor=1001, now=START)
    async with transaction(database.sessions) as session:
        back = await members.signup(session, gid, ALICE, Profile("Alice"), now=START)
    assert isinstance(back, members.Registered) and back.rejoined
    async with database.sessions() as session:
        assert len((await session.scalars(select(Membership))).all()) == 1


async def test_instants_come_back_aware_utc(database: Database) -> None:
    gid = await new_group(database)
    async with database.sessions() as session:
        group = await session.get(Group, gid)
        assert group is not None
        assert group.created_at == START and group.created_at.tzinfo is not None
        assert group.created_at.utcoffset() == timedelta(0)


@pytest.mark.race(sessions=12)
async def test_race_concurrent_signups_for_one_name_give_it_to_one(database: Database) -> None:
    gid = await new_group(database)
    people = [UserRef(2000 + i, f"P{i}") for i in range(12)]

    async def attempt(user: UserRef) -> members.SignupResult:
        async with transaction(database.sessions) as session:
            return await members.signup(session, gid, user, Profile("Lucky"), now=START)

    results = await asyncio.gather(*(attempt(u) for u in people))
    winners = [r for r in results if isinstance(r, members.Registered)]
    assert len(winners) == 1
    assert sum(isinstance(r, members.NameTaken) for r in results) == 11


async def test_group_lifecycle_pending_approved_left_back(database: Database) -> None:
    gid = await new_group(database, approved=False)
    async with transaction(database.sessions) as session:
        assert await groups.mark_pending_notice_sent(session, gid)
        assert not await groups.mark_pending_notice_sent(session, gid)
        result = await groups.approve(session, gid, by=42, now=START)
        assert isinstance(result, groups.Approved)
        assert isinstance(await groups.approve(session, gid, by=42, now=START),
                          groups.AlreadyApproved)
        await groups.mark_left(session, -1001, by=7, now=START)
    async with transaction(database.sessions) as session:
        group = await groups.by_id(session, gid)
        assert group is not None and group.status is GroupStatus.LEFT
        back, created = await groups.see_group(
            session, -1001, "Sunrise team", now=START, defaults=DEFAULTS, preapproved=False
        )
        assert not created and back.status is GroupStatus.ACTIVE


async def test_migration_moves_the_group_and_folds_a_placeholder(database: Database) -> None:
    gid = await new_group(database, -4001)
    async with transaction(database.sessions) as session:
        await members.signup(session, gid, ALICE, Profile("Alice"), now=START)
        # The new supergroup's first message may be seen before the migration notice.
        await groups.see_group(
            session, -1009, "Sunrise team", now=START, defaults=DEFAULTS, preapproved=False
        )
    async with transaction(database.sessions) as session:
        moved = await groups.migrate_chat(session, -4001, -1009, now=START)
        again = await groups.migrate_chat(session, -4001, -1009, now=START)
    assert moved is not None and moved.id == gid and again is not None and again.id == gid
    async with database.sessions() as session:
        rows = (await session.scalars(select(Group))).all()
        assert [(g.id, g.telegram_chat_id) for g in rows] == [(gid, -1009)]
        member = await members.membership_of(session, gid, ALICE.telegram_user_id)
        assert member is not None and member.active


def test_clean_text_rules() -> None:
    assert clean_text("  王  阿姨 ", 32) == "王 阿姨"
    # Stored as typed: full-width punctuation stays; names compare in NFKC.
    assert clean_text("王阿姨（3号楼）！", 32) == "王阿姨（3号楼）！"
    assert name_key("Ａｌｉｃｅ") == name_key("alice")
    assert clean_text("\u200b", 32) is TextProblem.EMPTY
    assert clean_text("x" * 33, 32) is TextProblem.TOO_LONG
    assert clean_text("bad\x07bell", 32) == "badbell"  # control characters are removed
    assert clean_text("<b>Tom_*[", 32) == "<b>Tom_*["


def test_free_text_keeps_its_lines_and_loses_what_only_does_harm() -> None:
    typed = "3号楼\x00垃圾桶\u200e坏了\r\n\n\n\n东门\t路灯  不亮 👨\u200d👩\u200d👧\n"
    family = "👨\u200d👩\u200d👧"
    assert clean_text(typed, 100, lines=True) == f"3号楼垃圾桶坏了\n\n东门 路灯 不亮 {family}"
    assert clean_text(typed, 100) == "3号楼垃圾桶坏了 东门 路灯 不亮 👨\u200d👩\u200d👧"
    assert clean_text("\x00\x01\u202e", 10) is TextProblem.EMPTY


def test_names_are_visible_and_distinct() -> None:
    assert clean_name("Alice\u200e", 32) == "Alice"
    assert name_key("Alice\u200e") == name_key("ALICE") == name_key("Ａlice")
    for blank in ("\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", "A\u2028B", "A\u2029B",
                  "\ue000", "\U000f0000", "\u0378"):
        assert clean_name(blank, 32) is TextProblem.UNSHOWABLE, repr(blank)
    assert clean_name("— · —", 32) is TextProblem.NO_LETTER
    assert clean_name("王阿姨 2", 32) == "王阿姨 2"
    # Newer than Python's Unicode tables, but Telegram shows them: an emoji, a rare CJK name
    # character; emoji-only names are names too.
    assert clean_name("小明🩷", 32) == "小明🩷"
    assert clean_name("李\U00031350", 32) == "李\U00031350"
    assert clean_name("🐼", 32) == "🐼"
    assert clean_name("\ufdd0", 32) is TextProblem.UNSHOWABLE  # a noncharacter
    # Spacing controls are spaces, not nothing; a line separator is a line break in notes.
    assert clean_text("王\x0b芳", 32) == "王 芳"
    assert clean_text("第一行\u2028第二行", 32, lines=True) == "第一行\n第二行"


def test_utc_type_refuses_naive_datetimes() -> None:
    import pytest

    from storage.types import UTCDateTime

    with pytest.raises(ValueError):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), None)  # type: ignore[arg-type]
    assert UTCDateTime().process_result_value(datetime(2026, 1, 1), None) == datetime(  # type: ignore[arg-type]
        2026, 1, 1, tzinfo=UTC
    )


async def test_a_group_change_counts_once_its_transaction_commits(database: Database) -> None:
    """The gate drops its copy of a group when this count moves: not before the change is
    committed (a savepoint released inside the transaction is not a commit), and not for a
    transaction that changed no group."""
    async with transaction(database.sessions) as session:
        group, _ = await groups.see_group(
            session, -1009, "Team", now=START, defaults=GroupDefaults("Asia/Shanghai", "zh_CN"),
            preapproved=True,
        )
    before = groups.changes()
    async with transaction(database.sessions) as session:
        row = await groups.by_id(session, group.id)
        assert row is not None
        row.language = "en"
        await session.flush()
        async with session.begin_nested():
            pass  # a savepoint released
        assert groups.changes() == before
    assert groups.changes() == before + 1
    async with transaction(database.sessions) as session:
        await members.upsert_person(session, UserRef(5, "Ann"), now=START)
    assert groups.changes() == before + 1


async def test_a_telegram_name_that_numbered_reads_as_an_erased_label_joins_unnamed(
    database: Database,
) -> None:
    gid = await new_group(database)
    async with transaction(database.sessions) as session:  # someone holds the bare form
        held = await members.signup(session, gid, ALICE, Profile("Former volunteer #"),
                                    now=START)
    assert isinstance(held, members.Registered)
    lookalike = UserRef(9, "Former volunteer #")  # "…# 2" would read as a label
    async with transaction(database.sessions) as session:
        membership, _person, joined = await members.ensure_member(session, gid, lookalike,
                                                                  now=START)
    assert joined and not is_forgotten_label(membership.display_name)
    assert membership.display_name.split()[0] in members.UNNAMED.values(), membership.display_name
