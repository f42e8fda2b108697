"""The one HTTP app (ASGI): Telegram's webhook, /healthz and /metrics.

PTB's documented custom-webhook pattern: the webhook route checks Telegram's secret token,
puts the update on `application.update_queue` and answers at once; the Application handles
it like a polled one. uvicorn serves the app inside the bot's own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.metrics import Metrics
from storage import outbox
from storage.db import SessionFactory, reading

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DATABASE_TIMEOUT = 3.0  # seconds /healthz waits for the database
FLOOD_LOGGED_EVERY = 60.0  # seconds: a flood (bad requests, storing failures) logs a line a minute
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


class _OncePerMinute:
    """A warning that a flood would repeat (bad requests, a database that does not answer):
    counted, logged at most once a minute."""

    def __init__(self, what: str) -> None:
        self.what = what  # "%d" for how many since the last line, "%s" for the last detail
        self.count = 0
        self._logged_at: float | None = None
        self._since_log = 0

    def note(self, detail: str) -> None:
        self.count += 1
        self._since_log += 1
        now = time.monotonic()
        if self._logged_at is None or now - self._logged_at >= FLOOD_LOGGED_EVERY:
            log.warning(self.what, self._since_log, detail)
            self._logged_at, self._since_log = now, 0


def build_web_app(
    application: Application[Any, Any, Any, Any, Any, Any],
    sessions: SessionFactory,
    metrics: Metrics,
    *,
    stale_after: float,
    webhook_path: str | None = None,
    secret_token: str | None = None,
) -> Starlette:
    """The ASGI app: the webhook (when a path is given), /healthz and /metrics."""
    refusals = _OncePerMinute("refused %d webhook request(s) without the right secret token "
                              "(last from %s)")
    failures = _OncePerMinute("could not store %d webhook update(s) in time, answered 503 so "
                              "that Telegram posts them again (%s)")

    def _queue_if_stored(storing: asyncio.Future[bool], update: Update) -> None:
        if not storing.cancelled() and storing.exception() is None and storing.result():
            application.update_queue.put_nowait(update)

    services = application.bot_data["services"]
    clock, inbox = services.clock, services.inbox

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if secret_token is None or not hmac.compare_digest(given.encode(),
                                                           secret_token.encode()):
            refusals.note(request.client.host if request.client else "?")
            return PlainTextResponse("forbidden\n", status_code=403)
        try:
            body = (await request.body()).decode()
            update = Update.de_json(json.loads(body), application.bot)
        except Exception:  # Telegram sent something we cannot read: say so, never retry it
            log.warning("a webhook request with the right secret was not an update")
            return Response(status_code=200)
        if inbox is not None:
            # Answered only once stored: an instance that dies loses none of its queue.
            storing = asyncio.ensure_future(inbox.receive(update.update_id, body))
            try:
                async with asyncio.timeout(DATABASE_TIMEOUT):
                    if not await asyncio.shield(storing):
                        return Response(status_code=200)  # here already: posted again
            except (SQLAlchemyError, OSError, TimeoutError) as exc:  # Telegram posts it again
                failures.note(type(exc).__name__)
                # Stored late after all: handled here (Telegram's next POST finds it stored).
                storing.add_done_callback(lambda done, u=update: _queue_if_stored(done, u))
                return PlainTextResponse("database does not answer in time\n",
                                         status_code=503)
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def healthz(_request: Request) -> Response:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                async with reading(sessions) as session:
                    await session.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means the database does not answer
            return PlainTextResponse(f"database does not answer: {type(exc).__name__}\n",
                                     status_code=503)
        age = metrics.health.tick_age()
        if age > stale_after:
            return PlainTextResponse(f"the dispatcher has not ticked for {age:.0f} s\n",
                                     status_code=503)
        return PlainTextResponse("ok\n")

    async def scrape(_request: Request) -> Response:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                async with reading(sessions) as session:
                    metrics.backlog(await outbox.backlog(session, now=clock.now()))
        except Exception:  # the process's own counters are still worth scraping
            log.warning("metrics: could not count the outbox", exc_info=True)
        return Response(metrics.exposition(), media_type=PROMETHEUS_TEXT)

    routes = [Route("/healthz", healthz, methods=["GET"]),
              Route("/metrics", scrape, methods=["GET"])]
    if webhook_path is not None:
        routes.append(Route(webhook_path, webhook, methods=["POST"]))
    return Starlette(routes=routes)


class _Server(uvicorn.Server):
    """uvicorn inside our loop: the bot's own signal handlers decide when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (an OSError here names the port that is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class WebServer:
    """Serves an ASGI app on a bound socket until stopped."""

    def __init__(self, app: Starlette, sock: socket.socket) -> None:
        self._server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                              access_log=False))
        self._sock = sock
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start serving in the background."""
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        # uvicorn sets a flag, not an event, once it listens
        while not self._server.started and not self._task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()  # uvicorn could not serve: its error, at start-up
            raise OSError("the HTTP server stopped at start-up")

    async def stop(self) -> None:
        """Finish the requests in flight and close."""
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._sock.close()
