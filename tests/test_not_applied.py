"""Which failures prove Telegram did not apply a request (so it is made again) and which
may have been applied (never made again: a message must not arrive twice)."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.notify import classify
from bot.ratelimit import not_applied
from scheduler.dispatcher import NotSent, Unknown


def caused(error: NetworkError, cause: BaseException) -> NetworkError:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "proved"),
    [
        (NetworkError("Internal Server Error"), True),  # a 5xx that answered
        (caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")), True),
        (caused(TimedOut("connect"), httpx.ConnectTimeout("connect")), True),  # never left
        (caused(TimedOut("pool"), httpx.PoolTimeout("pool")), True),
        (caused(TimedOut("read"), httpx.ReadTimeout("read")), False),  # may have arrived
        (caused(NetworkError("dropped"), httpx.RemoteProtocolError("gone")), False),
        (BadRequest("message is not modified"), False),
        (Forbidden("bot was blocked by the user"), False),
        (RetryAfter(3), False),  # AIORateLimiter's to wait out
    ],
)
def test_only_a_failure_that_proves_nothing_was_applied_is_retried(
    error: Exception, proved: bool
) -> None:
    assert not_applied(error) is proved
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        assert isinstance(classify(error), NotSent if proved else Unknown)
