"""One scheduler tick (plan + enqueue) for many groups: how long does the minute's work take?

Each group has a 19:00 duty and a 06:30 patrol, materialised 14 days ahead, two volunteers
on tonight's shift; the clock is 18:00 in Shanghai, so every group has a reminder and a gap
alert due. Dispatching is left out: sending is bound by Telegram's 30 messages a second.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler import planner
from storage import claims, duties, groups, members
from storage.db import make_engine, make_session_factory, migrate, transaction
from storage.groups import GroupDefaults
from storage.members import UserRef
from storage.models import Duty, DutyStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVENING = datetime(2026, 11, 24, 18, 0, tzinfo=SHANGHAI).astimezone(UTC)


async def seed(url: str, n_groups: int) -> None:
    engine = make_engine(url)
    await migrate(engine, EVENING)
    sessions = make_session_factory(engine)
    for g in range(n_groups):
        async with transaction(sessions) as session:
            group, _ = await groups.see_group(
                session, -100_000 - g, f"Team {g}", now=EVENING,
                defaults=GroupDefaults("Asia/Shanghai", "zh_CN"), preapproved=True,
            )
            evenings = []
            for name, start, end in (("督导", 19, 21), ("巡逻", 6, 8)):
                duty = Duty(
                    group_id=group.id, name=name, rrule="FREQ=DAILY",
                    first_date=date(2026, 11, 24), start_time=clock_time(start, 0),
                    end_time=clock_time(end, 30), need_min=3, need_max=4, exdates=[],
                    rdates=[], status=DutyStatus.ACTIVE, created_at=EVENING,
                )
                session.add(duty)
                await session.flush()
                made = await duties.materialise(session, duty, "Asia/Shanghai", now=EVENING)
                evenings = evenings or made.created
            tonight = min(evenings, key=lambda s: s.start_at) if evenings else None
            for v in range(2):
                person = await members.upsert_person(
                    session, UserRef(10_000_000 + g * 10 + v, f"V{g}-{v}"), now=EVENING
                )
                if tonight is not None:
                    await claims.claim(session, tonight.id, person, group_id=group.id,
                                       now=EVENING)
    await engine.dispose()


async def tick_seconds(url: str) -> tuple[float, int]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    async with transaction(sessions) as session:
        result = await planner.plan_and_enqueue(session, EVENING)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, len(result.due)


async def main() -> None:
    print("## One scheduler tick (plan + enqueue), SQLite\n")
    print("| groups | due notifications | seconds |")
    print("|---:|---:|---:|")
    for n in (10, 100, 500):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            await seed(url, n)
            seconds, due = await tick_seconds(url)
        print(f"| {n} | {due} | {seconds:.2f} |")
    print()
