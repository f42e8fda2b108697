"""Claims against real databases: capacity holds under contention, refusals say why."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import claims, groups, members
from storage.db import transaction
from storage.groups import GroupDefaults
from storage.members import UserRef
from storage.models import Claim, ClaimStatus, Duty, DutyStatus, Person, Shift, ShiftStatus
from tests.conftest import START, Database

EVENING = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # 19:00 in Shanghai


async def setup_shift(
    db: Database, *, need_max: int = 4, start: datetime = EVENING, chat_id: int = -1001
) -> tuple[int, int]:
    """A group with one duty and one shift; returns (group id, shift id)."""
    async with transaction(db.sessions) as session:
        group, _ = await groups.see_group(
            session, chat_id, "Team", now=START, defaults=GroupDefaults("Asia/Shanghai", "zh_CN"),
            preapproved=True,
        )
        duty = Duty(
            group_id=group.id, name="督导", rrule="FREQ=DAILY", first_date=date(2026, 11, 24),
            start_time=time(19), end_time=time(21), need_min=2, need_max=need_max,
            exdates=[], rdates=[], status=DutyStatus.ACTIVE, created_at=START,
        )
        session.add(duty)
        await session.flush()
        shift = Shift(
            duty_id=duty.id, group_id=group.id, local_date=date(2026, 11, 24),
            start_at=start, end_at=start + timedelta(hours=2), need_min=2, need_max=need_max,
            status=ShiftStatus.OPEN,
        )
        session.add(shift)
        await session.flush()
        return group.id, shift.id


Job = Callable[[AsyncSession, Person], Awaitable[object]]


async def each_at_once(db: Database, people: list[Person], *jobs: Job) -> list[object]:
    """Every job for every person, each in a transaction of its own, all at the same time."""

    async def run(job: Job, who: Person) -> object:
        async with transaction(db.sessions) as session:
            return await job(session, who)

    return list(await asyncio.gather(*(run(job, p) for p in people for job in jobs)))


async def person(db: Database, uid: int) -> Person:
    async with transaction(db.sessions) as session:
        return await members.upsert_person(session, UserRef(uid, f"P{uid}"), now=START)


@pytest.mark.race(sessions=50)
async def test_race_fifty_concurrent_claims_fill_exactly_four_places(database: Database) -> None:
    gid, sid = await setup_shift(database, need_max=4)
    people = [await person(database, 5000 + i) for i in range(50)]

    async def attempt(p: Person) -> claims.ClaimResult:
        async with transaction(database.sessions) as session:
            return await claims.claim(session, sid, p, group_id=gid, now=START)

    results = await asyncio.gather(*(attempt(p) for p in people))
    assert sum(isinstance(r, claims.Claimed) for r in results) == 4
    assert sum(isinstance(r, claims.Full) for r in results) == 46
    async with database.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(Claim).where(Claim.status == ClaimStatus.ACTIVE)
        )
    assert count == 4


async def test_claim_refusals_say_why(database: Database) -> None:
    gid, sid = await setup_shift(database, need_max=1)
    _, other_gid_shift = await setup_shift(database, chat_id=-1002)
    alice, bob = await person(database, 1), await person(database, 2)
    async with transaction(database.sessions) as session:
        assert isinstance(await claims.claim(session, sid, alice, group_id=gid, now=START),
                          claims.Claimed)
        assert isinstance(await claims.claim(session, sid, alice, group_id=gid, now=START),
                          claims.AlreadyOn)
        assert isinstance(await claims.claim(session, sid, bob, group_id=gid, now=START),
                          claims.Full)
        # The other group's shift overlaps in time: Alice cannot be in two places.
        other_group = (await session.get(Shift, other_gid_shift)).group_id  # type: ignore[union-attr]
        clash = await claims.claim(session, other_gid_shift, alice, group_id=other_group,
                                   now=START)
        assert isinstance(clash, claims.Clash) and clash.other.id == sid
        # A shift id from another group is "gone" here, whatever the client says.
        assert isinstance(await claims.claim(session, other_gid_shift, bob, group_id=gid,
                                             now=START), claims.ShiftGone)
        assert isinstance(await claims.claim(session, 999999, bob, group_id=gid, now=START),
                          claims.ShiftGone)
        late = EVENING + timedelta(minutes=1)
        assert isinstance(await claims.claim(session, sid, bob, group_id=gid, now=late),
                          claims.Started)


async def test_release_frees_the_place_and_flags_late_drop_outs(database: Database) -> None:
    gid, sid = await setup_shift(database, need_max=1)
    alice, bob = await person(database, 1), await person(database, 2)
    async with transaction(database.sessions) as session:
        await claims.claim(session, sid, alice, group_id=gid, now=START)
    two_hours_before = EVENING - timedelta(hours=2)
    async with transaction(database.sessions) as session:
        released = await claims.release(session, sid, alice, group_id=gid,
                                        now=two_hours_before, cutoff=timedelta(hours=3))
        assert isinstance(released, claims.Released)
        assert released.late and released.still_needed == 2
        assert isinstance(await claims.release(session, sid, alice, group_id=gid,
                                               now=two_hours_before, cutoff=timedelta(hours=3)),
                          claims.NotOnShift)
        assert isinstance(await claims.claim(session, sid, bob, group_id=gid,
                                             now=two_hours_before), claims.Claimed)


@pytest.mark.race(sessions=40)
async def test_race_a_waitlist_tap_and_a_claim_by_one_person_at_once_never_deadlock(
    database: Database,
) -> None:
    """Twenty volunteers each tap Waitlist (on an old roster: the shift has room, so it is a
    claim) and Claim together: each gets the place once, whatever the order."""
    gid, sid = await setup_shift(database, need_max=40)
    people = [await person(database, 300 + i) for i in range(20)]

    results = await each_at_once(
        database, people,
        lambda session, p: claims.join_waitlist(session, sid, p, group_id=gid, now=START),
        lambda session, p: claims.claim(session, sid, p, group_id=gid, now=START),
    )
    assert sum(isinstance(r, claims.Claimed) for r in results) == 20
    assert sum(isinstance(r, claims.AlreadyOn) for r in results) == 20
