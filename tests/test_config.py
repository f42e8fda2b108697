"""Configuration: good files load; every bad one stops start-up with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import StartupError, check_test_hooks, main
from bot.config import ConfigError, load_settings

GOOD = """
[telegram]
token = "123:abc"
api_base_url = "http://127.0.0.1:9999/bot"

[database]
url = "sqlite+aiosqlite:///x.db"

[bot]
timezone = "Europe/Berlin"
language = "en"
admins = [42]
allowed_groups = [-1001]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_every_key(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), {})
    assert settings.telegram.token == "123:abc"
    assert settings.telegram.api_base_url == "http://127.0.0.1:9999/bot"
    assert settings.bot.timezone == "Europe/Berlin"
    assert settings.bot.language == "en"
    assert settings.bot.admins == (42,)
    assert settings.bot.allowed_groups == (-1001,)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    env = {
        "DUTYBOT_TELEGRAM_TOKEN": "999:env",
        "DUTYBOT_DATABASE_URL": "postgresql+asyncpg://u@h/db",
    }
    settings = load_settings(path, env)
    assert settings.telegram.token == "999:env"
    assert settings.database.url == "postgresql+asyncpg://u@h/db"


def test_dutybot_config_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert load_settings(None, {"DUTYBOT_CONFIG": str(path)}).bot.language == "en"


def test_defaults_need_only_a_token() -> None:
    settings = load_settings(None, {"DUTYBOT_TELEGRAM_TOKEN": "1:x"})
    assert settings.bot.timezone == "Asia/Shanghai"
    assert settings.bot.language == "zh_CN"
    assert settings.database.url == "sqlite+aiosqlite:///dutybot.db"
    assert settings.telegram.api_base_url == "https://api.telegram.org/bot"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[telegram]\n", "[telegram] token"),
        ("[telegram]\ntoken = \n", "not valid TOML"),
        ('[telegram]\ntoken = "1:x"\ntokn = "y"\n', "unknown key [telegram] tokn"),
        ('[telegram]\ntoken = "1:x"\n[bots]\n', "unknown section [bots]"),
        ('[telegram]\ntoken = "1:x"\n[bot]\ntimezone = "Asia/Shangai"\n', "[bot] timezone"),
        ('[telegram]\ntoken = "1:x"\n[bot]\nlanguage = "fr"\n', "[bot] language"),
        ('[telegram]\ntoken = "1:x"\n[bot]\nadmins = ["me"]\n', "[bot] admins"),
        ('[telegram]\ntoken = "1:x"\nmode = "webhooks"\n', "[telegram] mode"),
        ('[telegram]\ntoken = "1:x"\n[database]\nurl = "mysql://x"\n', "[database] url"),
        ('[telegram]\ntoken = "1:x"\napi_base_url = "ftp://x"\n', "[telegram] api_base_url"),
    ],
)
def test_bad_configuration_names_the_key(tmp_path: Path, text: str, names: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), {})
    message = str(info.value)
    assert names in message
    assert "\n" not in message


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[telegram]\n", "[telegram] token is missing"),
        ('[telegram]\ntoken = "1:x"\n[bot]\ntimezone = "Mars/Base"\n', "Mars/Base"),
    ],
)
def test_cli_prints_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    code = main(["run", "--config", str(write(tmp_path, text))])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_cli_reports_an_unreachable_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUTYBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("DUTYBOT_DATABASE_URL", raising=False)
    cfg = write(
        tmp_path,
        '[telegram]\ntoken = "1:x"\n[database]\n'
        'url = "postgresql+asyncpg://nobody@127.0.0.1:1/nowhere"\n',
    )
    code = main(["migrate", "--config", str(cfg)])
    err = capsys.readouterr().err
    assert code == 2
    assert "database error" in err and "[database] url" in err
    assert "Traceback" not in err


def test_roster_days_and_cutoff(tmp_path: Path) -> None:
    ok = load_settings(write(tmp_path, '[telegram]\ntoken = "1:x"\n[bot]\nroster_days = 14\n'
                                       "release_cutoff_hours = 6\n"), {})
    assert ok.bot.roster_days == 14 and ok.bot.release_cutoff_hours == 6.0
    with pytest.raises(ConfigError, match="roster_days"):
        load_settings(write(tmp_path, '[telegram]\ntoken = "1:x"\n[bot]\nroster_days = 90\n'), {})


def test_test_hooks_are_checked_and_said_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert check_test_hooks({}) == []
    clock = tmp_path / "clock"
    clock.write_text("2026-11-24T10:00:00+00:00")
    found = check_test_hooks({"DUTYBOT_CRASH_AT": "after-send", "DUTYBOT_TICK_SECONDS": "0.2",
                              "DUTYBOT_FAKE_CLOCK": str(clock), "DUTYBOT_LIMITS_SCALE": "100"})
    assert len(found) == 4
    assert caplog.text.count("TEST HOOK SET") == 4
    for bad in ({"DUTYBOT_CRASH_AT": "after-sned"}, {"DUTYBOT_TICK_SECONDS": "fast"},
                {"DUTYBOT_TICK_SECONDS": "-1"}, {"DUTYBOT_FAKE_CLOCK": str(tmp_path / "no")},
                {"DUTYBOT_LIMITS_SCALE": "0.5"}, {"DUTYBOT_LIMITS_SCALE": "lots"},
                {"DUTYBOT_LIMITS_SCALE": "inf"}):
        with pytest.raises(StartupError):
            check_test_hooks(bad)


def test_star_hours_default_and_checked(tmp_path: Path) -> None:
    base = '[telegram]\ntoken = "1:x"\n'
    cfg = tmp_path / "c.toml"
    cfg.write_text(base, encoding="utf-8")
    assert load_settings(cfg, {}).recognition.star_hours == (100, 300, 600, 1000, 1500)
    cfg.write_text(base + "[recognition]\nstar_hours = [50, 200]\n", encoding="utf-8")
    assert load_settings(cfg, {}).recognition.star_hours == (50, 200)
    for bad in ("[300, 100]", "[]", "[0, 10]", '["100"]', "100", "[100, 100]"):
        cfg.write_text(base + f"[recognition]\nstar_hours = {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="star_hours"):
            load_settings(cfg, {})


WEBHOOK = """
[telegram]
token = "123:abc"
mode = "webhook"
webhook_url = "https://bot.example.org/telegram"
secret_token = "0123456789abcdef0123"
"""


def test_webhook_mode_reads_its_url_secret_and_port(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, WEBHOOK + "listen = \"0.0.0.0\"\n"), {})
    assert settings.telegram.mode == "webhook"
    assert settings.telegram.webhook_path == "/telegram"
    assert (settings.telegram.listen, settings.telegram.port) == ("0.0.0.0", 8080)
    from_env = load_settings(write(tmp_path, WEBHOOK.replace("0123456789abcdef0123", "")),
                             {"DUTYBOT_WEBHOOK_SECRET": "x" * 32})
    assert from_env.telegram.secret_token == "x" * 32


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("https://bot.example.org/telegram", "http://bot.example.org/telegram"),
         "[telegram] webhook_url must be the https:// address"),
        (("https://bot.example.org/telegram", ""), "[telegram] webhook_url must be"),
        (("0123456789abcdef0123", "short"), "[telegram] secret_token must be 16 to 256"),
        (("0123456789abcdef0123", "has spaces in it, sixteen+"),
         "[telegram] secret_token must be"),
        (('mode = "webhook"', 'mode = "hook"'), "[telegram] mode 'hook' is not supported"),
    ],
)
def test_a_webhook_that_cannot_work_stops_start_up(
    tmp_path: Path, change: tuple[str, str], said: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, WEBHOOK.replace(*change)), {})
    assert said in str(error.value)


def test_polling_mode_ignores_a_webhook_it_does_not_use(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, WEBHOOK.replace('"webhook"', '"polling"')
                                   .replace("0123456789abcdef0123", "")), {})
    assert (settings.telegram.mode, settings.telegram.port) == ("polling", 0)
