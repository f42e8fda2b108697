"""Who may do what: checked on the server every time, never taken from the client."""

from __future__ import annotations

from bot.config import Settings

ANONYMOUS_ADMIN_ID = 1087968824  # GroupAnonymousBot: an admin posting as the group


def is_bot_admin(settings: Settings, user_id: int) -> bool:
    """A `[bot] admins` user: administers every group."""
    return user_id in settings.bot.admins
