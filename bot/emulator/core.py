"""The emulator: world state plus one entry point, `handle(method, params)`, for both transports."""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from bot.emulator import chats, messages
from bot.emulator.model import (
    JSON,
    ApiError,
    Call,
    ConnectionDropped,
    Fault,
    FaultRule,
)
from bot.emulator.params import Params
from bot.emulator.world import World
from bot.pacer import Pacer, RealPacer
from scheduler.clock import Clock

log = logging.getLogger(__name__)

Method = Callable[[World, Params], Any | Awaitable[Any]]

METHODS: dict[str, Method] = {
    "getMe": chats.get_me,
    "logOut": chats.ok,
    "close": chats.ok,
    "sendChatAction": chats.ok,
    "setWebhook": chats.set_webhook,
    "deleteWebhook": chats.delete_webhook,
    "getWebhookInfo": chats.get_webhook_info,
    "getUpdates": chats.get_updates,
    "getChat": chats.get_chat,
    "getChatMember": chats.get_chat_member,
    "getChatAdministrators": chats.get_chat_administrators,
    "getChatMemberCount": chats.get_chat_member_count,
    "leaveChat": chats.leave_chat,
    "setMyCommands": chats.set_my_commands,
    "getMyCommands": chats.get_my_commands,
    "deleteMyCommands": chats.delete_my_commands,
    "sendMessage": messages.send_message,
    "editMessageText": messages.edit_message_text,
    "editMessageCaption": messages.edit_message_caption,
    "editMessageReplyMarkup": messages.edit_message_reply_markup,
    "deleteMessage": messages.delete_message,
    "answerCallbackQuery": messages.answer_callback_query,
    "sendPhoto": messages.send_photo,
    "sendDocument": messages.send_document,
    "getFile": messages.get_file,
    "sendMediaGroup": messages.send_media_group,
}
_BY_LOWER = {name.lower(): (name, method) for name, method in METHODS.items()}

# Calls that put something into a chat, counted by the per-group flood limit.
FLOOD_COUNTED = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "editMessageText",
    "editMessageCaption", "editMessageReplyMarkup", "copyMessage", "forwardMessage",
    "sendAnimation", "sendAudio", "sendVideo", "sendVoice", "sendSticker", "sendPoll",
    "sendLocation", "sendContact", "sendDice",
})
FLOOD_WINDOW = 60.0
OVERALL_WINDOW = 1.0


class Emulator(World):
    """An offline Telegram Bot API: world state, method implementations, flood limit, faults.

    Build the world with the synchronous methods (add_user, add_group, send, tap, ...); a bot
    reaches `handle` over HTTP (FakeBotApiServer) or in process (EmulatorRequest).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_id: int | None = None,
        bot_username: str = "dutybot_test_bot",
        bot_first_name: str = "DutyBot",
    ) -> None:
        super().__init__(clock, token=token, bot_id=bot_id, bot_username=bot_username,
                         bot_first_name=bot_first_name)
        # Telegram's limits, enforced by default: 20 messages a minute into one group, 30 a
        # second overall (None switches one off). `pacer` is their time: the monotonic clock,
        # or the one the bot's rate limiter shares (bot.harness).
        self.group_rate_limit: int | None = 20
        self.overall_rate_limit: int | None = 30
        self.pacer: Pacer = RealPacer()
        self.flood_errors = 0
        self.floods: list[str] = []  # which window each 429 was for
        self._overall: deque[float] = deque()
        self.internal_errors: list[BaseException] = []
        self._flood: dict[int, deque[float]] = {}
        self._faults: list[FaultRule] = []
        self._chaos_rate = 0.0
        self._chaos = random.Random(0)
        self.chaos_faults = 0  # calls chaos made fail
        self._hanging: list[asyncio.Future[None]] = []

    # ----------------------------------------------------------------------------- faults

    def inject(
        self,
        method: str | None,
        fault: Fault,
        count: int | None = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next `count` matching calls fail (count None: until `clear_faults`).

        `method=None` matches every method except getUpdates; `chat_id` narrows to one chat.
        A fault is an ApiError (answered instead of applying) or "drop_before", "drop_after",
        "hang".
        """
        if isinstance(fault, str) and fault not in ("drop_before", "drop_after", "hang"):
            raise ValueError(f"unknown fault {fault!r}")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1 (or None)")
        self._faults.append(FaultRule(method, fault, count, chat_id))

    def chaos(self, rate: float, *, seed: int = 0) -> None:
        """From now on a `rate` share of calls (never getUpdates) fails at random, one in
        three each: a 500 answer, a connection dropped before the call was applied, or
        dropped after it was (rate 0: off). Seeded, so a failing run can be replayed."""
        self._chaos_rate = rate
        self._chaos = random.Random(seed)

    def clear_faults(self) -> None:
        """Forget every injected fault and let hanging calls go (their clients see a drop)."""
        self._faults.clear()
        self.release_hangs()

    @property
    def hanging(self) -> int:
        """How many calls are hanging right now (held by an injected "hang")."""
        return len(self._hanging)

    def release_hangs(self) -> None:
        """End every hanging call: the transport closes its connection without answering."""
        hanging, self._hanging = self._hanging, []
        for future in hanging:
            if not future.done():
                future.set_result(None)

    def _take_fault(self, method: str, params: JSON) -> Fault | None:
        if self._chaos_rate and method != "getUpdates" and self._chaos.random() < self._chaos_rate:
            self.chaos_faults += 1
            return self._chaos.choice((
                ApiError(500, "Internal Server Error"), "drop_before", "drop_after",
            ))
        for rule in self._faults:
            if rule.method is None and method == "getUpdates":
                continue
            if rule.method is not None and rule.method.lower() != method.lower():
                continue
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._faults.remove(rule)
            return rule.fault
        return None

    # ----------------------------------------------------------------------------- flood

    def _flood_chat(self, method: str, params: JSON) -> int | None:
        """The chat a message counts against (0: a private chat, counted overall only)."""
        if method not in FLOOD_COUNTED:
            return None
        try:
            chat_id = int(params.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        return chat_id if chat_id < 0 else 0

    def _check_flood(self, chat_id: int, now: float) -> None:
        limits = [(self._overall, self.overall_rate_limit, OVERALL_WINDOW)]
        if chat_id:
            limits.append((self._flood.setdefault(chat_id, deque()), self.group_rate_limit,
                           FLOOD_WINDOW))
        for sent, limit, window in limits:
            if limit is None:
                continue
            while sent and now - sent[0] >= window:
                sent.popleft()
            if len(sent) >= limit:
                self.flood_errors += 1
                self.floods.append("overall" if sent is self._overall else f"chat {chat_id}")
                wait = max(1, math.ceil(window - (now - sent[0])))
                raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _count_flood(self, chat_id: int, now: float) -> None:
        self._overall.append(now)
        if chat_id:
            self._flood.setdefault(chat_id, deque()).append(now)

    # ----------------------------------------------------------------------------- requests

    def check_token(self, token: str) -> bool:
        """Is this the bot's token?"""
        return token == self.token

    async def handle(self, method: str, params: JSON) -> tuple[int, JSON]:
        """Answer one Bot API call: (HTTP status, JSON body).

        Raises ConnectionDropped when an injected fault says the connection must close.
        """
        entry = _BY_LOWER.get(method.lower())
        name = entry[0] if entry else method
        call = Call(name, dict(params), self.clock.now())
        self.calls.append(call)
        try:
            fault = self._take_fault(name, params)
            if isinstance(fault, ApiError):
                raise fault
            if fault in ("drop_before", "hang"):
                call.outcome = "hang" if fault == "hang" else "dropped_before"
                if fault == "hang":
                    await self._hang()
                raise ConnectionDropped(name, applied=False)
            if entry is None:
                raise ApiError(404, "Not Found")
            flood_chat = self._flood_chat(name, params)
            arrived = self.pacer.now()  # Telegram counts a message when it arrives
            if flood_chat is not None:
                self._check_flood(flood_chat, arrived)
            result = entry[1](self, Params(params))
            if inspect.isawaitable(result):
                result = await result
            call.status, call.result, call.outcome = 200, result, "ok"
            if flood_chat is not None:
                self._count_flood(flood_chat, arrived)
            if fault == "drop_after":
                call.outcome = "dropped_after"
                raise ConnectionDropped(name, applied=True)
            return 200, {"ok": True, "result": result}
        except ApiError as exc:
            call.status, call.error, call.outcome = exc.status, exc.description, "error"
            return exc.status, exc.body()
        except (ConnectionDropped, asyncio.CancelledError):
            raise
        except Exception as exc:  # a bug in the emulator or a malformed request
            log.exception("emulator failed on %s", name)
            self.internal_errors.append(exc)
            call.status, call.error, call.outcome = 500, repr(exc), "error"
            return 500, ApiError(500, f"Internal Server Error: {exc!r}").body()
        finally:
            if call.outcome == "pending":
                call.outcome = "cancelled"
            self.notify()

    async def _hang(self) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._hanging.append(future)
        try:
            await future
        finally:
            if future in self._hanging:
                self._hanging.remove(future)
