"""`dutybot import`: a team's volunteer list from the office's computer, answered row by row
on the terminal. Links to Telegram accounts are not made here: a leader confirms each one
with /import in a private chat with the bot."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.documents.roster_file import FileProblem, read_table
from bot.emulator.html import html_to_plain
from bot.i18n import Translator, translator
from bot.views import imports as view
from scheduler.clock import SystemClock
from storage import groups, imports
from storage.db import SessionFactory, make_engine, make_session_factory, transaction


class ListError(Exception):
    """The list cannot be imported; the message is the one line the operator sees."""


async def import_list(
    settings: Settings, path: Path, *, group_id: int, language: str | None = None
) -> str:
    """Import the file into the team; return the answer as plain text."""
    engine = make_engine(settings.database.url)
    try:
        return await import_file(
            make_session_factory(engine), path, group_id=group_id,
            t=translator(language or settings.bot.language), now=SystemClock().now(),
        )
    finally:
        await engine.dispose()


async def import_file(
    sessions: SessionFactory, path: Path, *, group_id: int, t: Translator, now: datetime
) -> str:
    """The import itself, on a session factory."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ListError(f"cannot read {path}: {exc.strerror or exc}") from None
    table = read_table(path.name, content)
    if isinstance(table, FileProblem):
        raise ListError(html_to_plain(view.file_problem(t, table)))
    async with transaction(sessions) as session:
        group = await groups.by_id_or_chat(session, group_id)
        if group is None:
            raise ListError(f"there is no team {group_id} (a team id or chat id)")
        result = await imports.import_rows(session, group.id, table, actor=None,
                                           source=path.name, now=now)
        if isinstance(result, imports.NoNameColumn):
            raise ListError(html_to_plain(view.no_name_column(t, result.headings)))
        title = group.title
        waiting = len(await imports.candidates(session, group.id))
    text = view.imported(t, title, path.name, result)
    if waiting:
        text += "\n" + view.confirm_in_telegram(t, waiting)
    return html_to_plain(text)
