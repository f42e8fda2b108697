"""Engine and session factory, SQLite tuning, and Alembic migrations applied at start."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sqlite3
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Select, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000

SessionFactory = async_sessionmaker[AsyncSession]


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says which and why."""


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(
    url: str, *, search_path: str | None = None, pool_size: int | None = None,
    kept: int | None = None,
) -> AsyncEngine:
    """Create the async engine: SQLite gets WAL and write transactions that lock at BEGIN.

    `pool_size` (PostgreSQL) allows that many connections at once, none beyond. `kept`
    keeps that many open between uses, and half as many more for a moment. PostgreSQL's
    pool hands out the connection returned last.
    """
    kwargs: dict[str, Any] = {}
    if url.startswith("postgresql") and search_path:
        kwargs["connect_args"] = {"server_settings": {"search_path": search_path}}
    if url.startswith("postgresql"):
        # The connection returned last is taken first: the few a steady load needs stay warm
        # with their prepared statements (asyncpg prepares each statement once a connection),
        # instead of every kept connection preparing everything in turn.
        # The rest may then sit idle for long: one opened over half an hour ago is opened anew
        # when next taken (a firewall or pooler in between may have dropped it meanwhile).
        kwargs.update(pool_use_lifo=True, pool_recycle=1800)
    if url.startswith("postgresql") and pool_size is not None:
        kwargs.update(pool_size=pool_size, max_overflow=0)
    elif url.startswith("postgresql") and kept is not None:
        kwargs.update(pool_size=kept, max_overflow=kept // 2)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front: a transaction that reads and then writes
        # cannot deadlock against another one (SQLite would fail it with "database is locked").
        # A long read (`reading`) begins deferred: in WAL mode it sees a snapshot and never
        # holds the write lock, so a year's export does not stop the bot writing.
        long_read = conn.get_execution_options().get(LONG_READ, False)
        conn.exec_driver_sql("BEGIN" if long_read else "BEGIN IMMEDIATE")


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


LONG_READ = "dutybot_long_read"


@asynccontextmanager
async def reading(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session that only reads, for as long as a document takes; it writes nothing. On
    SQLite it never holds the write lock (a deferred transaction over WAL's snapshot). On
    PostgreSQL its statements run without BEGIN and ROLLBACK round trips: each one sees what
    was committed when it began, as it would in a READ COMMITTED transaction."""
    engine = factory.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    if engine.dialect.name == "sqlite":
        async with factory() as session:
            await session.connection(execution_options={LONG_READ: True})
            yield session
        return
    async with factory(bind=_autocommit(engine)) as session:
        yield session


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any exception."""
    shared = _TRANSACTIONS.get()
    token = None
    if shared is None:
        shared = [0]
        token = _TRANSACTIONS.set(shared)
    depth: list[int] = shared
    depth[0] += 1
    try:
        async with factory() as session, session.begin():
            yield session
    finally:
        depth[0] -= 1
        if token is not None:
            _TRANSACTIONS.reset(token)


@asynccontextmanager
async def at_once(factory: SessionFactory) -> AsyncIterator[AsyncConnection]:
    """A connection on which each statement commits by itself, for the one-statement writes
    every update makes on PostgreSQL (a member's command count, a send slot): no session,
    no BEGIN and COMMIT round trips. Not a `transaction()`: nothing else may join it."""
    engine = factory.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    if engine.dialect.name == "sqlite":
        # SQLite's driver knows autocommit only as a mode it would leave behind on the pooled
        # connection (its implicit transactions): a short transaction of its own instead.
        async with engine.begin() as connection:
            yield connection
        return
    async with _autocommit(engine).connect() as connection:
        yield connection


def _autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The engine's connections (the same pool) with each statement committing by itself."""
    autocommit = _AUTOCOMMIT.get(engine)
    if autocommit is None:
        autocommit = _AUTOCOMMIT[engine] = engine.execution_options(
            isolation_level="AUTOCOMMIT")
    return autocommit


_AUTOCOMMIT: weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine] = weakref.WeakKeyDictionary()


# How many `transaction()` blocks the running code is inside: the shell checks it is 0
# before every Telegram request (the database is never held while Telegram answers). The
# count is shared by reference, so a task started inside a block (a coalesced reply) sees
# the block end rather than a copy that stays open forever.
_TRANSACTIONS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "transactions", default=None
)


def in_transaction() -> bool:
    """Is the running code inside `transaction()`?"""
    depth = _TRANSACTIONS.get()
    return depth is not None and depth[0] > 0


class Rollback(Exception):
    """Raised inside `transaction` to undo every change and carry a refusal out.

    A command that fails changes nothing: not even the sign-up it did on the way.
    """

    def __init__(self, result: object) -> None:
        super().__init__(type(result).__name__)
        self.result = result


Selected = TypeVar("Selected", bound=Select[Any])


def locking(statement: Selected) -> Selected:
    """`SELECT … FOR UPDATE` that also refreshes rows already in the session: without it a
    lock taken on a row the session loaded earlier hands back the stale copy."""
    return statement.with_for_update().execution_options(populate_existing=True)


_HELD = "dutybot_held_rows"


def note_held(session: AsyncSession, table: str, key: int) -> None:
    """Remember that this transaction holds a row's lock, taken by a query that also read
    other rows (the sender's membership with their person locked): `holds` then spares the
    lock's own query. Not inside a savepoint, whose rollback would release the lock."""
    if session.in_nested_transaction():
        return
    transaction = session.sync_session.get_transaction()
    held: tuple[object, set[tuple[str, int]]] | None = session.info.get(_HELD)
    if held is None or held[0] is not transaction:
        held = session.info[_HELD] = (transaction, set())
    held[1].add((table, key))


def holds(session: AsyncSession, table: str, key: int) -> bool:
    """Does this transaction already hold that row's lock (`note_held`)?"""
    held = session.info.get(_HELD)
    return (held is not None and held[0] is session.sync_session.get_transaction()
            and (table, key) in held[1])


def roll_back(session: AsyncSession, result: object) -> NoReturn:
    """Undo the `transaction` and carry `result` out (as `Rollback`). The rows the result
    holds leave the session first: a rollback expires them, and the reply still reads them."""
    session.expunge_all()
    raise Rollback(result)


def _alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    """The newest migration shipped with this code."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    command.upgrade(_alembic_config(connection), "head")


def copy_sqlite(path: Path, target: Path) -> Path:
    """A consistent copy of a SQLite database through its online backup API (safe while the
    bot writes to it)."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def _backup_sqlite(path: Path, stamp: str) -> Path:
    return copy_sqlite(path, path.with_name(f"{path.name}.before-{stamp}.bak"))


class AlreadyRunning(Exception):
    """Another `dutybot run` or `console` holds this SQLite file (SQLite serves one process;
    several instances share PostgreSQL)."""


@contextlib.contextmanager
def one_process(url: str) -> Iterator[None]:
    """Hold `<database>.lock` while a bot process runs on a SQLite file: a second `run` or
    `console` on it is refused (export, import, backup and migrate do not take it)."""
    try:
        path = sqlite_path(url)
    except NotSqlite:
        yield  # PostgreSQL: any number of instances
        return
    try:
        import fcntl
    except ImportError:  # not on a POSIX system: no lock to take
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(
                f"another dutybot (run or console) is using {path}; stop it first, or give "
                "this one another database (several instances need PostgreSQL)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class NotSqlite(Exception):
    """`dutybot backup` copies SQLite files; PostgreSQL is backed up with pg_dump."""


def sqlite_path(url: str) -> Path:
    """The file of a SQLite database URL (NotSqlite for any other database)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise NotSqlite(safe_url(url))
    return Path(parsed.database)


async def migrate(engine: AsyncEngine, now: datetime) -> Path | None:
    """Bring the schema to the newest revision; copy an existing SQLite file first.

    Returns the path of the backup copy, if one was made.
    """
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(_current_revision)
    except (OperationalError, DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise DatabaseUnavailable(f"cannot open {safe_url(str(engine.url))}: {reason}") from None
    head = head_revision()
    backup: Path | None = None
    if current == head:
        return None
    database = engine.url.database
    if engine.dialect.name == "sqlite" and current is not None and database:
        path = Path(database)
        if path.exists():
            stamp = f"{current}-{now.strftime('%Y%m%dT%H%M%SZ')}"
            backup = await asyncio.to_thread(_backup_sqlite, path, stamp)
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
    return backup
