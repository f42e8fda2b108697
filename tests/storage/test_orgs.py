"""Organisations against real databases: volunteer numbers stay unique under concurrency."""

from __future__ import annotations

import asyncio

import pytest

from storage import orgs
from storage.db import transaction
from storage.models import Organisation
from tests.conftest import START, Database
from tests.storage.test_claims import person


@pytest.mark.race(sessions=30)
async def test_race_thirty_people_numbered_at_once_get_thirty_numbers(database: Database) -> None:
    boss = await person(database, 1)
    async with transaction(database.sessions) as session:
        made = await orgs.create(session, "幸福里社区居委会", boss, now=START)
        assert isinstance(made, orgs.Created)
        org_id = made.org.id
    people = [await person(database, 100 + n) for n in range(30)]
    # Every session has read the organisation before any takes the lock (as /me and an
    # approval do); on SQLite the writers queue instead.
    loaded = asyncio.Barrier(30) if database.backend == "postgresql" else None

    async def number(person_id: int) -> int:
        async with transaction(database.sessions) as session:
            held = await session.get(Organisation, org_id)  # kept: the session's copy
            if loaded is not None:
                await loaded.wait()
            number = (await orgs.number_of(session, org_id, person_id, now=START)).number
            assert held is not None
            return number

    numbers = await asyncio.gather(*(number(p.id) for p in people))
    assert sorted(numbers) == list(range(1, 31))


def test_points_and_numbers_are_read_as_people_write_them() -> None:
    from commands.points import parse_points

    assert [parse_points(w) for w in ("50", "50分", "50积分", "５０", "0", "五十", "-5")] == [
        50, 50, 50, 50, None, None, None,
    ]
