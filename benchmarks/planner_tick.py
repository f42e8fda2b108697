"""One scheduler tick (plan + enqueue) for many groups: how long does the minute's work take?

Each group has a 19:00 duty and a 06:30 patrol, materialised 14 days ahead, two volunteers
on tonight's shift; the clock is 18:00 in Shanghai, so every group has a reminder and a gap
alert due. Dispatching is left out: sending is bound by Telegram's 30 messages a second
(benchmarks/fanout.py). The planner reads one query per kind of fact for all groups together.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.targets import Target, analyze, postgresql, sqlite
from scheduler import planner
from storage import claims, duties, groups, members
from storage.db import make_session_factory, migrate, transaction
from storage.groups import GroupDefaults
from storage.members import UserRef
from storage.models import Duty, DutyStatus, Shift

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVENING = datetime(2026, 11, 24, 18, 0, tzinfo=SHANGHAI).astimezone(UTC)


BATCH = 100  # groups seeded per transaction


DUTIES = (("督导", 19, 21), ("巡逻", 6, 8))  # name, start hour, end hour (and :30)


async def seed(target: Target, n_groups: int, *,
               duties: tuple[tuple[str, int, int], ...] = DUTIES, need_min: int = 3) -> None:
    """n_groups teams, each with its duties and two volunteers on tonight's shift."""
    engine = target.engine()
    await migrate(engine, EVENING)
    sessions = make_session_factory(engine)
    for first in range(0, n_groups, BATCH):
        async with transaction(sessions) as session:
            for g in range(first, min(first + BATCH, n_groups)):
                await _seed_group(session, g, duties, need_min)
    await analyze(engine)
    await engine.dispose()


async def _seed_group(session: AsyncSession, g: int,
                      duties_: tuple[tuple[str, int, int], ...], need_min: int) -> None:
    """One team: its duties materialised 14 days ahead, two volunteers on tonight's shift."""
    group, _ = await groups.see_group(
        session, -100_000 - g, f"Team {g}", now=EVENING,
        defaults=GroupDefaults("Asia/Shanghai", "zh_CN"), preapproved=True,
    )
    evenings: list[Shift] = []
    for name, start, end in duties_:
        duty = Duty(
            group_id=group.id, name=name, rrule="FREQ=DAILY",
            first_date=date(2026, 11, 24), start_time=clock_time(start, 0),
            end_time=clock_time(end, 30), need_min=need_min, need_max=4, exdates=[],
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


async def tick_seconds(target: Target) -> tuple[float, int]:
    engine = target.engine()
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    async with transaction(sessions) as session:
        result = await planner.plan_and_enqueue(session, EVENING)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, len(result.due)


SIZES = {"sqlite": (100, 500, 1000), "postgresql": (1000, 5000)}


async def main() -> None:
    """Print a table: database × groups → one tick's seconds."""
    print("## One scheduler tick (plan + enqueue)\n")
    print("| database | groups | due notifications | seconds |")
    print("|---|---:|---:|---:|")
    for backend in (sqlite, postgresql):
        for n in SIZES[backend.__name__]:
            async with backend() as target:
                if target is None:
                    print(f"| {backend.__name__} | {n} | — | not reachable |")
                    continue
                await seed(target, n)
                seconds, due = await tick_seconds(target)
            print(f"| {target.name} | {n} | {due} | {seconds:.2f} |")
    print()
