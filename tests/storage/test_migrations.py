"""Migrations: the schema they build matches the models, and an upgrade copies SQLite first."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import _alembic_config, head_revision, make_engine, migrate
from storage.models import Base
from tests.conftest import START, Database


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_build_exactly_the_models(database: Database) -> None:
    async with database.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_an_upgrade_copies_the_sqlite_file_first(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "0001"))
        await conn.exec_driver_sql(
            "INSERT INTO groups (telegram_chat_id, title, timezone, language, status, "
            "created_at, pending_notice_sent) VALUES (-1, 'Old team', 'Asia/Shanghai', "
            "'zh_CN', 'active', '2026-01-01 00:00:00', 0)"
        )
    backup = await migrate(engine, START)
    assert backup is not None and backup.exists()
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT title FROM groups").fetchall() == [("Old team",)]
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    finally:
        copy.close()
    async with engine.connect() as conn:
        version = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
        kept = (await conn.exec_driver_sql("SELECT title FROM groups")).all()
    assert version == [(head_revision(),)] and kept == [("Old team",)]
    assert await migrate(engine, START) is None  # already current: no copy, no change
    await engine.dispose()


# What the database itself reports about the schema, to compare what Alembic's comparison
# ignores: index predicates (the partial unique index on live claims), server defaults,
# check and unique constraints.
SQLITE_CATALOG = """
    SELECT 'index', tbl_name, name, sql FROM sqlite_master
    WHERE type = 'index' AND sql IS NOT NULL AND tbl_name != 'alembic_version'
"""
PG_CATALOG = """
    SELECT 'index', tablename, indexname, indexdef FROM pg_indexes
    WHERE schemaname = current_schema() AND tablename != 'alembic_version'
    UNION ALL
    SELECT 'constraint', cl.relname, con.conname, pg_get_constraintdef(con.oid)
    FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
    JOIN pg_namespace ns ON ns.oid = cl.relnamespace
    WHERE ns.nspname = current_schema() AND cl.relname != 'alembic_version'
    UNION ALL
    SELECT 'column', table_name, column_name,
           concat_ws(' ', data_type, is_nullable, column_default)
    FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name != 'alembic_version'
"""


async def _catalog(engine: AsyncEngine) -> set[tuple[str, str, str, str]]:
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = set((await conn.exec_driver_sql(SQLITE_CATALOG)).all())
            for (table,) in (await conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('alembic_version', 'sqlite_sequence')"
            )).all():
                for column in (await conn.exec_driver_sql(f'PRAGMA table_info("{table}")')).all():
                    _cid, name, kind, notnull, default, pk = column
                    rows.add(("column", table, name, f"{kind} {notnull} {default} {pk}"))
        else:
            rows = set((await conn.exec_driver_sql(PG_CATALOG)).all())
    schema_names = re.compile(r'\b(?:"?dutybot_\w+"?|"?models_\w+"?)\.')
    return {
        (kind, table, name, " ".join(schema_names.sub("", str(definition)).split()))
        for kind, table, name, definition in rows
    }


@pytest.fixture
async def from_models(database: Database, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """The same backend with the schema created straight from the models."""
    if database.backend == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'models.db'}")
        schema = None
    else:
        schema = f"models_{uuid.uuid4().hex[:8]}"
        async with database.engine.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = make_engine(database.url, search_path=schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()
    if schema is not None:
        async with database.engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


async def test_migrations_build_the_same_indexes_defaults_and_constraints(
    database: Database, from_models: AsyncEngine
) -> None:
    migrated, modelled = await _catalog(database.engine), await _catalog(from_models)
    assert sorted(migrated - modelled) == sorted(modelled - migrated) == []
    # The rule that makes two live claims impossible is in the database as a predicate.
    live = [d for kind, _t, name, d in migrated if name == "uq_claims_live"]
    assert live and "WHERE" in live[0].upper(), live
