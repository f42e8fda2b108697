"""FakeBotApiServer: the emulator behind a real HTTP server on loopback, for PTB's HTTPXRequest."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from typing import Any

import aiohttp
from aiohttp import web

from bot.emulator.core import Emulator
from bot.emulator.model import JSON, ConnectionDropped, UploadedFile
from bot.emulator.params import decode_params

log = logging.getLogger(__name__)

UNAUTHORIZED: JSON = {"ok": False, "error_code": 401, "description": "Unauthorized"}


def _json_response(status: int, body: Any) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
    )


async def read_params(request: web.Request) -> JSON:
    """Query string plus a form, multipart or JSON body, decoded like every transport does."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("the JSON body must be an object")
            raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    files[key] = UploadedFile(
                        value.filename, len(content), value.content_type, content
                    )
                else:
                    raw[key] = value
    return decode_params(raw, files)


class FakeBotApiServer:
    """Serves `/bot{token}/{method}` from an Emulator on a loopback port."""

    def __init__(self, emulator: Emulator, *, max_body: int = 64 * 1024 * 1024) -> None:
        self.emulator = emulator
        self._app = web.Application(client_max_size=max_body)
        self._app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._host = "127.0.0.1"
        self._port = 0

    @property
    def base_url(self) -> str:
        """`http://HOST:PORT/bot`: PTB appends `<token>/<method>`."""
        return f"http://{self._host}:{self._port}/bot"

    @property
    def port(self) -> int:
        """The port the server listens on (0 before start)."""
        return self._port

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start listening; return the base url to give PTB."""
        if self._runner is not None:
            raise RuntimeError("the server is already running")
        self._runner = web.AppRunner(
            self._app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        self._host = host
        self._site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await self._site.start()
        self._port = int(self._runner.addresses[0][1])
        return self.base_url

    async def stop(self) -> None:
        """Stop listening, end hanging calls, close connections."""
        self.emulator.release_hangs()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._site = None

    async def refuse_connections(self, on: bool) -> None:
        """Stop (on) or resume (off) listening on the same port: clients get connection refused."""
        if self._runner is None:
            raise RuntimeError("the server is not running")
        if on and self._site is not None:
            await self._site.stop()
            self._site = None
            for handler in list(self._runner.server.connections if self._runner.server else ()):
                handler.force_close()
        elif not on and self._site is None:
            self._site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True)
            await self._site.start()

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """A file a user sent, by the path getFile gave."""
        if not self.emulator.check_token(request.match_info["token"]):
            return _json_response(401, UNAUTHORIZED)
        content = self.emulator.download(request.match_info["path"])
        if content is None:
            return _json_response(404, {"ok": False, "error_code": 404,
                                         "description": "Not Found"})
        return web.Response(body=content, content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if not self.emulator.check_token(request.match_info["token"]):
            return _json_response(401, UNAUTHORIZED)
        try:
            params = await read_params(request)
        except ValueError as exc:
            return _json_response(
                400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            )
        try:
            status, body = await self.emulator.handle(request.match_info["method"], params)
        except ConnectionDropped:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=204)
        return _json_response(status, body)


class WebhookPusher:
    """Telegram's side of a webhook: each queued update is posted to the URL setWebhook gave
    (or to `targets` in turn, as a load balancer spreads them) with the secret token in
    X-Telegram-Bot-Api-Secret-Token; a 2xx answer confirms it, anything else (or a refused
    connection) means it is posted again a little later. Up to `max_connections` at once,
    so updates may arrive out of order, as with Telegram."""

    def __init__(self, emulator: Emulator, *, targets: list[str] | None = None,
                 retry_after: float = 0.2) -> None:
        self.emulator = emulator
        self.targets = targets
        self.retry_after = retry_after
        self.posted = 0  # requests made
        self.refused = 0  # answers that were not 2xx (or no answer)
        self._turn = itertools.count()
        self._in_flight: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._client: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Start posting updates whenever a webhook is set."""
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop posting (updates not yet confirmed stay queued)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.close()

    async def _run(self) -> None:
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                w = self.emulator
                if w.webhook_url:
                    w.drop_unwanted_updates()
                    room = w.webhook_connections - len(self._in_flight)
                    for update in w.pending_updates:
                        if room <= 0:
                            break
                        if update["update_id"] not in self._in_flight:
                            self._in_flight.add(update["update_id"])
                            task = asyncio.create_task(self._post(update))
                            tasks.add(task)
                            task.add_done_callback(tasks.discard)
                            room -= 1
                await w.changed(0.05)
        finally:
            for task in tasks:
                task.cancel()

    async def _post(self, update: JSON) -> None:
        assert self._client is not None
        w = self.emulator
        url = self.targets[next(self._turn) % len(self.targets)] if self.targets else w.webhook_url
        headers = {"X-Telegram-Bot-Api-Secret-Token": w.webhook_secret} if w.webhook_secret \
            else {}
        self.posted += 1
        ok = False
        try:
            async with self._client.post(url, json=update, headers=headers) as response:
                ok = 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        if ok:
            w.confirm_update(update["update_id"])
            self._in_flight.discard(update["update_id"])
            return
        self.refused += 1
        await asyncio.sleep(self.retry_after)
        self._in_flight.discard(update["update_id"])
        w.notify()
