"""Crediting a busy evening: one `credit.settle` sweep after many groups' volunteers checked
out (every record unsettled: a passbook line each, star levels looked at per person).

Each group belongs to one of ten organisations (so scopes span teams), with four volunteers
who each served two hours tonight on top of 98 hours before: every one of them reaches 一星
(100 h) in this sweep, the worst case for the level check.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from storage import credit, groups, members
from storage.db import make_engine, make_session_factory, migrate, transaction
from storage.groups import GroupDefaults
from storage.members import Profile, UserRef
from storage.models import Attendance, Evidence, Organisation, OrgTeam, TeamStatus
from storage.recognition import Rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = datetime(2026, 11, 24, 21, 30, tzinfo=SHANGHAI).astimezone(UTC)
ORGS = 10
PEOPLE = 4


def _record(group_id: int, person_id: int, day: date, minutes: int, settled: bool) -> Attendance:
    return Attendance(
        group_id=group_id, person_id=person_id, shift_id=None, local_date=day,
        is_open=False, evidence=Evidence.MANUAL, minutes=minutes, confirmed=True,
        companions=0, walk_in=False, created_at=NIGHT, credited=minutes if settled else 0,
        unsettled=not settled,
    )


async def seed(url: str, n_groups: int) -> None:
    engine = make_engine(url)
    await migrate(engine, NIGHT)
    sessions = make_session_factory(engine)
    async with transaction(sessions) as session:
        for o in range(ORGS):
            session.add(Organisation(name=f"Org {o}", settings=None, next_number=1,
                                     created_at=NIGHT))
    for g in range(n_groups):
        async with transaction(sessions) as session:
            group, _ = await groups.see_group(
                session, -200_000 - g, f"Team {g}", now=NIGHT,
                defaults=GroupDefaults("Asia/Shanghai", "zh_CN"), preapproved=True,
            )
            session.add(OrgTeam(org_id=g % ORGS + 1, group_id=group.id,
                                status=TeamStatus.JOINED, requested_at=NIGHT))
            for v in range(PEOPLE):
                ref = UserRef(20_000_000 + g * 10 + v, f"V{g}-{v}")
                await members.signup(session, group.id, ref, Profile(f"V{g}-{v}"), now=NIGHT)
                person = await members.person_of(session, ref.telegram_user_id)
                assert person is not None
                before = date(2026, 11, 23) - timedelta(days=v)
                session.add(_record(group.id, person.id, before, 98 * 60, settled=True))
                session.add(_record(group.id, person.id, date(2026, 11, 24), 120,
                                    settled=False))
    await engine.dispose()


async def settle_seconds(url: str) -> tuple[float, int, int]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    async with transaction(sessions) as session:
        done = await credit.settle(session, now=NIGHT, defaults=Rules())
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, len(done.entries), len(done.levels)


async def main() -> None:
    print("## One credit sweep after a busy evening (points and star levels), SQLite\n")
    print("| groups | records credited | levels reached | seconds |")
    print("|---:|---:|---:|---:|")
    for n in (10, 100, 500):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            await seed(url, n)
            seconds, entries, levels = await settle_seconds(url)
        print(f"| {n} | {entries} | {levels} | {seconds:.2f} |")
    print()
