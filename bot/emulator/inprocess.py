"""EmulatorRequest: PTB talks to the emulator in process, without sockets (the offline console)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import unquote

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.emulator.core import Emulator
from bot.emulator.model import ConnectionDropped, UploadedFile
from bot.emulator.params import decode_params
from bot.emulator.server import UNAUTHORIZED


def _uploaded(name: str, field: Any) -> UploadedFile:
    """An UploadedFile from PTB's (filename, content, mimetype) field tuple."""
    filename, content, *rest = field
    if not isinstance(content, bytes | bytearray):
        content = content.read()
    mime = rest[0] if rest else "application/octet-stream"
    return UploadedFile(filename or name, len(content), mime, bytes(content))


class EmulatorRequest(BaseRequest):
    """A BaseRequest that calls `Emulator.handle` directly; cheap, so make one per PTB need."""

    __slots__ = ("_emulator", "_read_timeout")

    def __init__(self, emulator: Emulator, *, read_timeout: float | None = 5.0) -> None:
        self._emulator = emulator
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default seconds to wait for an answer (hanging calls then raise TimedOut)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Call the emulator: the API method is the url's last path segment (a download
        from `/file/bot<token>/<path>` returns the file's bytes)."""
        if "/file/bot" in url:
            _, _, rest = unquote(url).partition("/file/bot")
            token, _, path = rest.partition("/")
            content = self._emulator.download(path) if token == self._emulator.token else None
            return (200, content) if content is not None else (404, b"Not Found")
        prefix, _, api_method = url.rstrip("/").rpartition("/")
        if not prefix.endswith(self._emulator.token):
            return 401, json.dumps(UNAUTHORIZED).encode()
        raw = request_data.json_parameters if request_data else {}
        files = {
            name: _uploaded(name, field)
            for name, field in (request_data.multipart_data if request_data else {}).items()
        }
        params = decode_params(raw, files)
        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        try:
            status, body = await asyncio.wait_for(
                self._emulator.handle(api_method, params), timeout
            )
        except TimeoutError as exc:
            raise TimedOut(f"no answer to {api_method} within {timeout}s") from exc
        except ConnectionDropped as exc:
            if exc.applied:
                raise TimedOut(f"connection dropped after {api_method} was sent") from exc
            raise NetworkError(f"connection dropped before {api_method} was applied") from exc
        return status, json.dumps(body, ensure_ascii=False).encode("utf-8")
