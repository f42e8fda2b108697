"""`dutybot backup`: a consistent copy of the SQLite database, restored by putting it back."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main


def _config(tmp_path: Path, db: Path, name: str = "dutybot.toml") -> Path:
    config = tmp_path / name
    config.write_text(
        f'[telegram]\ntoken = "123:abc"\n[database]\nurl = "sqlite+aiosqlite:///{db}"\n',
        encoding="utf-8",
    )
    return config


def test_a_backup_is_restored_by_putting_the_file_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "live.db"
    config = _config(tmp_path, db)
    assert main(["migrate", "--config", str(config)]) == 0
    with sqlite3.connect(db) as conn:  # a team the bot recorded
        conn.execute(
            "INSERT INTO groups (telegram_chat_id, title, timezone, language, status, "
            "created_at, pending_notice_sent) VALUES (-100123, '幸福里', 'Asia/Shanghai', "
            "'zh_CN', 'active', '2026-11-30 10:00:00', 0)"
        )
    out = tmp_path / "backup.db"
    assert main(["backup", "--config", str(config), str(out)]) == 0
    assert f"{out}: a copy of {db}" in capsys.readouterr().out
    # Never over an existing file.
    assert main(["backup", "--config", str(config), str(out)]) == 2
    assert "exists already" in capsys.readouterr().err

    # The live file is lost; the restore is the documented copy back, then migrate.
    db.unlink()
    restored = tmp_path / "restored.db"
    shutil.copyfile(out, restored)
    assert main(["migrate", "--config", str(_config(tmp_path, restored, "r.toml"))]) == 0
    assert "database is up to date" in capsys.readouterr().out
    with sqlite3.connect(restored) as conn:
        assert conn.execute("SELECT title FROM groups").fetchall() == [("幸福里",)]


def test_backup_explains_postgresql_and_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    missing = _config(tmp_path, tmp_path / "none.db")
    assert main(["backup", "--config", str(missing), str(tmp_path / "b.db")]) == 2
    assert "there is no database file" in capsys.readouterr().err
    pg = tmp_path / "pg.toml"
    pg.write_text('[telegram]\ntoken = "123:abc"\n[database]\n'
                  'url = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"\n', encoding="utf-8")
    assert main(["backup", "--config", str(pg), str(tmp_path / "b.db")]) == 2
    assert "use pg_dump" in capsys.readouterr().err


def test_a_second_bot_process_on_one_sqlite_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from storage.db import one_process

    db = tmp_path / "live.db"
    config = _config(tmp_path, db)
    assert main(["migrate", "--config", str(config)]) == 0
    script = tmp_path / "s.txt"
    script.write_text(":quit\n", encoding="utf-8")
    with one_process(f"sqlite+aiosqlite:///{db}"):  # `dutybot run` is up
        assert main(["run", "--config", str(config)]) == 2
        assert "another dutybot (run or console) is using" in capsys.readouterr().err
        assert main(["console", "--db", str(db), "--script", str(script)]) == 2
        assert "stop it first" in capsys.readouterr().err
        # Backups and migrations may run beside it.
        assert main(["backup", "--config", str(config), str(tmp_path / "b.db")]) == 0
        assert main(["migrate", "--config", str(config)]) == 0
    assert main(["console", "--db", str(tmp_path / "other.db"), "--script", str(script)]) == 0
