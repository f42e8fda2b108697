"""An offline Telegram Bot API: one emulator core, served over loopback HTTP or in process."""

from bot.emulator.core import Emulator
from bot.emulator.html import EntityParseError, html_to_plain, parse_text, utf16_len
from bot.emulator.inprocess import EmulatorRequest
from bot.emulator.model import (
    CHANNEL_BOT_ID,
    GROUP_ANONYMOUS_BOT_ID,
    ApiError,
    Call,
    ConnectionDropped,
    FakeChat,
    FakeMessage,
    FakeUser,
    Fault,
    SentFile,
    UploadedFile,
)
from bot.emulator.params import decode_params
from bot.emulator.server import FakeBotApiServer, WebhookPusher

__all__ = [
    "CHANNEL_BOT_ID",
    "GROUP_ANONYMOUS_BOT_ID",
    "ApiError",
    "Call",
    "ConnectionDropped",
    "Emulator",
    "EmulatorRequest",
    "EntityParseError",
    "FakeBotApiServer",
    "FakeChat",
    "FakeMessage",
    "FakeUser",
    "Fault",
    "SentFile",
    "UploadedFile",
    "WebhookPusher",
    "decode_params",
    "html_to_plain",
    "parse_text",
    "utf16_len",
]
