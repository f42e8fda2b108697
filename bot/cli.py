"""The `dutybot` command: run, migrate, console, export, import, backup."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import math
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import ConfigError, Settings, load_settings
from bot.inbox import Inbox
from scheduler import jobs
from scheduler.clock import Clock, FileClock, SystemClock
from scheduler.crash import POINTS
from scheduler.jobs import TICK_EVERY, UPKEEP_EVERY, upkeep
from storage.db import (
    AlreadyRunning,
    DatabaseUnavailable,
    make_engine,
    make_session_factory,
    migrate,
    one_process,
    safe_url,
)

log = logging.getLogger("dutybot")


class _RedactToken(logging.Filter):
    """Keeps the bot token out of every log line, whatever logged it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self._token and self._token in record.getMessage():
            record.msg = record.getMessage().replace(self._token, "<token>")
            record.args = ()
        return True


def setup_logging(token: str, level: int = logging.INFO) -> None:
    """Log to stderr; httpx logs request URLs (which contain the token) only at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


class StartupError(Exception):
    """Start-up cannot continue; the message is the one line the operator sees."""


async def prepare_database(settings: Settings) -> None:
    """Apply migrations (with a copy of an SQLite file taken first)."""
    engine = make_engine(settings.database.url)
    try:
        backup = await migrate(engine, SystemClock().now())
    except DatabaseUnavailable as exc:
        raise StartupError(f"database error: {exc} — check [database] url") from None
    finally:
        await engine.dispose()
    if backup is not None:
        log.info("copied the database to %s before upgrading it", backup)


def check_test_hooks(environ: Mapping[str, str]) -> list[str]:
    """The variables that make `dutybot run` a test subject: checked, and said loudly, so a
    production process never runs with one set by accident (or with a typo in one)."""
    problems, found = [], []
    crash = environ.get("DUTYBOT_CRASH_AT")
    if crash is not None:
        found.append(f"DUTYBOT_CRASH_AT={crash}")
        if crash not in POINTS:
            problems.append(f"DUTYBOT_CRASH_AT={crash!r} is not one of {', '.join(POINTS)}")
    tick = environ.get("DUTYBOT_TICK_SECONDS")
    if tick is not None:
        found.append(f"DUTYBOT_TICK_SECONDS={tick}")
        try:
            if not 0 < float(tick) <= TICK_EVERY.total_seconds():
                raise ValueError
        except ValueError:
            problems.append(f"DUTYBOT_TICK_SECONDS={tick!r} must be a number of seconds in "
                            f"(0, {TICK_EVERY.total_seconds():g}]")
    scale = environ.get("DUTYBOT_LIMITS_SCALE")
    if scale is not None:
        found.append(f"DUTYBOT_LIMITS_SCALE={scale}")
        try:
            if not 1 <= float(scale) < math.inf:
                raise ValueError
        except ValueError:
            problems.append(f"DUTYBOT_LIMITS_SCALE={scale!r} must be a number ≥ 1")
    fake = environ.get("DUTYBOT_FAKE_CLOCK")
    if fake is not None:
        found.append(f"DUTYBOT_FAKE_CLOCK={fake}")
        if not Path(fake).is_file():
            problems.append(f"DUTYBOT_FAKE_CLOCK={fake!r} is not a file")
    if problems:
        raise StartupError("; ".join(problems))
    for hook in found:
        log.warning("TEST HOOK SET: %s — this process is under test, not for real use", hook)
    return found


async def run_bot(settings: Settings) -> None:
    """Run against Telegram (or any Bot API server at api_base_url) until stopped."""
    from bot.app import build_application, register_commands

    check_test_hooks(os.environ)
    sock = _bind(settings)  # first: a taken port stops start-up before anything else
    await prepare_database(settings)
    # Kept open: 5, the default, were opened and closed many times a second under load.
    engine = make_engine(settings.database.url, kept=settings.bot.kept_connections)
    # Tests that run this as a real process set the time through a file.
    fake = os.environ.get("DUTYBOT_FAKE_CLOCK")
    clock: Clock = FileClock(fake) if fake else SystemClock()
    # PostgreSQL may serve several instances: they count Telegram's limits together.
    app = build_application(settings, make_session_factory(engine), clock,
                            shared_limits=settings.database.url.startswith("postgresql"),
                            limits_scale=float(os.environ.get("DUTYBOT_LIMITS_SCALE") or 1))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    owner = dispatcher_name(settings)
    try:
        # SQLite has one process (storage.db.one_process): whatever it left is its own.
        await jobs.recover(app.bot_data["services"].sessions, clock.now(), owner=owner,
                           everything=settings.database.url.startswith("sqlite"))
        await app.initialize()
    except InvalidToken:
        raise StartupError(
            "telegram error: the token was rejected — check [telegram] token "
            "(or DUTYBOT_TELEGRAM_TOKEN)"
        ) from None
    except NetworkError as exc:
        raise StartupError(
            f"telegram error: cannot reach {settings.telegram.api_base_url} ({exc.message}) — "
            "check [telegram] api_base_url and the network"
        ) from None
    webhook = settings.telegram.mode == "webhook"
    services = app.bot_data["services"]
    if webhook:  # updates are answered once stored, and handled by one instance or another
        services.inbox = Inbox(services.sessions, owner, metrics=services.metrics)
    web = _web_server(settings, app, sock) if sock is not None else None
    keeping: asyncio.Task[None] | None = None
    try:
        await register_commands(app)
        _schedule_upkeep(app, clock, owner)
        await app.start()
        if services.inbox is not None:
            # what this instance had stored before it stopped (SQLite: one process, all)
            await services.inbox.take_over(
                app.update_queue, app.bot, own=True,
                everything=settings.database.url.startswith("sqlite"))
            keeping = asyncio.create_task(services.inbox.keep(app.update_queue, app.bot))
        if web is not None:
            await web.start()  # listening before Telegram is told where to post
        if webhook:
            # allowed_updates: Telegram's default leaves out chat_member (joins and leaves).
            try:
                await app.bot.set_webhook(
                    settings.telegram.webhook_url, allowed_updates=Update.ALL_TYPES,
                    secret_token=settings.telegram.secret_token, max_connections=40,
                )
            except TelegramError as exc:
                raise StartupError(
                    f"telegram refused the webhook {settings.telegram.webhook_url} ({exc}) — "
                    "check [telegram] webhook_url (https, port 443, 80, 88 or 8443)"
                ) from None
        else:
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        # Everything loaded at start-up stays for the process's life: kept out of the
        # collector's sight, a full collection took a fifth of the time (command-path bench).
        gc.freeze()
        me = app.bot.username
        log.info("dutybot is running as @%s (%s), database %s%s", me, settings.telegram.mode,
                 safe_url(settings.database.url),
                 f", http on {settings.telegram.listen}:{settings.telegram.port}"
                 if web is not None else "")
        await stop.wait()
        log.info("stopping")
        if web is not None:
            await web.stop()  # no new updates; other instances keep the webhook
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if services.inbox is not None:
            await services.inbox.stop_taking_over()  # still renewing what it handles
        await app.stop()  # the updates already taken are handled first
        # and the paced commands waiting for their turn (a replay may leave another)
        while waiting := [task for task in services.replays.values() if not task.done()]:
            await asyncio.wait(waiting)
        await services.roster_edits.drain()
        await services.acks.drain()
        await _cancel(keeping)
        if services.inbox is not None:
            await services.inbox.close()
    finally:
        await _cancel(keeping)
        try:
            await app.shutdown()
        except TelegramError:
            log.warning("shutdown could not reach Telegram")
        await engine.dispose()


async def _cancel(task: asyncio.Task[None] | None) -> None:
    """Stop a background task and wait until it has."""
    if task is not None and not task.done():
        task.cancel()
        await asyncio.wait([task])


def _bind(settings: Settings) -> socket.socket | None:
    """The HTTP server's socket: always in webhook mode, in polling mode when a port is set."""
    from bot.web import bind

    tg = settings.telegram
    if tg.port == 0:
        return None
    try:
        return bind(tg.listen, tg.port)
    except OSError as exc:
        raise StartupError(f"cannot listen on {tg.listen}:{tg.port} ({exc.strerror}) — another "
                           "process has it; check [telegram] listen and port") from None


def _web_server(settings: Settings, app: Any, sock: socket.socket) -> Any:
    """The ASGI app (webhook, /healthz, /metrics) on its socket."""
    from bot.web import WebServer, build_web_app

    services = app.bot_data["services"]
    webhook = settings.telegram.mode == "webhook"
    web_app = build_web_app(
        app, services.sessions, services.metrics, stale_after=_stale_after(),
        webhook_path=settings.telegram.webhook_path if webhook else None,
        secret_token=settings.telegram.secret_token if webhook else None,
    )
    return WebServer(web_app, sock)


def _tick_seconds() -> float:
    """How often the planner and dispatcher tick (DUTYBOT_TICK_SECONDS: tests tick faster)."""
    return float(os.environ.get("DUTYBOT_TICK_SECONDS") or TICK_EVERY.total_seconds())


def _stale_after() -> float:
    """/healthz says 503 when the scheduler missed about three ticks."""
    return max(3 * _tick_seconds(), 30.0)


def dispatcher_name(settings: Settings) -> str:
    """This instance's name on the outbox rows it claims: the host and the port it serves
    (polling: one process per bot), so a restarted instance takes back its own rows at once
    and another instance takes them over when their lease runs out."""
    tg = settings.telegram
    where = str(tg.port) if tg.mode == "webhook" else "polling"
    try:  # two machines may share a host name; their machine ids differ
        machine = Path("/etc/machine-id").read_text(encoding="ascii").strip()[:8]
    except OSError:
        machine = ""
    return f"{socket.gethostname()}{'-' + machine if machine else ''}:{where}"


def _schedule_upkeep(app: Any, clock: Clock, owner: str) -> None:
    """APScheduler (PTB's JobQueue) only wakes things up: hourly upkeep, and the planner and
    dispatcher every minute and at the next due time. A late wake-up still runs."""
    services = app.bot_data["services"]

    async def hourly(_context: object) -> None:
        await upkeep(services.sessions, clock.now())

    async def scheduler_tick(_context: object) -> None:
        with services.metrics.tick.time():
            due = await jobs.tick(services.sessions, services.notifier.deliver, clock.now(),
                                  services.settings.recognition.rules, owner=owner)
        services.metrics.health.ticked()
        if isinstance(clock, SystemClock) and due is not None and due - clock.now() < TICK_EVERY:
            app.job_queue.run_once(
                scheduler_tick, when=due, name="due",
                job_kwargs={"misfire_grace_time": 600},
            )

    app.job_queue.run_repeating(
        hourly, interval=UPKEEP_EVERY, first=5, name="upkeep",
        job_kwargs={"misfire_grace_time": 3600, "coalesce": True},
    )
    every = _tick_seconds()
    app.job_queue.run_repeating(
        scheduler_tick, interval=every, first=min(10.0, every), name="scheduler",
        job_kwargs={"misfire_grace_time": 600, "coalesce": True, "max_instances": 1},
    )


def _load(args: argparse.Namespace) -> Settings:
    return load_settings(Path(args.config) if args.config else None, os.environ)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return int(text)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.export_cli import FORMATS, ExportError, export_ledger

    out: Path = args.out
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        print(f"dutybot: {out} — name the file .xlsx (workbook), .zip (CSV files) or .pdf "
              "(printed ledger)", file=sys.stderr)
        return 2
    today = SystemClock().now().astimezone(ZoneInfo(settings.bot.timezone)).date()
    last = min(args.last, today)  # nothing is recorded ahead
    try:
        written = asyncio.run(export_ledger(
            settings, out, first=args.first, last=last, org_id=args.org,
            group_id=args.group, fmt=fmt, language=args.lang,
        ))
    except ExportError as exc:
        print(f"dutybot: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"dutybot: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{out}: {written.title}, {args.first}..{last}, {written.records} service records")
    return 0


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import NotSqlite, copy_sqlite, sqlite_path

    out: Path = args.out
    try:
        path = sqlite_path(settings.database.url)
    except NotSqlite:
        print("dutybot: backup copies a SQLite database; for PostgreSQL use pg_dump (see the "
              "README's Backup section)", file=sys.stderr)
        return 2
    if not path.exists():
        print(f"dutybot: there is no database file {path}", file=sys.stderr)
        return 2
    if out.exists():
        print(f"dutybot: {out} exists already; name a new file", file=sys.stderr)
        return 2
    try:
        copy_sqlite(path, out)
    except (OSError, sqlite3.Error) as exc:
        print(f"dutybot: cannot back up {path} to {out}: {exc}", file=sys.stderr)
        return 2
    print(f"{out}: a copy of {path}")
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.import_cli import ListError, import_list

    try:
        print(asyncio.run(import_list(settings, args.file, group_id=args.group,
                                      language=args.lang)))
    except ListError as exc:
        print(f"dutybot: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `dutybot` console script."""
    parser = argparse.ArgumentParser(prog="dutybot", description="Volunteer duty roster bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot against Telegram")
    run.add_argument("--config", help="path of the TOML config (or DUTYBOT_CONFIG)")
    run.add_argument("--port", type=_port,
                     help="the HTTP port, instead of [telegram] port (one per instance)")
    mig = sub.add_parser("migrate", help="bring the database schema up to date")
    mig.add_argument("--config", help="path of the TOML config (or DUTYBOT_CONFIG)")
    con = sub.add_parser("console", help="play a sample community offline, no token needed")
    con.add_argument("--db", default="dutybot-console.db", help="SQLite file for the console")
    con.add_argument("--fresh", action="store_true", help="start from an empty database")
    con.add_argument("--script", help="read console lines from this file instead of stdin")
    exp = sub.add_parser("export", help="write the ledger workbook (台账) of a period to a file")
    exp.add_argument("--config", help="path of the TOML config (or DUTYBOT_CONFIG)")
    which = exp.add_mutually_exclusive_group(required=True)
    which.add_argument("--org", type=int, help="every team of this organisation")
    which.add_argument("--group", type=int, help="one team: its id or Telegram chat id")
    exp.add_argument("--from", dest="first", type=_day, required=True, help="YYYY-MM-DD")
    exp.add_argument("--to", dest="last", type=_day, required=True, help="YYYY-MM-DD")
    exp.add_argument("--lang", choices=("zh_CN", "en"),
                     help="the file's language (default: the bot's)")
    exp.add_argument("out", type=Path,
                     help="OUT.xlsx (workbook), OUT.zip (CSV files) or OUT.pdf (printed)")
    bak = sub.add_parser("backup", help="copy the SQLite database to a file, safely while running")
    bak.add_argument("--config", help="path of the TOML config (or DUTYBOT_CONFIG)")
    bak.add_argument("out", type=Path, help="the backup file to write (must not exist)")
    imp = sub.add_parser("import", help="import a team's volunteer list (.xlsx or .csv)")
    imp.add_argument("--config", help="path of the TOML config (or DUTYBOT_CONFIG)")
    imp.add_argument("--group", type=int, required=True,
                     help="the team: its id or Telegram chat id")
    imp.add_argument("--lang", choices=("zh_CN", "en"),
                     help="the answer's language (default: the bot's)")
    imp.add_argument("file", type=Path, help="the list: LIST.xlsx or LIST.csv")
    args = parser.parse_args(argv)

    try:
        if args.command == "console":
            from bot.console import run_console

            with one_process(f"sqlite+aiosqlite:///{args.db}"):
                return asyncio.run(run_console(Path(args.db), fresh=args.fresh,
                                               script=args.script))
        settings = _load(args)
        setup_logging(settings.telegram.token)
        if args.command == "migrate":
            asyncio.run(prepare_database(settings))
            print("database is up to date:", safe_url(settings.database.url))
            return 0
        if args.command == "export":
            return _export(settings, args)
        if args.command == "import":
            return _import(settings, args)
        if args.command == "backup":
            return _backup(settings, args)
        if args.port is not None:
            settings = dataclasses.replace(
                settings, telegram=dataclasses.replace(settings.telegram, port=args.port))
        with one_process(settings.database.url):
            asyncio.run(run_bot(settings))
        return 0
    except ConfigError as exc:
        print(f"dutybot: config error: {exc}", file=sys.stderr)
        return 2
    except (StartupError, AlreadyRunning) as exc:
        print(f"dutybot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
