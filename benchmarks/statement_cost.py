"""What one statement costs the bot's process on PostgreSQL, beside what a bare app's update costs.

The command-path target asks for half a bare python-telegram-bot app's throughput. The bot's
process is bound by its CPU there (PostgreSQL uses little of the other core), so the target
means: the bot's own work for an update may cost no more than the bare app's whole update.
This benchmark measures the two sides in one run, alternated, in CPU time of this process
(`time.process_time`), so that a slower or faster moment of the machine moves both:

- the bare app's CPU per update over a backlog (`command_path.bare_run`), and
- the client's CPU for one small read on PostgreSQL (the roster's shifts of a group, no rows
  found: the least a statement costs), made as the bot makes it (SQLAlchemy's ORM in a
  session), through SQLAlchemy Core on a connection, and through asyncpg alone; and a
  transaction around one such read (BEGIN and COMMIT).

docs/benchmarks.md multiplies the per-statement costs by the statements an update makes.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from benchmarks import command_path
from benchmarks.targets import postgresql
from storage.db import at_once, make_session_factory, migrate, reading, transaction
from storage.duties import _UPCOMING, _UPCOMING_WHERE
from storage.models import Shift

REPEAT = 2000  # statements per measure
ROUNDS = 3  # alternations of the whole set with the bare app


async def _cpu_each(call: Callable[[], Awaitable[object]]) -> float:
    """CPU µs of this process per call, over REPEAT calls (after 50 to warm up)."""
    for _ in range(50):
        await call()
    started = time.process_time()
    for _ in range(REPEAT):
        await call()
    return (time.process_time() - started) / REPEAT * 1e6


async def main() -> None:
    """Print a table: way of making the statement → CPU µs (median and range of ROUNDS)."""
    async with postgresql() as target:
        if target is None:
            print("## Statement cost: PostgreSQL not reachable\n")
            return
        now = datetime(2026, 11, 24, 10, 40, tzinfo=UTC)
        engine = target.engine(kept=8)
        await migrate(engine, now)
        sessions = make_session_factory(engine)
        params = {"group": 1, "now": now, "until": now + timedelta(days=7)}
        core = (select(*Shift.__table__.columns).where(*_UPCOMING_WHERE)
                .order_by(Shift.start_at, Shift.id))
        raw_conn = await engine.raw_connection()
        driver = raw_conn.driver_connection
        assert driver is not None
        # The same SQL and values SQLAlchemy sends (its bind processors applied once here).
        compiled = core.compile(dialect=engine.dialect)
        values = compiled.construct_params(params)
        processors = compiled._bind_processors
        args = [processors[name](values[name]) if name in processors else values[name]
                for name in compiled.positiontup or ()]
        raw = await driver.prepare(str(compiled))

        async def orm_own_session() -> object:
            async with reading(sessions) as session:
                return (await session.scalars(_UPCOMING, params)).all()

        async def orm_in_transaction() -> object:
            async with transaction(sessions) as session:
                return (await session.scalars(_UPCOMING, params)).all()

        results: dict[str, list[float]] = {}
        try:
            for _ in range(ROUNDS):
                async with reading(sessions) as open_session:
                    async def orm_open() -> object:
                        return (await open_session.scalars(_UPCOMING, params)).all()
                    results.setdefault("ORM, its own reading session (as a command reads)",
                                       []).append(await _cpu_each(orm_own_session))
                    results.setdefault("ORM, in a session already open", []).append(
                        await _cpu_each(orm_open))
                results.setdefault("ORM, in its own transaction (BEGIN … COMMIT)", []).append(
                    await _cpu_each(orm_in_transaction))
                async with at_once(sessions) as connection:
                    async def core_open() -> object:
                        return (await connection.execute(core, params)).all()
                    results.setdefault("Core, on a connection already open", []).append(
                        await _cpu_each(core_open))
                results.setdefault("asyncpg alone, prepared", []).append(await _cpu_each(
                    lambda: raw.fetch(*args)))
                bare = await command_path.bare_run()
                results.setdefault("bare PTB app: one whole update (backlog)", []).append(
                    bare[3] * 1000)
        finally:
            raw_conn.close()
            await engine.dispose()
    print(f"## Statement cost: CPU of this process, µs (median and range of {ROUNDS} rounds, "
          "alternated)\n")
    print("| what | µs median | µs range |")
    print("|---|---:|---:|")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.0f} | {min(values):.0f}–{max(values):.0f} |")
    print()


if __name__ == "__main__":
    asyncio.run(main())
