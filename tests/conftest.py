"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when asked).

The schema is migrated once per test session and each test starts from empty tables
(truncation), which keeps the suite fast on a small machine.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from scheduler.clock import ManualClock
from storage.db import SessionFactory, make_engine, make_session_factory, migrate
from storage.models import Base

hypothesis_settings.register_profile("dutybot", deadline=None, max_examples=60)
hypothesis_settings.load_profile("dutybot")

PG_URL = os.environ.get("DUTYBOT_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
START = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)  # 18:30 in Shanghai


@dataclass(frozen=True)
class Target:
    """Where one backend's migrated test schema lives."""

    url: str
    search_path: str | None = None


@dataclass
class Database:
    """A clean, migrated database for one test."""

    backend: str
    url: str
    search_path: str | None
    engine: AsyncEngine
    sessions: SessionFactory


async def _create_schema(url: str, schema: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await engine.dispose()


async def _drop_schema(url: str, schema: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


async def _migrate(target: Target) -> None:
    engine = make_engine(target.url, search_path=target.search_path)
    await migrate(engine, START)
    await engine.dispose()


@pytest.fixture(scope="session")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Target]]:
    """Migrate each backend once per test session."""
    found: dict[str, Target] = {}
    sqlite_file: Path = tmp_path_factory.mktemp("db") / "dutybot-test.db"
    found["sqlite"] = Target(f"sqlite+aiosqlite:///{sqlite_file}")
    schema = None
    if PG_URL:
        schema = f"dutybot_test_{uuid.uuid4().hex[:10]}"
        asyncio.run(_create_schema(PG_URL, schema))
        found["postgresql"] = Target(PG_URL, schema)
    for target in found.values():
        asyncio.run(_migrate(target))
    yield found
    if schema:
        asyncio.run(_drop_schema(PG_URL, schema))


async def truncate(engine: AsyncEngine) -> None:
    """Empty every table (children first) so a test starts from nothing."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY")
            )
        else:
            for table in tables:
                await conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(params=BACKENDS)
async def database(
    request: pytest.FixtureRequest, targets: dict[str, Target]
) -> AsyncIterator[Database]:
    """A migrated, empty database on each backend under test."""
    target = targets[request.param]
    # A race test states how many sessions run at once: on PostgreSQL the pool allows exactly
    # that many (SQLite serialises writers and would hide a missing lock anyway).
    race = request.node.get_closest_marker("race")
    pool = int(race.kwargs["sessions"]) + 2 if race is not None else None
    engine = make_engine(target.url, search_path=target.search_path, pool_size=pool)
    await truncate(engine)
    yield Database(
        backend=request.param,
        url=target.url,
        search_path=target.search_path,
        engine=engine,
        sessions=make_session_factory(engine),
    )
    await engine.dispose()


@pytest.fixture
async def other_instance(database: Database) -> AsyncIterator[SessionFactory]:
    """Another instance's sessions on the same database, with an engine and connections of
    its own (PostgreSQL only: SQLite runs one process)."""
    if database.backend != "postgresql":
        pytest.skip("instances share PostgreSQL; SQLite runs one process")
    engine = make_engine(database.url, search_path=database.search_path)
    yield make_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def unreachable() -> AsyncIterator[SessionFactory]:
    """Sessions on a PostgreSQL nobody listens for: every statement fails to connect."""
    engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    yield make_session_factory(engine)
    await engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """The injected clock, starting on a Tuesday evening before duty."""
    return ManualClock(START)


@asynccontextmanager
async def fresh_postgres_database(prefix: str) -> AsyncIterator[str]:
    """A PostgreSQL database of its own for a real `dutybot run` process (a process has no
    search path to set), dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


def free_port() -> int:
    """A loopback port nobody listens on (for a process's HTTP server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
