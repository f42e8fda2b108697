"""Request parameters: decoding what PTB sends, and the checks every method shares."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.emulator.html import EntityParseError, ParsedText, parse_text
from bot.emulator.model import JSON, ApiError, FakeChat, UploadedFile, bad_request, forbidden

if TYPE_CHECKING:
    from bot.emulator.world import World

# Parameters that are text even when they look like JSON ("123", "true", "null").
TEXT_KEYS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url",
    "description", "short_description", "title", "query", "language_code", "name",
    "first_name", "last_name", "phone_number", "vcard", "address", "question", "explanation",
    "emoji", "secret_token", "ip_address", "business_connection_id", "message_effect_id",
    "file_id", "photo", "document", "audio", "video", "animation", "voice", "video_note",
    "sticker", "thumbnail", "custom_title", "sticker_set_name", "game_short_name",
    "quote", "quote_parse_mode", "performer", "foursquare_id", "google_place_id",
    "switch_pm_text", "switch_pm_parameter", "next_offset", "invite_link", "payload",
    "start_parameter", "currency", "provider_token", "shipping_query_id",
    "pre_checkout_query_id", "error_message", "tag",
})


def decode_params(
    raw: Mapping[str, Any], files: Mapping[str, UploadedFile] | None = None
) -> JSON:
    """Turn transport values (all strings, JSON-encoded unless text-like) into Python values.

    File parts are added under their field names (`photo`, or an `attach://` name).
    """
    params: JSON = {}
    for key, value in raw.items():
        if key in TEXT_KEYS:
            params[key] = value if isinstance(value, str) or value is None else str(value)
        elif isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        else:
            params[key] = value
    params.update(files or {})
    return params


class Params:
    """Typed access to one request's decoded parameters, failing like Telegram does."""

    def __init__(self, raw: JSON) -> None:
        self.raw = raw

    def get(self, key: str, default: Any = None) -> Any:
        """The value, or `default` when absent or null."""
        value = self.raw.get(key)
        return default if value is None else value

    def has(self, key: str) -> bool:
        """Was the parameter given (and not null)?"""
        return self.raw.get(key) is not None

    def get_int(self, key: str) -> int:
        """A required integer parameter."""
        value = self.opt_int(key)
        if value is None:
            raise bad_request(f"{key} is empty")
        return value

    def opt_int(self, key: str) -> int | None:
        """An optional integer parameter."""
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {key} specified") from None

    def get_float(self, key: str, default: float = 0.0) -> float:
        """An optional number."""
        value = self.raw.get(key)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {key} specified") from None

    def get_str(self, key: str) -> str | None:
        """An optional string parameter."""
        value = self.raw.get(key)
        return None if value is None else str(value)

    def get_bool(self, key: str) -> bool:
        """An optional boolean flag."""
        value = self.raw.get(key)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)


def chat_error_for(chat: FakeChat) -> None:
    """Raise what Telegram answers for a chat the bot can no longer (or cannot) use."""
    if chat.migrated_to is not None:
        raise ApiError(
            400, "Bad Request: group chat was upgraded to a supergroup chat",
            parameters={"migrate_to_chat_id": chat.migrated_to},
        )
    if chat.type == "private":
        return
    if chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {chat.kind_name}")
    if chat.bot_status not in ("member", "administrator"):
        raise forbidden(f"bot is not a member of the {chat.kind_name}")


_URL_RE = re.compile(r"^(https?|tg|ton)://\S+$")
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)


def reply_markup(p: Params) -> JSON | None:
    """The reply_markup parameter, inline keyboards checked as Telegram checks them."""
    markup = p.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for button in (b for row in rows for b in row):
        _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            "can't parse inline keyboard button: Field \"text\" must be of type String"
        )
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [a for a in _BUTTON_ACTIONS if a in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _URL_RE.match(str(button["url"])):
        raise bad_request(
            f"inline keyboard button URL '{button['url']}' is invalid: Wrong URL host"
        )


def formatted(
    p: Params,
    key: str = "text",
    *,
    limit: int = 4096,
    required: bool = True,
) -> tuple[str | None, ParsedText | None, str | None]:
    """(source text, parsed text, parse_mode) of `text` or `caption`, checked like Telegram."""
    source = p.get_str(key)
    mode = p.get_str("parse_mode") or None
    if not source:
        if required:
            raise bad_request("message text is empty")
        return None, None, mode
    entities = p.get("entities" if key == "text" else "caption_entities")
    if isinstance(entities, list) and not mode:
        parsed = ParsedText(source, [e for e in entities if isinstance(e, dict)])
    else:
        try:
            parsed = parse_text(source, mode)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        except ValueError:
            raise bad_request(f"unsupported parse_mode \"{mode}\"") from None
    if not parsed.text.strip():
        if required:
            raise bad_request("message text is empty")
        return None, None, mode
    if len(parsed.text) > limit:
        raise bad_request("message is too long" if key == "text" else "message caption is too long")
    return source, parsed, mode


def target_chat(w: World, p: Params, *, writing: bool = False, key: str = "chat_id") -> FakeChat:
    """The chat a method addresses, with Telegram's errors for unusable chats.

    `writing` adds the private-chat checks (blocked, never started, a bot).
    """
    ref = p.get(key)
    if ref is None or ref == "":
        raise bad_request("chat_id is empty")
    chat: FakeChat | None
    if isinstance(ref, str) and ref.startswith("@"):
        chat = next((c for c in w.chats.values() if c.username == ref[1:]), None)
    else:
        chat_id = p.get_int(key)
        chat = w.chats.get(chat_id)
        if chat is None and chat_id in w.users and writing:
            chat = w.private_chat(w.users[chat_id])  # Telegram knows the user: 403 below
    if chat is None:
        raise bad_request("chat not found")
    chat_error_for(chat)
    if writing and chat.type == "private":
        user = w.users.get(chat.id)
        if user is not None and user.is_bot:
            raise forbidden("bot can't send messages to bots")
        if user is not None and user.blocked:
            raise forbidden("bot was blocked by the user")
        if user is None or not user.started:
            raise forbidden("bot can't initiate conversation with a user")
    return chat
