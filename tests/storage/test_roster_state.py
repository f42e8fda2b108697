"""The roster's state and its latest message against real databases: what a rendering read
is what the one-query look-again reads while nothing changed, and differs once anything it
shows changed (a claimant's name too); remembering a new roster message keeps one row per
group."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storage import claims, duties, members, roster
from storage.db import at_once, reading, transaction
from storage.members import UserRef
from storage.models import ClaimStatus, Duty, RosterMessage, Shift
from tests.conftest import START, Database
from tests.storage.test_claims import person, setup_shift

DAYS = 7


async def rendered(db: Database, gid: int) -> duties.RosterState:
    """The state as a rendering reads it."""
    async with reading(db.sessions) as session:
        _found, state = await duties.roster(session, gid, now=START, days=DAYS)
    return state


async def looked_again(db: Database, gid: int) -> duties.RosterState:
    async with reading(db.sessions) as session:
        return await duties.roster_state(session, gid, now=START, days=DAYS)


async def test_the_state_read_again_equals_the_rendered_one_until_something_shown_changes(
    database: Database,
) -> None:
    gid, sid = await setup_shift(database, need_max=1)
    empty = await rendered(database, gid)
    assert len(empty) == 1 and empty == await looked_again(database, gid)  # no claims yet

    alice, bob = await person(database, 1), await person(database, 2)
    async with transaction(database.sessions) as session:
        assert isinstance(await claims.claim(session, sid, alice, group_id=gid, now=START),
                          claims.Claimed)
        assert isinstance(await claims.join_waitlist(session, sid, bob, group_id=gid, now=START),
                          claims.Waitlisted)
    with_claims = await rendered(database, gid)
    assert with_claims != empty and len(with_claims) == 2  # one on it, one waiting
    assert with_claims == await looked_again(database, gid)

    async with transaction(database.sessions) as session:  # a leader changes the numbers
        shift = await session.get(Shift, sid)
        assert shift is not None
        shift.need_max = 3
    assert await looked_again(database, gid) != with_claims
    assert await rendered(database, gid) == await looked_again(database, gid)

    before = await looked_again(database, gid)
    async with transaction(database.sessions) as session:  # the duty moves elsewhere
        shift = await session.get(Shift, sid)
        assert shift is not None
        duty = await session.get(Duty, shift.duty_id)
        assert duty is not None
        duty.place = "3号点"
    assert await looked_again(database, gid) != before
    assert await rendered(database, gid) == await looked_again(database, gid)


async def test_a_rendering_reads_names_in_order_and_a_rename_changes_the_state(
    database: Database,
) -> None:
    gid, sid = await setup_shift(database, need_max=1)
    async with transaction(database.sessions) as session:
        for uid, name in ((1, "王阿姨"), (2, "李师傅")):
            _membership, someone, _joined = await members.ensure_member(
                session, gid, UserRef(uid, name), now=START)
            join = claims.claim if uid == 1 else claims.join_waitlist
            await join(session, sid, someone, group_id=gid, now=START)
    async with reading(database.sessions) as session:
        found, state = await duties.roster(session, gid, now=START, days=DAYS)
    assert [(entry.shift.id, entry.duty.name, entry.claims) for entry in found] == [
        (sid, "督导", [(ClaimStatus.ACTIVE, "王阿姨"), (ClaimStatus.WAITING, "李师傅")])
    ]
    assert state == await looked_again(database, gid)

    async with transaction(database.sessions) as session:  # she corrects her name
        membership = await members.membership_of(session, gid, 1)
        assert membership is not None
        membership.display_name = "王秀英"
    assert await looked_again(database, gid) != state
    assert await rendered(database, gid) == await looked_again(database, gid)


async def test_remembering_a_new_roster_message_keeps_one_row_per_group(
    database: Database,
) -> None:
    gid, _sid = await setup_shift(database)
    async with transaction(database.sessions) as session:
        await roster.set_page(session, gid, 10, 1)  # nothing to set yet
    for message_id in (10, 11):
        async with at_once(database.sessions) as db:
            await roster.remember(db, gid, chat_id=-1001, message_id=message_id, thread_id=None,
                                  now=START + timedelta(minutes=message_id))
        async with transaction(database.sessions) as session:
            await roster.set_page(session, gid, message_id, 2)
    async with at_once(database.sessions) as db:
        await roster.remember(db, gid, chat_id=-1001, message_id=12, thread_id=7,
                              now=START + timedelta(minutes=12))
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RosterMessage)) == 1
        latest = await roster.latest(session, gid)
    assert latest is not None
    assert (latest.message_id, latest.thread_id, latest.page) == (12, 7, 0)
    assert latest.updated_at == START + timedelta(minutes=12)
