"""Bot API methods about the bot, updates, chats, members and command menus."""

from __future__ import annotations

import asyncio
import re

from bot.emulator.model import (
    GROUP_ANONYMOUS_BOT_ID,
    JSON,
    ApiError,
    FakeChat,
    FakeUser,
    bad_request,
)
from bot.emulator.params import Params, target_chat
from bot.emulator.world import World

_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


def get_me(w: World, p: Params) -> JSON:
    """getMe."""
    return {
        **w.bot_user.to_dict(), "can_join_groups": True,
        "can_read_all_group_messages": not w.privacy_mode, "supports_inline_queries": False,
        "can_connect_to_business": False, "has_main_web_app": False,
    }


def ok(w: World, p: Params) -> bool:
    """logOut, close, sendChatAction and other methods that just say yes."""
    return True


def set_webhook(w: World, p: Params) -> bool:
    """setWebhook: remembered (with the secret token, allowed updates and connections a
    WebhookPusher uses); getUpdates then answers 409 as Telegram does."""
    w.webhook_url = p.get_str("url") or ""
    w.webhook_secret = p.get_str("secret_token") or ""
    w.webhook_connections = min(max(p.opt_int("max_connections") or 40, 1), 100)
    allowed = p.get("allowed_updates")
    w.webhook_default_updates = False
    if isinstance(allowed, list):
        w.allowed_updates = [str(a) for a in allowed]
    else:  # Telegram's default: every kind except chat_member, message_reaction(_count)
        w.allowed_updates = []
        w.webhook_default_updates = True
    w.notify()
    return True


def delete_webhook(w: World, p: Params) -> bool:
    """deleteWebhook, optionally dropping pending updates."""
    w.webhook_url = ""
    if p.get_bool("drop_pending_updates"):
        w.forget_updates(w.last_update_id + 1)
    return True


def get_webhook_info(w: World, p: Params) -> JSON:
    """getWebhookInfo."""
    return {"url": w.webhook_url, "has_custom_certificate": False,
            "pending_update_count": len(w.pending_updates)}


async def get_updates(w: World, p: Params) -> list[JSON]:
    """getUpdates: offset confirms, limit ≤ 100, long polling up to `timeout` seconds."""
    if w.webhook_url:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
    offset = p.opt_int("offset")
    limit = min(max(p.opt_int("limit") or 100, 1), 100)
    timeout = max(p.get_float("timeout"), 0.0)
    allowed = p.get("allowed_updates")
    if isinstance(allowed, list):
        w.allowed_updates = [str(a) for a in allowed]
    if offset is not None and offset < 0:
        w.forget_updates(w.last_update_id + offset + 1)
    elif offset is not None:
        w.forget_updates(offset)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        w.drop_unwanted_updates()
        batch = w.pending_updates[:limit]
        remaining = deadline - loop.time()
        if batch or remaining <= 0:
            break
        await w.changed(remaining)
    if batch:
        w.delivered_update_id = max(w.delivered_update_id, batch[-1]["update_id"])
    return batch


def get_chat(w: World, p: Params) -> JSON:
    """getChat (a ChatFullInfo)."""
    chat = target_chat(w, p)
    data = chat.to_dict()
    data.update({
        "accent_color_id": 0, "max_reaction_count": 11,
        "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                "unique_gifts": False, "premium_subscription": False,
                                "gifts_from_channels": False},
    })
    return data


_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories", "can_pin_messages", "can_manage_topics",
)


def member_status(w: World, chat: FakeChat, user: FakeUser) -> str:
    """The user's status in the chat per world state."""
    if user.id == w.bot_user.id:
        return "member" if chat.type == "private" else chat.bot_status
    if chat.type == "private":
        return "member" if user.id == chat.id else "left"
    if user.id == chat.creator:
        return "creator"
    if user.id in chat.admins:
        return "administrator"
    if user.id in chat.members or (user.id == GROUP_ANONYMOUS_BOT_ID and chat.is_group):
        return "member"
    return "left"


def member_dict(w: World, chat: FakeChat, user: FakeUser) -> JSON:
    """A Bot API `ChatMember` for the user in the chat."""
    status = member_status(w, chat, user)
    data: JSON = {"status": status, "user": user.to_dict()}
    anonymous = user.id in chat.anonymous_admins
    if status == "creator":
        data["is_anonymous"] = anonymous
    elif status == "administrator":
        data.update({right: True for right in _ADMIN_RIGHTS})
        data.update({"can_be_edited": user.id != w.bot_user.id, "is_anonymous": anonymous})
    elif status == "kicked":
        data["until_date"] = 0
    return data


def get_chat_member(w: World, p: Params) -> JSON:
    """getChatMember."""
    chat = target_chat(w, p)
    user = w.users.get(p.get_int("user_id"))
    if user is None:
        raise bad_request("user not found")
    return member_dict(w, chat, user)


def get_chat_administrators(w: World, p: Params) -> list[JSON]:
    """getChatAdministrators: the creator first, then administrators (the bot too, if one)."""
    chat = target_chat(w, p)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    ids = sorted(chat.admins, key=lambda uid: (uid != chat.creator, uid))
    if chat.bot_status == "administrator":
        ids.append(w.bot_user.id)
    return [member_dict(w, chat, w.users[uid]) for uid in ids if uid in w.users]


def get_chat_member_count(w: World, p: Params) -> int:
    """getChatMemberCount."""
    chat = target_chat(w, p)
    if chat.type == "private":
        return 2
    return len(chat.members) + (1 if w.bot_present(chat) else 0)


def leave_chat(w: World, p: Params) -> bool:
    """leaveChat: the bot leaves a group (a my_chat_member update follows)."""
    chat = target_chat(w, p)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    w.bot_left(chat)
    return True


def _commands_key(p: Params) -> tuple[str, str | None]:
    scope = p.get("scope")
    if scope is None:
        name = "default"
    elif isinstance(scope, dict) and isinstance(scope.get("type"), str):
        name = ":".join([scope["type"]] + [str(scope[k]) for k in ("chat_id", "user_id")
                                            if k in scope])
    else:
        raise bad_request("can't parse BotCommandScope JSON object")
    return name, p.get_str("language_code") or None


def set_my_commands(w: World, p: Params) -> bool:
    """setMyCommands, stored under (scope, language_code)."""
    commands = p.get("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND_NAME.match(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description") or "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = _commands_key(p)
    if commands:
        w.my_commands[key] = [{"command": c["command"], "description": c["description"]}
                              for c in commands]
    else:
        w.my_commands.pop(key, None)
    return True


def get_my_commands(w: World, p: Params) -> list[JSON]:
    """getMyCommands for exactly that scope and language."""
    return [dict(c) for c in w.my_commands.get(_commands_key(p), [])]


def delete_my_commands(w: World, p: Params) -> bool:
    """deleteMyCommands."""
    w.my_commands.pop(_commands_key(p), None)
    return True
