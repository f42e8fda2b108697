"""Migrations: the schema they build matches the models, and an upgrade copies SQLite first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

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
