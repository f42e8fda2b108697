"""History: one year of service for 1,000 groups (about a million attendance records).

Generated straight into the tables (three volunteers per team served each evening's 19:00
shift for a year), then timed as the bot reads it: every team's daily summary of the last
evening (`daybook.day_book`, what the 21:30 summary renders), and `/stats year` for one team
(`daybook.period` for this year and the last, as commands/stats.py asks). Peak RSS of this
process that reads (a fresh process: VmHWM, not the seeding's peak).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from benchmarks.targets import Target, analyze, postgresql, sqlite
from storage import daybook, groups
from storage.db import make_session_factory, migrate, reading, transaction
from storage.groups import GroupDefaults
from storage.models import Attendance, Duty, DutyStatus, Membership, Person, Shift, ShiftStatus

ZONE = "Asia/Shanghai"
SHANGHAI = ZoneInfo(ZONE)
LAST = date(2026, 11, 23)  # the evening summarised
DAYS = 365
PEOPLE = 3
NOW = datetime(2026, 11, 23, 22, 0, tzinfo=SHANGHAI).astimezone(UTC)


async def seed(target: Target, n_groups: int) -> int:
    """n_groups teams with a year of evenings; returns the attendance records written."""
    engine = target.engine()
    await migrate(engine, NOW)
    sessions = make_session_factory(engine)
    written = 0
    for first in range(0, n_groups, 50):
        async with transaction(sessions) as session:
            shifts: list[dict[str, object]] = []
            people: list[tuple[int, list[int]]] = []
            for g in range(first, min(first + 50, n_groups)):
                group, _ = await groups.see_group(
                    session, -1008600000 - g, f"Team {g}", now=NOW,
                    defaults=GroupDefaults(ZONE, "zh_CN"), preapproved=True)
                duty = Duty(group_id=group.id, name="督导", rrule="FREQ=DAILY",
                            first_date=LAST - timedelta(days=DAYS), start_time=clock_time(19),
                            end_time=clock_time(21), need_min=2, need_max=4, exdates=[],
                            rdates=[], status=DutyStatus.ACTIVE, created_at=NOW)
                session.add(duty)
                ids = []
                for v in range(PEOPLE):
                    person = Person(telegram_user_id=80_000_000 + g * 10 + v,
                                    telegram_name=f"V{g}-{v}", created_at=NOW)
                    session.add(person)
                    await session.flush()
                    session.add(Membership(group_id=group.id, person_id=person.id,
                                           display_name=f"志愿者{g}-{v}",
                                           name_key=f"志愿者{g}-{v}", joined_at=NOW))
                    ids.append(person.id)
                await session.flush()
                people.append((group.id, ids))
                for d in range(DAYS):
                    day = LAST - timedelta(days=d)
                    start = datetime.combine(day, clock_time(19), SHANGHAI).astimezone(UTC)
                    shifts.append({"duty_id": duty.id, "group_id": group.id, "local_date": day,
                                   "start_at": start, "end_at": start + timedelta(hours=2),
                                   "need_min": 2, "need_max": 4, "status": ShiftStatus.OPEN})
            made = (await session.execute(insert(Shift).returning(
                Shift.id, Shift.group_id, Shift.local_date, Shift.start_at), shifts)).all()
            who = dict(people)
            records = [
                {"group_id": gid, "person_id": pid, "shift_id": sid, "local_date": day,
                 "checkin_at": start, "checkout_at": start + timedelta(hours=2),
                 "is_open": False, "minutes": 120, "companions": 0, "walk_in": False,
                 "confirmed": True, "created_at": start, "served_from": start,
                 "served_until": start + timedelta(hours=2), "voided": False,
                 "checkin_source": "group", "checkout_source": "group", "credited": 120,
                 "unsettled": False}
                for sid, gid, day, start in made for pid in who[gid]
            ]
            for chunk in range(0, len(records), 2000):
                await session.execute(insert(Attendance), records[chunk:chunk + 2000])
            written += len(records)
    await analyze(engine)
    await engine.dispose()
    return written


async def measure(target: Target, n_groups: int) -> tuple[float, float, float]:
    """(seconds for every team's summary of LAST, ms for /stats year of one team, first
    /stats ms) on a fresh engine."""
    engine = target.engine()
    sessions = make_session_factory(engine)
    try:
        async with reading(sessions) as session:
            ids = list((await session.scalars(select(func.min(Shift.group_id)).group_by(
                Shift.group_id))).all())
        started = time.perf_counter()
        for group_id in ids[:n_groups]:
            async with reading(sessions) as session:
                await daybook.day_book(session, group_id, LAST, ZONE)
        summaries = time.perf_counter() - started
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            async with reading(sessions) as session:  # this year and the last, as /stats
                await daybook.period(session, ids[0], date(2026, 1, 1), LAST, ZONE)
                await daybook.period(session, ids[0], date(2025, 1, 1), date(2025, 11, 23),
                                     ZONE)
            timings.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    return summaries, min(timings) * 1000, timings[0] * 1000


SIZES = {"sqlite": 100, "postgresql": 1000}


def _child(argv: list[str]) -> None:
    """`python -m benchmarks.history NAME URL SCHEMA N`: measure, print JSON with VmHWM."""
    name, url, schema, n = argv
    target = Target(name, url, schema or None)
    summaries, best, first = asyncio.run(measure(target, int(n)))
    status = Path("/proc/self/status").read_text(encoding="ascii")
    rss = int(next(line.split()[1] for line in status.splitlines()
                   if line.startswith("VmHWM"))) / 1024
    print(json.dumps([summaries, best, first, rss]))


async def _measured(target: Target, n: int) -> tuple[float, float, float, float]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.history", target.name, target.url,
        target.search_path or "", str(n), stdout=asyncio.subprocess.PIPE)
    out, _ = await child.communicate()
    summaries, best, first, rss = json.loads(out)
    return summaries, best, first, rss


async def main() -> None:
    """Print a table: database × groups → summary seconds, /stats ms, peak RSS."""
    print(f"## History: {DAYS} days of evenings, {PEOPLE} volunteers a team\n")
    print("| database | groups | attendance records | all daily summaries (s) "
          "| /stats year, one team (ms, best of 3 / first) | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend in (sqlite, postgresql):
        n = SIZES[backend.__name__]
        async with backend() as target:
            if target is None:
                print(f"| {backend.__name__} | {n} | not reachable | | | |")
                continue
            records = await seed(target, n)
            summaries, best, first, rss = await _measured(target, n)
        print(f"| {target.name} | {n} | {records:,} | {summaries:.2f} | "
              f"{best:.0f} / {first:.0f} | {rss:.0f} |")
    print()


if __name__ == "__main__":
    _child(sys.argv[1:])
