"""The points passbook against real databases: lines earned at confirmation, correcting lines
after a correction, rules that change only later lines, and redemptions that never overdraw."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from storage import corrections, credit, groups, points
from storage.db import transaction
from storage.models import PointsEntry, PointsKind
from storage.recognition import Rules
from tests.conftest import START, Database
from tests.storage.test_claims import person, setup_shift

TEN = Rules(points_per_hour=10)


async def hours(db: Database, gid: int, uid: int, day: date, minutes: int) -> None:
    who = await person(db, uid)
    async with transaction(db.sessions) as session:
        group = await groups.by_id(session, gid)
        assert group is not None
        await corrections.set_hours(session, group, who, day=day, minutes=minutes, span=None,
                                    note=None, actor=999, now=START)


async def settle(db: Database, rules: Rules = TEN) -> credit.Settled:
    async with transaction(db.sessions) as session:
        return await credit.settle(session, now=START, defaults=rules)


async def lines(db: Database) -> list[tuple[PointsKind, int, int]]:
    async with db.sessions() as session:
        rows = (await session.scalars(select(PointsEntry).order_by(PointsEntry.id))).all()
    return [(r.kind, r.points, r.minutes) for r in rows]


async def test_points_are_earned_once_and_corrected_by_new_lines(database: Database) -> None:
    gid, _sid = await setup_shift(database)
    await hours(database, gid, 1, date(2026, 11, 20), 150)  # 2.5 h
    await settle(database)
    await settle(database)  # nothing changed: nothing written
    assert await lines(database) == [(PointsKind.EARNED, 25, 150)]
    await hours(database, gid, 1, date(2026, 11, 20), 60)  # corrected to 1 h
    await settle(database, Rules(points_per_hour=20))  # the rule changed since
    # The first line stands; the correcting line brings the record to what 1 h earns under
    # today's rule (20), whatever the first line gave.
    assert await lines(database) == [
        (PointsKind.EARNED, 25, 150), (PointsKind.CORRECTED, -5, -90),
    ]
    alice = await person(database, 1)
    async with database.sessions() as session:
        assert await points.balance(session, f"group:{gid}", alice.id) == 20


@pytest.mark.race(sessions=20)
async def test_race_redemptions_of_the_whole_balance_at_once_only_one_passes(
    database: Database,
) -> None:
    gid, _sid = await setup_shift(database)
    await hours(database, gid, 1, date(2026, 11, 20), 600)  # 10 h: 100 points
    await settle(database)
    alice = await person(database, 1)
    scope = f"group:{gid}"

    async def attempt(actor: int) -> points.RedeemResult:
        async with transaction(database.sessions) as session:
            return await points.redeem(session, scope, alice, 100, "洗衣液一瓶", group_id=gid,
                                       actor=actor, now=START)

    results = await asyncio.gather(*(attempt(7000 + n) for n in range(20)))
    assert sorted(type(r).__name__ for r in results) == ["Redeemed"] + ["ShortBalance"] * 19
    async with database.sessions() as session:
        assert await points.balance(session, scope, alice.id) == 0
    async with transaction(database.sessions) as session:
        own = await points.redeem(session, scope, alice, 1, "x", group_id=gid, actor=1,
                                  now=START)
    assert isinstance(own, points.OwnPoints)


async def test_a_report_earns_the_bonus_in_force_when_it_is_credited(
    database: Database,
) -> None:
    from storage.reports import Numbers, file_report

    gid, _sid = await setup_shift(database)
    alice = await person(database, 1)
    for message_id, rules in ((1, Rules(report_points=0)), (2, Rules(report_points=3))):
        async with transaction(database.sessions) as session:
            group = await groups.by_id(session, gid)
            assert group is not None
            await file_report(session, group, alice, Numbers(problems=1), at=START,
                              message_id=message_id, now=START)
        await settle(database, rules)
        await settle(database, rules)  # credited once
    # The report filed while the bonus was 0 stays without one; the second earns 3.
    assert await lines(database) == [(PointsKind.BONUS, 3, 0)]
