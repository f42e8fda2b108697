"""Certificates against real databases: serials stay unique when several staff issue at once;
names are masked for verification."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from storage import certificates, groups, orgs
from storage.db import transaction
from storage.groups import GroupDefaults
from storage.models import (
    Attendance,
    Certificate,
    CertificateStatus,
    Evidence,
    OrgTeam,
    Person,
    TeamStatus,
)
from tests.conftest import START, Database
from tests.storage.test_claims import person

DAY = date(2026, 11, 20)


@pytest.mark.race(sessions=10)
async def test_race_ten_certificates_issued_at_once_get_ten_serials(database: Database) -> None:
    boss = await person(database, 1)
    async with transaction(database.sessions) as session:
        made = await orgs.create(session, "幸福里社区居委会", boss, now=START)
        assert isinstance(made, orgs.Created)
        org_id = made.org.id
        group, _ = await groups.see_group(
            session, -100_777, "Team", now=START, defaults=GroupDefaults("Asia/Shanghai", "zh_CN"),
            preapproved=True,
        )
        session.add(OrgTeam(org_id=org_id, group_id=group.id, status=TeamStatus.JOINED,
                            requested_at=START))
        group_id = group.id
    wanted: list[int] = []
    for n in range(10):
        volunteer = await person(database, 100 + n)
        async with transaction(database.sessions) as session:
            found = await session.get(Person, volunteer.id)
            assert found is not None
            found.real_name = f"志愿者{n}"
            await orgs.number_of(session, org_id, found.id, now=START)  # numbered before
            session.add(Attendance(
                group_id=group_id, person_id=found.id, local_date=DAY, is_open=False,
                evidence=Evidence.MANUAL, minutes=120, confirmed=True, companions=0,
                walk_in=False, created_at=START,
            ))
            certificate = Certificate(
                org_id=org_id, person_id=found.id, first=date(2026, 1, 1), last=DAY,
                status=CertificateStatus.REQUESTED, requested_by=1, requested_at=START,
            )
            session.add(certificate)
            await session.flush()
            wanted.append(certificate.id)
    loaded = asyncio.Barrier(10) if database.backend == "postgresql" else None

    async def issue(certificate_id: int) -> str:
        async with transaction(database.sessions) as session:
            staff = await session.get(Person, boss.id)
            assert staff is not None
            if loaded is not None:
                await loaded.wait()
            done = await certificates.decide(session, certificate_id, issue=True, staff=staff,
                                             now=START, today=DAY)
            assert isinstance(done, certificates.Issued)
            assert done.certificate.number is not None
            return done.certificate.number

    numbers = await asyncio.gather(*(issue(c) for c in wanted))
    assert sorted(n.split("-")[1] for n in numbers) == [f"{s:04d}" for s in range(1, 11)]
    assert all(n.startswith("ZM2026-") and len(n.split("-")[2]) == 6 for n in numbers)


def test_names_are_masked_and_numbers_read_as_typed() -> None:
    assert [certificates.mask_name(n) for n in ("王阿姨", "王芳", "欧阳秀英", "A", "Ann Lee")] == [
        "王*姨", "王*", "欧**英", "*", "A*****e",
    ]
    assert certificates.normal_number(" zm2026-0001-k7m2qx ") == "ZM2026-0001-K7M2QX"



async def test_a_long_read_never_holds_the_write_lock(database: Database) -> None:
    """An export reads for minutes: the bot must go on writing meanwhile."""
    from storage.db import reading

    async with reading(database.sessions) as session:
        await session.get(Person, 1)  # the read transaction is open now
        async with asyncio.timeout(3):  # SQLite would wait its 10 s busy timeout, then fail
            await person(database, 4242)
