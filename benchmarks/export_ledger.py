"""Exporting a district's year: `dutybot export --org` of 200,000 service records (and a
quarter as many reports, one record in twenty corrected), time and peak memory.

The export runs in a child process so its peak RSS is its own; run with a quarter of the
records too, the peak should barely move (rows are streamed in batches).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from storage.db import make_engine, make_session_factory, migrate, transaction
from storage.models import (
    Attendance,
    AuditEntry,
    Duty,
    Group,
    GroupStatus,
    Membership,
    Organisation,
    OrgTeam,
    Person,
    Report,
    Shift,
    TeamStatus,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 31, 22, 0, tzinfo=SHANGHAI).astimezone(UTC)
FIRST = date(2026, 1, 1)
TEAMS = 100
PEOPLE = 20  # per team
RECORDS = (50_000, 200_000)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


async def seed(url: str, records: int) -> None:
    """100 teams of 20 people in one organisation, `records` attendances over 2026."""
    engine = make_engine(url)
    await migrate(engine, NOW)
    sessions = make_session_factory(engine)
    per_team = records // TEAMS
    async with transaction(sessions) as session:
        org = Organisation(name="某某街道", settings={"prefix": "JD"}, next_number=1,
                           created_at=NOW)
        session.add(org)
        await session.flush()
        for g in range(TEAMS):
            group = Group(telegram_chat_id=-300_000 - g, title=f"第{g + 1}志愿队",
                          timezone="Asia/Shanghai", language="zh_CN",
                          status=GroupStatus.ACTIVE, created_at=NOW)
            session.add(group)
            await session.flush()
            session.add(OrgTeam(org_id=org.id, group_id=group.id, status=TeamStatus.JOINED,
                                requested_at=NOW))
            session.add(Duty(group_id=group.id, name="垃圾分类督导", rrule="FREQ=DAILY",
                             first_date=FIRST, start_time=datetime.min.time().replace(hour=19),
                             end_time=datetime.min.time().replace(hour=21), need_min=2,
                             need_max=6, place=f"{g % 9 + 1}号投放点", created_at=NOW))
            for p in range(PEOPLE):
                person = Person(telegram_user_id=40_000_000 + g * 100 + p,
                                telegram_name=f"V{g}-{p}", created_at=NOW,
                                real_name=f"志愿者{g}-{p}" if p % 2 else None)
                session.add(person)
                await session.flush()
                session.add(Membership(group_id=group.id, person_id=person.id,
                                       display_name=f"队员{p}", name_key=f"队员{p}",
                                       building=f"{p % 12 + 1}号楼", joined_at=NOW))
    async with sessions() as session:
        duties = (await session.execute(select(Duty.id, Duty.group_id))).all()
        people = (await session.execute(select(Membership.group_id, Membership.person_id))).all()
    team_people: dict[int, list[int]] = {}
    for group_id, person_id in people:
        team_people.setdefault(group_id, []).append(person_id)
    async with transaction(sessions) as session:
        shifts = []
        for duty_id, group_id in duties:
            for d in range(365):
                day = FIRST + timedelta(days=d)
                shifts.append({"duty_id": duty_id, "group_id": group_id, "local_date": day,
                               "start_at": _at(day, 19), "end_at": _at(day, 21),
                               "need_min": 2, "need_max": 6, "status": "open"})
        await session.execute(insert(Shift), shifts)
    async with sessions() as session:
        shift_of = {(g, d): s for s, g, d in
                    (await session.execute(select(Shift.id, Shift.group_id, Shift.local_date)))}
    rows, reports, audits = [], [], []
    for group_id, persons in team_people.items():
        for n in range(per_team):
            day = FIRST + timedelta(days=n * 365 // per_team)
            person = persons[n % len(persons)]
            rows.append({
                "group_id": group_id, "person_id": person, "shift_id": shift_of[(group_id, day)],
                "local_date": day, "checkin_at": _at(day, 19), "checkout_at": _at(day, 21),
                "is_open": False, "evidence": "checkout", "minutes": 120, "companions": n % 3,
                "walk_in": False, "confirmed": n % 10 != 0, "created_at": _at(day, 19),
                "served_from": _at(day, 19), "served_until": _at(day, 21), "voided": False,
                "credited": 0, "unsettled": False, "note": "桶边有散落垃圾" if n % 7 == 0 else None,
            })
            if n % 4 == 0:
                reports.append({
                    "group_id": group_id, "person_id": person,
                    "shift_id": shift_of[(group_id, day)], "local_date": day, "problems": 1,
                    "dissuaded": 3, "grams": 2500, "served": 12, "text": "督导正常，居民配合",
                    "message_id": n, "created_at": _at(day, 21), "credited": True,
                })
    async with transaction(sessions) as session:
        for start in range(0, len(rows), 20_000):
            await session.execute(insert(Attendance), rows[start:start + 20_000])
        for start in range(0, len(reports), 20_000):
            await session.execute(insert(Report), reports[start:start + 20_000])
    async with sessions() as session:
        ids = (await session.scalars(select(Attendance.id))).all()
    for record in ids[::20]:
        audits.append({
            "at": NOW, "group_id": None, "actor_telegram_id": 40_000_000, "action": "hours.correct",
            "object_type": "attendance", "object_id": record,
            "before": {"minutes": 150, "voided": False}, "after": {"minutes": 120,
                                                                   "voided": False},
            "note": "记错了",
        })
    async with transaction(sessions) as session:
        await session.execute(insert(AuditEntry), audits)
    await engine.dispose()


def child(url: str, out: str) -> None:
    """The export, as `dutybot export --org 1` runs it (in this process)."""
    from bot.export_cli import export_teams
    from bot.i18n import translator
    from storage.recognition import DEFAULT_RULES

    async def run() -> None:
        engine = make_engine(url)
        try:
            await export_teams(
                make_session_factory(engine), Path(out), first=FIRST, last=date(2026, 12, 31),
                org_id=1, group_id=None, fmt="csv" if out.endswith(".zip") else "xlsx",
                t=translator("zh_CN"),
                rules=DEFAULT_RULES, progress=False,
            )
        finally:
            await engine.dispose()

    asyncio.run(run())
    # VmHWM is this process's own peak: ru_maxrss would carry the parent's peak (the seeding)
    # across the fork and exec.
    status = Path("/proc/self/status").read_text(encoding="ascii")
    print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))


def measure(url: str, out: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, file size) of one export in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "benchmarks.export_ledger", url, str(out)],
                          check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return seconds, int(done.stdout.split()[-1]) / 1024, out.stat().st_size


async def main() -> None:
    print("## Exporting a district's year (`dutybot export --org`), SQLite, one process\n")
    print("100 teams of 20 in one organisation; a quarter as many reports; one record in "
          "twenty corrected. Peak RSS is the export process's own.\n")
    print("| service records | format | seconds | peak RSS (MB) | file (MB) |")
    print("|---:|---|---:|---:|---:|")
    for records in RECORDS:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            await seed(url, records)
            for name in ("ledger.xlsx", "ledger.zip"):
                seconds, peak, size = await asyncio.to_thread(measure, url, Path(tmp) / name)
                print(f"| {records:,} | {name.rsplit('.', 1)[1]} | {seconds:.1f} | {peak:.0f} | "
                      f"{size / 1e6:.1f} |")
    print()


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
