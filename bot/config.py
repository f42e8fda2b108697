"""Settings: read once from TOML plus environment overrides into one typed object."""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from storage.recognition import DEFAULT_POINTS_PER_HOUR, DEFAULT_STAR_HOURS, Rules
from storage.settings import time_zones

LANGUAGES = ("zh_CN", "en")
MODES = ("polling", "webhook")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,256}")  # Telegram allows 1–256; we ask for 16+
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///dutybot.db"


class ConfigError(Exception):
    """Configuration that cannot work; the message is one line naming the key and the fix."""


@dataclass(frozen=True)
class TelegramSettings:
    """How to reach Telegram."""

    token: str
    api_base_url: str = DEFAULT_API_BASE_URL
    mode: str = "polling"
    webhook_url: str = ""  # where Telegram posts updates (webhook mode)
    secret_token: str = ""  # Telegram sends it back with every update (webhook mode)
    listen: str = "127.0.0.1"  # the HTTP server's address (behind nginx)
    port: int = 0  # the HTTP server's port; 0 in polling mode: no HTTP server

    @property
    def webhook_path(self) -> str:
        """The path of webhook_url: the route the server takes updates at."""
        return urlsplit(self.webhook_url).path or "/"


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the data lives."""

    url: str = DEFAULT_DATABASE_URL


@dataclass(frozen=True)
class BotSettings:
    """Behaviour defaults for every group."""

    timezone: str = "Asia/Shanghai"
    language: str = "zh_CN"
    admins: tuple[int, ...] = ()
    allowed_groups: tuple[int, ...] = ()
    ack_window: float = 2.0
    concurrent_updates: int = 8
    roster_days: int = 7
    release_cutoff_hours: float = 3.0

    @property
    def kept_connections(self) -> int:
        """PostgreSQL connections an instance keeps open: every update handled at once, the
        roster edits and acknowledgements they leave behind and each message's send slot use
        one (a new PostgreSQL connection costs more than the work on it)."""
        return 2 * self.concurrent_updates + 8


@dataclass(frozen=True)
class RecognitionSettings:
    """The deployment's defaults for recognising service."""

    star_hours: tuple[int, ...] = DEFAULT_STAR_HOURS  # confirmed hours for 一星, 二星, …
    points_per_hour: int = DEFAULT_POINTS_PER_HOUR  # 积分 per confirmed hour
    report_points: int = 0  # 积分 for each report filed

    @property
    def rules(self) -> Rules:
        """The defaults as storage counts them (an organisation may set its own)."""
        return Rules(star_hours=self.star_hours, points_per_hour=self.points_per_hour,
                     report_points=self.report_points)


@dataclass(frozen=True)
class Settings:
    """Everything dutybot is configured with."""

    telegram: TelegramSettings
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    bot: BotSettings = field(default_factory=BotSettings)
    recognition: RecognitionSettings = field(default_factory=RecognitionSettings)


_SECTIONS: dict[str, tuple[str, ...]] = {
    "telegram": ("token", "api_base_url", "mode", "webhook_url", "secret_token", "listen",
                 "port"),
    "database": ("url",),
    "bot": (
        "timezone", "language", "admins", "allowed_groups", "ack_window", "concurrent_updates",
        "roster_days", "release_cutoff_hours",
    ),
    "recognition": ("star_hours", "points_per_hour", "report_points"),
}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} does not exist — copy config.example.toml there"
        ) from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc} — fix that line") from None


def _check_keys(data: Mapping[str, Any], path: Path | None) -> None:
    where = f" in {path}" if path else ""
    for section, values in data.items():
        if section not in _SECTIONS:
            raise ConfigError(
                f"unknown section [{section}]{where} — the sections are "
                + ", ".join(f"[{s}]" for s in _SECTIONS)
            )
        if not isinstance(values, dict):
            raise ConfigError(f"[{section}]{where} must be a table of keys, not a value")
        for key in values:
            if key not in _SECTIONS[section]:
                raise ConfigError(
                    f"unknown key [{section}] {key}{where} — known keys: "
                    + ", ".join(_SECTIONS[section])
                )


def _str(section: dict[str, Any], name: str, key: str, default: str) -> str:
    value = section.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"[{name}] {key} must be a string in quotes, got {value!r}")
    return value.strip()


def _ids(section: dict[str, Any], name: str, key: str) -> tuple[int, ...]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ConfigError(f"[{name}] {key} must be a list of numeric Telegram ids, like [12345]")
    return tuple(value)


def _number(section: dict[str, Any], name: str, key: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"[{name}] {key} must be a non-negative number, got {value!r}")
    return float(value)


def _whole(
    section: dict[str, Any], key: str, default: int, low: int, high: int, name: str = "bot"
) -> int:
    value = _number(section, name, key, default)
    if value != int(value) or not low <= value <= high:
        raise ConfigError(f"[{name}] {key} must be a whole number from {low} to {high}")
    return int(value)


def load_settings(path: Path | None, env: Mapping[str, str]) -> Settings:
    """Read the TOML file (if any), apply DUTYBOT_* overrides and validate every value."""
    if path is None and env.get("DUTYBOT_CONFIG"):
        path = Path(env["DUTYBOT_CONFIG"])
    data: dict[str, Any] = _read_toml(path) if path is not None else {}
    _check_keys(data, path)
    tg = data.get("telegram", {})
    db = data.get("database", {})
    bt = data.get("bot", {})
    rc = data.get("recognition", {})

    token = env.get("DUTYBOT_TELEGRAM_TOKEN") or _str(tg, "telegram", "token", "")
    if not token:
        raise ConfigError(
            "[telegram] token is missing — put the token from @BotFather in the config file "
            "or set DUTYBOT_TELEGRAM_TOKEN"
        )
    api_base_url = _str(tg, "telegram", "api_base_url", DEFAULT_API_BASE_URL)
    if not api_base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"[telegram] api_base_url must start with http:// or https://, got {api_base_url!r}"
        )
    mode = _str(tg, "telegram", "mode", "polling")
    if mode not in MODES:
        raise ConfigError(f"[telegram] mode {mode!r} is not supported — use \"polling\" or "
                          "\"webhook\"")
    webhook_url, secret_token = _webhook(tg, env, mode)
    listen = _str(tg, "telegram", "listen", "127.0.0.1")
    port = _whole(tg, "port", 8080 if mode == "webhook" else 0, 0, 65535, "telegram")
    if mode == "webhook" and port == 0:
        raise ConfigError("[telegram] port must be a port number from 1 to 65535 in webhook mode")

    url = env.get("DUTYBOT_DATABASE_URL") or _str(db, "database", "url", DEFAULT_DATABASE_URL)
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            "[database] url must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
            f"got {url.split('://')[0]!r}"
        )

    timezone = _str(bt, "bot", "timezone", "Asia/Shanghai")
    if timezone not in time_zones():
        raise ConfigError(
            f"[bot] timezone {timezone!r} is not a known time zone — use a name like "
            "\"Asia/Shanghai\" or \"Europe/Berlin\""
        )
    language = _str(bt, "bot", "language", "zh_CN")
    if language not in LANGUAGES:
        raise ConfigError(f"[bot] language {language!r} is not available — use \"zh_CN\" or \"en\"")
    concurrent = _number(bt, "bot", "concurrent_updates", 8)
    if concurrent < 1 or concurrent != int(concurrent):
        raise ConfigError(f"[bot] concurrent_updates must be a whole number ≥ 1, got {concurrent}")

    return Settings(
        telegram=TelegramSettings(token=token, api_base_url=api_base_url, mode=mode,
                                  webhook_url=webhook_url, secret_token=secret_token,
                                  listen=listen, port=port),
        database=DatabaseSettings(url=url),
        bot=BotSettings(
            timezone=timezone,
            language=language,
            admins=_ids(bt, "bot", "admins"),
            allowed_groups=_ids(bt, "bot", "allowed_groups"),
            ack_window=_number(bt, "bot", "ack_window", 2.0),
            concurrent_updates=int(concurrent),
            roster_days=_whole(bt, "roster_days", 7, 1, 31),
            release_cutoff_hours=_number(bt, "bot", "release_cutoff_hours", 3.0),
        ),
        recognition=RecognitionSettings(
            star_hours=_star_hours(rc),
            points_per_hour=_whole(
                rc, "points_per_hour", DEFAULT_POINTS_PER_HOUR, 0, 1000, "recognition"
            ),
            report_points=_whole(rc, "report_points", 0, 0, 1000, "recognition"),
        ),
    )


def _star_hours(section: Mapping[str, Any]) -> tuple[int, ...]:
    value = section.get("star_hours", list(DEFAULT_STAR_HOURS))
    if (
        not isinstance(value, list) or not value or len(value) > 10
        or not all(isinstance(h, int) and not isinstance(h, bool) and h > 0 for h in value)
        or any(a >= b for a, b in itertools.pairwise(value))
    ):
        raise ConfigError(
            "[recognition] star_hours must be 1 to 10 whole numbers of hours, each larger "
            f"than the one before, like [100, 300, 600, 1000, 1500]; got {value!r}"
        )
    return tuple(value)


def _webhook(tg: dict[str, Any], env: Mapping[str, str], mode: str) -> tuple[str, str]:
    """webhook_url and secret_token: both needed in webhook mode, checked as Telegram would."""
    url = _str(tg, "telegram", "webhook_url", "")
    secret = env.get("DUTYBOT_WEBHOOK_SECRET") or _str(tg, "telegram", "secret_token", "")
    if mode != "webhook":
        return url, secret
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and (parts.hostname or "") in ("127.0.0.1", "localhost",
                                                                     "::1")
    if not (parts.scheme == "https" or loopback) or not parts.hostname:
        raise ConfigError(
            "[telegram] webhook_url must be the https:// address Telegram posts updates to, "
            f"like \"https://bot.example.org/telegram\"; got {url!r}"
        )
    if not SECRET_TOKEN.fullmatch(secret):
        raise ConfigError(
            "[telegram] secret_token must be 16 to 256 letters, digits, _ or - (Telegram sends "
            "it with every update; make one with: python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'), or set DUTYBOT_WEBHOOK_SECRET"
        )
    return url, secret
