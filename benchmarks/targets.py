"""Where a benchmark runs: a fresh SQLite file, or a fresh schema in PostgreSQL.

PostgreSQL is `DUTYBOT_BENCH_DATABASE_URL` (default: the local test database); when it does
not answer, the PostgreSQL rows are left out and the table says so.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.db import make_engine

PG_URL = os.environ.get("DUTYBOT_BENCH_DATABASE_URL",
                        "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Target:
    """A database to benchmark on."""

    name: str  # sqlite | postgresql
    url: str
    search_path: str | None = None

    def engine(self, pool_size: int | None = None, kept: int | None = None) -> AsyncEngine:
        """A new engine on it (each instance of the bot has its own; `kept` connections
        open, as `dutybot run` keeps them)."""
        return make_engine(self.url, search_path=self.search_path, pool_size=pool_size,
                           kept=kept)


async def analyze(engine: AsyncEngine) -> None:
    """After seeding PostgreSQL: the table statistics autovacuum gathers within a minute of a
    bulk load in a real deployment. Without them the shifts' query of a 5,000-group tick ran
    as a nested loop over every group (3 s of the tick)."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:  # committed: statistics roll back with the rest
            await conn.execute(text("ANALYZE"))


@asynccontextmanager
async def sqlite() -> AsyncIterator[Target]:
    """A fresh SQLite file, deleted afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        yield Target("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")


@asynccontextmanager
async def postgresql() -> AsyncIterator[Target | None]:
    """A fresh schema, dropped afterwards (None: PostgreSQL does not answer)."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception:  # not reachable: the benchmark says so
        await admin.dispose()
        yield None
        return
    try:
        yield Target("postgresql", PG_URL, schema)
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def postgresql_database() -> AsyncIterator[Target | None]:
    """A fresh database of its own, dropped afterwards, for `dutybot run` processes (a
    process has no search path to set); None: PostgreSQL does not answer."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception:  # not reachable: the benchmark says so
        await admin.dispose()
        yield None
        return
    try:
        yield Target("postgresql", PG_URL.rsplit("/", 1)[0] + f"/{name}")
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()
