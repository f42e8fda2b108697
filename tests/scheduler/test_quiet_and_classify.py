"""Quiet hours and what a Telegram error proves about a send: pure functions."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.notify import classify
from scheduler.dispatcher import NotSent, Refused, Unknown
from scheduler.quiet import QuietHours, parse_quiet

ZONE = "Asia/Shanghai"
SH = ZoneInfo(ZONE)
QUIET = QuietHours(time(21, 30), time(7, 0))


def test_quiet_hours_cross_midnight() -> None:
    assert QUIET.contains(datetime(2026, 11, 25, 3, 30, tzinfo=SH), ZONE)
    assert QUIET.contains(datetime(2026, 11, 24, 21, 30, tzinfo=SH), ZONE)
    assert not QUIET.contains(datetime(2026, 11, 25, 7, 0, tzinfo=SH), ZONE)
    # An alert due at 03:30 goes out when quiet hours began, the evening before.
    assert QUIET.before(datetime(2026, 11, 25, 3, 30, tzinfo=SH), ZONE) == datetime(
        2026, 11, 24, 21, 30, tzinfo=SH
    )
    assert QUIET.after(datetime(2026, 11, 24, 23, 0, tzinfo=SH), ZONE) == datetime(
        2026, 11, 25, 7, 0, tzinfo=SH
    )
    noon = datetime(2026, 11, 25, 12, 0, tzinfo=SH)
    assert QUIET.before(noon, ZONE) == noon
    assert parse_quiet("off") is not None and not parse_quiet("off").contains(noon, ZONE)  # type: ignore[union-attr]
    assert parse_quiet("later") is None


def caused(exc: Exception, cause: BaseException) -> Exception:
    exc.__cause__ = cause
    return exc


def test_what_an_error_proves() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/sendMessage")
    assert classify(RetryAfter(7)) == NotSent("429", 7.0)
    assert isinstance(classify(Forbidden("Forbidden: bot was blocked by the user")), Refused)
    assert isinstance(classify(BadRequest("Bad Request: not enough rights")), Refused)
    refused = caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused"))
    assert isinstance(classify(refused), NotSent)  # nothing left the machine
    assert isinstance(classify(NetworkError("Internal Server Error (500)")), NotSent)
    dropped = caused(NetworkError("httpx.RemoteProtocolError"),
                     httpx.RemoteProtocolError("closed", request=request))
    assert isinstance(classify(dropped), Unknown)  # the request may have been applied
    late = caused(TimedOut("Timed out"), httpx.ReadTimeout("read", request=request))
    assert isinstance(classify(late), Unknown)
    pool = caused(TimedOut("Pool timeout"), httpx.PoolTimeout("pool"))
    assert isinstance(classify(pool), NotSent)
