"""Attendance and reports against real databases: one open check-in per person, one
report per message, album photos never lost, whatever arrives concurrently."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage import attendance, claims, groups, members, reports
from storage.db import transaction
from storage.members import UserRef
from storage.models import Attendance, Group, Person, Photo, Report, Shift, ShiftStatus
from storage.reports import Numbers, PhotoRef
from tests.conftest import Database
from tests.storage.test_claims import EVENING, each_at_once, person, setup_shift


async def group_row(db: Database, gid: int) -> Group:
    async with db.sessions() as session:
        row = await groups.by_id(session, gid)
    assert row is not None
    return row


@pytest.mark.race(sessions=10)
async def test_race_ten_simultaneous_check_ins_by_one_person_open_one_record(
    database: Database,
) -> None:
    gid, _sid = await setup_shift(database)
    alice = await person(database, 1)
    group = await group_row(database, gid)

    async def attempt() -> attendance.CheckInResult:
        async with transaction(database.sessions) as session:
            return await attendance.check_in(
                session, group, alice, at=EVENING, now=EVENING
            )

    results = await asyncio.gather(*(attempt() for _ in range(10)))
    assert sum(isinstance(r, attendance.CheckedIn) for r in results) == 1
    assert sum(isinstance(r, attendance.AlreadyCheckedIn) for r in results) == 9
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Attendance)) == 1


@pytest.mark.race(sessions=10)
async def test_race_the_member_lookup_that_locks_the_person_serialises_check_ins(
    database: Database,
) -> None:
    """/checkin locks the sender's person row in the query that finds their membership and
    spares `lock_person`'s own query: that lock must hold as the separate one did."""
    gid, _sid = await setup_shift(database)
    alice = UserRef(1, "Alice")
    async with transaction(database.sessions) as session:
        await members.ensure_member(session, gid, alice, now=EVENING)

    async def attempt() -> attendance.CheckInResult:
        async with transaction(database.sessions) as session:
            _m, who, group, _joined = await members.member_and_group(
                session, gid, alice, now=EVENING, lock="people"
            )
            return await attendance.check_in(session, group, who, at=EVENING, now=EVENING)

    results = await asyncio.gather(*(attempt() for _ in range(10)))
    assert sum(isinstance(r, attendance.CheckedIn) for r in results) == 1
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Attendance)) == 1


@pytest.mark.race(sessions=60)  # 120 tasks, 60 sessions at a time (max_connections 100)
async def test_race_an_album_is_one_report_whatever_order_its_photos_arrive_in(
    database: Database,
) -> None:
    gid, _sid = await setup_shift(database)
    alice = await person(database, 1)
    group = await group_row(database, gid)

    async def loose(album: int, n: int) -> None:
        async with transaction(database.sessions) as session:
            await reports.album_photo(
                session, gid, PhotoRef(album * 100 + n, f"f{album}-{n}", f"u{album}-{n}"),
                media_group_id=f"A{album}", now=EVENING,
            )

    async def captioned(album: int) -> None:
        async with transaction(database.sessions) as session:
            await reports.file_report(
                session, group, alice, Numbers(problems=1), at=EVENING,
                message_id=album * 100, media_group_id=f"A{album}",
                photos=[PhotoRef(album * 100, f"f{album}", f"u{album}")], now=EVENING,
            )

    # Twenty albums of six photos, every photo handled concurrently with its siblings
    # (on PostgreSQL 60 sessions at once, see the marker).
    work = []
    for album in range(20):
        work += [loose(album, 1), loose(album, 2), captioned(album), *(
            loose(album, n) for n in range(3, 6))]
    await asyncio.gather(*work)
    async with database.sessions() as session:
        counts = (
            await session.execute(
                select(Report.id, func.count(Photo.id))
                .join(Photo, Photo.report_id == Report.id)
                .group_by(Report.id)
            )
        ).all()
        waiting = await session.scalar(
            select(func.count()).select_from(Photo).where(Photo.report_id.is_(None))
        )
    assert len(counts) == 20 and all(n == 6 for _, n in counts) and waiting == 0


async def test_a_redelivered_message_files_its_report_once(database: Database) -> None:
    gid, _sid = await setup_shift(database)
    alice = await person(database, 1)
    group = await group_row(database, gid)
    for _ in range(2):
        async with transaction(database.sessions) as session:
            await reports.file_report(
                session, group, alice, Numbers(dissuaded=2), at=EVENING, message_id=7,
                now=EVENING,
            )
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 1


async def test_waiting_album_photos_are_let_go_after_an_hour(database: Database) -> None:
    gid, _sid = await setup_shift(database)
    async with transaction(database.sessions) as session:
        await reports.album_photo(
            session, gid, PhotoRef(5, "f", "u"), media_group_id="B", now=EVENING
        )
    async with transaction(database.sessions) as session:
        soon, later = EVENING + timedelta(minutes=30), EVENING + timedelta(hours=2)
        assert await reports.forget_waiting_photos(session, now=soon) == 0
        assert await reports.forget_waiting_photos(session, now=later) == 1


@pytest.mark.race(sessions=6)
async def test_race_two_leaders_entering_a_day_cannot_pass_24_hours(database: Database) -> None:
    """On PostgreSQL, without the person lock each reads no record and each inserts 16 h;
    with it, the first adds the day's record and the others correct that one."""
    from storage import corrections

    gid, _sid = await setup_shift(database)
    alice = await person(database, 1)
    group = await group_row(database, gid)
    day = (EVENING - timedelta(days=1)).date()
    now = EVENING + timedelta(hours=6)

    async def enter(leader: int) -> corrections.SetHoursResult:
        async with transaction(database.sessions) as session:
            return await corrections.set_hours(
                session, group, alice, day=day, minutes=16 * 60, span=None, note=None,
                actor=leader, now=now,
            )

    results = await asyncio.gather(*(enter(9000 + i) for i in range(6)))
    assert sum(isinstance(r, corrections.HoursSet) and r.before is None for r in results) == 1
    async with database.sessions() as session:
        rows = (await session.scalars(select(Attendance.minutes))).all()
    assert list(rows) == [16 * 60]


def test_a_place_answers_to_its_own_name_and_number_only() -> None:
    assert attendance.place_matches("3号投放点", "3号点")
    assert attendance.place_matches("3号投放点", "3号投放点")
    assert not attendance.place_matches("13号投放点", "3号点")
    assert not attendance.place_matches("23号点", "3号点")
    assert not attendance.place_matches(None, "3号点")


async def test_one_groups_overdue_check_outs_are_closed_without_touching_anothers(
    database: Database,
) -> None:
    """/today in one team closes that team's forgotten check-outs only: another team's open
    records stay as they are (the hourly job closes them) and are never locked by it."""
    first, _ = await setup_shift(database, chat_id=-1001)
    second, _ = await setup_shift(database, chat_id=-1002)
    alice, bob = await person(database, 1), await person(database, 2)
    for gid, who in ((first, alice), (second, bob)):
        group = await group_row(database, gid)
        async with transaction(database.sessions) as session:
            await attendance.check_in(session, group, who, at=EVENING, now=EVENING)
    late = EVENING + timedelta(hours=5)
    holder = database.sessions()  # another team's rows held by someone else (PostgreSQL)
    try:
        if database.backend == "postgresql":
            await holder.execute(
                select(Attendance).where(Attendance.group_id == second).with_for_update()
            )
        async with transaction(database.sessions) as session:
            if database.backend == "postgresql":
                await session.execute(text("SET LOCAL lock_timeout = '2s'"))
            closed = await attendance.close_overdue(session, now=late, group_id=first)
    finally:
        await holder.rollback()
        await holder.close()
    assert [a.person_id for a in closed] == [alice.id]
    async with database.sessions() as session:
        open_people = set(await session.scalars(
            select(Attendance.person_id).where(Attendance.is_open)
        ))
    assert open_people == {bob.id}


@pytest.mark.race(sessions=40)
async def test_race_claims_and_check_ins_of_the_same_people_at_once_never_deadlock(
    database: Database,
) -> None:
    """Twenty volunteers tap Claim and send /checkin together ten minutes before the shift:
    every claim and every check-in goes through (on PostgreSQL a claim holding the shift
    while waiting for the person deadlocked with a check-in holding the person)."""
    gid, sid = await setup_shift(database, need_max=40)
    group = await group_row(database, gid)
    people = [await person(database, 100 + i) for i in range(20)]
    before = EVENING - timedelta(minutes=10)

    results = await each_at_once(
        database, people,
        lambda session, p: claims.claim(session, sid, p, group_id=gid, now=before),
        lambda session, p: attendance.check_in(session, group, p, at=before, now=before),
    )
    assert sum(isinstance(r, claims.Claimed) for r in results) == 20
    assert sum(isinstance(r, attendance.CheckedIn) for r in results) == 20


async def test_a_days_report_totals_count_its_own_teams_reports_and_photos(
    database: Database,
) -> None:
    mine, _ = await setup_shift(database, chat_id=-1001)
    other, _ = await setup_shift(database, chat_id=-1002)
    alice = await person(database, 1)
    for gid, message_id, numbers, shots in (
        (mine, 1, Numbers(problems=1, dissuaded=2), 2),
        (mine, 2, Numbers(dissuaded=3, grams=1500), 1),
        (other, 3, Numbers(problems=5), 4),
    ):
        group = await group_row(database, gid)
        async with transaction(database.sessions) as session:
            await reports.file_report(
                session, group, alice, numbers, at=EVENING, message_id=message_id,
                photos=[PhotoRef(message_id * 10 + n, f"f{message_id}-{n}", f"u{message_id}-{n}")
                        for n in range(shots)],
                now=EVENING,
            )
    day = EVENING.date()
    async with database.sessions() as session:
        totals = await reports.totals(session, mine, day, day)
        nothing = await reports.totals(session, mine, day + timedelta(days=1),
                                       day + timedelta(days=1))
    assert totals == reports.ReportTotals(
        reports=2, problems=1, dissuaded=5, grams=1500, served=0, photos=3
    )
    assert nothing == reports.ReportTotals()


@pytest.mark.race(sessions=40)
async def test_race_closing_a_forgotten_check_out_and_checking_in_again_never_deadlock(
    database: Database,
) -> None:
    """Twenty volunteers who forgot to check out last night open /me (which closes the
    forgotten record, then settles their points) as they check in tonight: both go through."""
    gid, last_night = await setup_shift(database)
    group = await group_row(database, gid)
    people = [await person(database, 200 + i) for i in range(20)]
    for p in people:
        async with transaction(database.sessions) as session:
            await attendance.check_in(session, group, p, at=EVENING, now=EVENING)
    day = timedelta(days=1)
    async with transaction(database.sessions) as session:  # tonight's shift
        before = await session.get(Shift, last_night)
        assert before is not None
        session.add(Shift(
            duty_id=before.duty_id, group_id=gid, local_date=before.local_date + day,
            start_at=before.start_at + day, end_at=before.end_at + day,
            need_min=1, need_max=40, status=ShiftStatus.OPEN,
        ))
    later = EVENING + day

    async def me(session: AsyncSession, p: Person) -> object:
        closed = await attendance.close_overdue(session, now=later, person_id=p.id)
        await claims.lock_person(session, p.id)  # as settling the points does
        return closed

    results = await each_at_once(
        database, people, me,
        lambda session, p: attendance.check_in(session, group, p, at=later, now=later),
    )
    assert sum(isinstance(r, attendance.CheckedIn) for r in results) == 20
    async with database.sessions() as session:
        still_open = await session.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.is_open)
        )
    assert still_open == 20  # last night's all closed, tonight's open
