"""`dutybot export`: the ledger workbook on the office's computer, every team of an
organisation (or one team) in one file, streamed, with a progress bar on a terminal."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from bot.config import Settings
from bot.documents.ledger_book import Written, write_ledger
from bot.documents.pdf_ledger import write_pdf_ledger
from bot.i18n import Translator, translator
from storage import groups, orgs
from storage.daybook import EARLIEST
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.models import Attendance, Organisation
from storage.recognition import Rules

FORMATS = {".xlsx": "xlsx", ".zip": "csv", ".pdf": "pdf"}


class ExportError(Exception):
    """The export cannot be made; the message is the one line the operator sees."""


async def export_ledger(
    settings: Settings, out: Path, *, first: date, last: date, org_id: int | None = None,
    group_id: int | None = None, fmt: str = "xlsx", language: str | None = None,
    progress: bool | None = None,
) -> Written:
    """Write the ledger of an organisation's teams (or one team) for a period to `out`:
    the workbook (xlsx), its CSV files (csv, a zip) or the printed ledger (pdf)."""
    engine = make_engine(settings.database.url)
    try:
        return await export_teams(
            make_session_factory(engine), out, first=first, last=last, org_id=org_id,
            group_id=group_id, fmt=fmt, t=translator(language or settings.bot.language),
            rules=settings.recognition.rules,
            progress=sys.stderr.isatty() if progress is None else progress,
        )
    finally:
        await engine.dispose()


async def export_teams(
    sessions: SessionFactory, out: Path, *, first: date, last: date, org_id: int | None,
    group_id: int | None, fmt: str, t: Translator, rules: Rules, progress: bool,
) -> Written:
    """The export itself, on a session factory: the teams, the count for the progress bar,
    the file."""
    if first > last:
        raise ExportError(f"--from {first} is after --to {last}")
    if first < EARLIEST:
        raise ExportError(f"--from {first} is before {EARLIEST}: there is no ledger then")
    async with sessions() as session:
        if org_id is not None:
            org = await session.get(Organisation, org_id)
            if org is None:
                raise ExportError(f"there is no organisation {org_id}")
            ids = list(await orgs.team_ids(session, org_id))
            if not ids:
                raise ExportError(f"organisation {org_id} ({org.name}) has no teams yet")
        else:
            assert group_id is not None
            group = await groups.by_id_or_chat(session, group_id)
            if group is None:
                raise ExportError(f"there is no team {group_id} (a team id or chat id)")
            ids = [group.id]
        records = await session.scalar(
            select(func.count(Attendance.id)).where(
                Attendance.group_id.in_(ids), Attendance.local_date >= first,
                Attendance.local_date <= last,
            )
        )
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), disable=not progress,
    ) as bar:
        task = bar.add_task(t.gettext("Service records"), total=int(records or 0))

        def moved(sheet: str, rows: int) -> None:
            if sheet == t.gettext("Service records"):
                bar.update(task, completed=rows)
            else:
                bar.update(task, description=sheet)

        if fmt == "pdf":
            return await write_pdf_ledger(sessions, ids, first, last, t, out, rules=rules)
        return await write_ledger(sessions, ids, first, last, t, out, csv=fmt == "csv",
                                  rules=rules, progress=moved)
