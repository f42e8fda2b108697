"""The printed monthly ledger (台账): an A4 PDF for the paper file, per team and month.

The shifts held with who served and their hours, the month's figures, the problems and
their outcome, and lines for the leader's and the clerk's signatures. The Chinese font is
embedded (a reader without it would draw every character as a box).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.documents.fonts import cjk_font
from bot.documents.ledger_book import (
    Written,
    file_name,
    header,
    hours,
    kg,
    status_label,
    title_of,
)
from bot.i18n import Translator
from bot.render import esc
from bot.views.labels import clock_label, period_label
from storage import ledger as lg
from storage.daybook import Period
from storage.db import SessionFactory, reading
from storage.recognition import DEFAULT_RULES, Rules

MARGIN = 15 * mm


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of the ledger, in the embedded font."""

    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    certificate: ParagraphStyle


def styles() -> Styles:
    """Styles in the CJK font (CJK line breaking: a line may break between any two
    characters, never before a closing mark)."""
    font = cjk_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    return Styles(
        title=ParagraphStyle("title", parent=base, fontSize=18, leading=24,
                             alignment=TA_CENTER),
        subtitle=ParagraphStyle("subtitle", parent=base, alignment=TA_CENTER,
                                textColor=colors.HexColor("#444444")),
        heading=ParagraphStyle("heading", parent=base, fontSize=12, leading=18,
                               spaceBefore=8, spaceAfter=4),
        body=base,
        cell=ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        certificate=ParagraphStyle("certificate", parent=base, fontSize=13, leading=24,
                                   firstLineIndent=26, spaceAfter=6),
    )


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float], s: Styles) -> Table:
    """A ruled table whose header row repeats on every page it runs onto."""
    data = [[Paragraph(esc(str(c)) if c is not None else "", s.cell) for c in row]
            for row in rows]
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _served(t: Translator, r: lg.ServiceRow) -> str:
    """`王阿姨 1.50` / `张姐 1.75（待确认）` / `李叔（作废）`."""
    text = r.name
    if r.minutes is not None:
        text += f" {hours(r.minutes):.2f}"
    if r.status is not lg.Status.CONFIRMED:
        text += t.gettext(" ({note})").format(note=status_label(t, r.status))
    return text


def shift_lines(t: Translator, rows: Sequence[lg.ServiceRow]) -> list[list[Any]]:
    """One line per shift held (who served, their hours, the total of confirmed hours);
    hours outside the roster one line each."""
    lines: dict[tuple[Any, ...], list[lg.ServiceRow]] = {}
    for r in rows:
        key = (r.day, r.start, r.end, r.duty, r.place) if r.start is not None else (r.id,)
        lines.setdefault(key, []).append(r)
    out: list[list[Any]] = []
    for served in lines.values():
        first = served[0]
        when = (f"{first.duty} {clock_label(t, first.start)}–{clock_label(t, first.end)}"
                if first.start is not None and first.end is not None
                else t.gettext("hours outside the roster"))
        total = sum(r.minutes or 0 for r in served if r.status is lg.Status.CONFIRMED)
        out.append([first.day.isoformat(), when, first.place or "",
                    t.gettext(", ").join(_served(t, r) for r in served),
                    f"{hours(total):.2f}"])
    return out


def figure_lines(t: Translator, p: Period) -> list[list[Any]]:
    """The month's figures, as /summary and the workbook's 汇总 count them."""
    r = p.reports
    return [
        [t.gettext("Shifts on the roster"), p.shifts_planned],
        [t.gettext("Shifts with enough people"), p.shifts_filled],
        [t.gettext("Shifts held"), p.shifts_held],
        [t.gettext("Volunteers"), p.volunteers],
        [t.gettext("Person-times"), p.person_times],
        [t.gettext("Confirmed hours"), f"{hours(p.hours.confirmed):.2f}"],
        [t.gettext("Pending hours"), f"{hours(p.hours.pending):.2f}"],
        [t.gettext("No-shows"), p.no_shows],
        [t.gettext("Reports"), r.reports],
        [t.gettext("Problems found"), r.problems],
        [t.gettext("Residents dissuaded"), r.dissuaded],
        [t.gettext("Sorted (kg)"), f"{kg(r.grams):g}"],
        [t.gettext("Residents served"), r.served],
    ]


async def team_story(
    t: Translator, session: AsyncSession, ledger: lg.Ledger, s: Styles
) -> tuple[list[Any], int]:
    """One team's pages (title, shifts held, figures, problems, signatures), and how many
    service records they list."""
    team = ledger.teams[0]
    rows: list[lg.ServiceRow] = []
    async for batch in lg.service_rows(session, ledger):
        rows.extend(batch)
    [(_, period)] = await lg.summary(session, ledger)
    problems = await lg.problem_rows(session, ledger)
    width = A4[0] - 2 * MARGIN
    story: list[Any] = [
        Paragraph(esc(t.gettext("{title} volunteer service ledger").format(title=team.title)),
                  s.title),
        Paragraph(esc(period_label(t, ledger.first, ledger.last)
                      + (t.gettext(" ({note})").format(note=ledger.org.name)
                         if ledger.org is not None else "")), s.subtitle),
        Spacer(1, 6 * mm),
        Paragraph(esc(t.gettext("1. Shifts held")), s.heading),
    ]
    served = shift_lines(t, rows)
    if served:
        story.append(_table(
            [[t.gettext("Date"), t.gettext("Shift"), t.gettext("Place"),
              t.gettext("Who served (hours)"), t.gettext("Confirmed hours")], *served],
            [22 * mm, 34 * mm, 24 * mm, width - 104 * mm, 24 * mm], s,
        ))
    else:
        story.append(Paragraph(esc(t.gettext("No service was recorded in this period.")),
                               s.body))
    story += [Paragraph(esc(t.gettext("2. Figures")), s.heading),
              _table([[t.gettext("Item"), t.gettext("Figure")], *figure_lines(t, period)],
                     [60 * mm, 30 * mm], s),
              Paragraph(esc(t.gettext("3. Problems and how they were handled")), s.heading)]
    if problems:
        story.append(_table(
            [[t.gettext("No."), t.gettext("Raised"), t.gettext("Problem"),
              t.gettext("Problem status"), t.gettext("Outcome")],
             *[[p.id, p.raised_at.strftime("%Y-%m-%d %H:%M"), p.text,
                t.gettext("resolved") if p.resolved else t.gettext("open"),
                p.resolution or ""] for p in problems]],
            [12 * mm, 30 * mm, width - 112 * mm, 18 * mm, 52 * mm], s,
        ))
    else:
        story.append(Paragraph(esc(t.gettext("No problems were recorded.")), s.body))
    story.append(KeepTogether([
        Spacer(1, 14 * mm),
        Paragraph(esc(t.gettext(
            "Team leader (signature): ____________    Clerk (signature): ____________    "
            "Date: ________"
        )), s.body),
    ]))
    return story, len(rows)


async def write_pdf_ledger(
    sessions: SessionFactory, group_ids: Sequence[int], first: date, last: date,
    t: Translator, out: Path | IO[bytes], *, rules: Rules = DEFAULT_RULES,
) -> Written:
    """The printed ledger of the teams (each on new pages) for the period."""
    s = styles()
    story: list[Any] = []
    records = 0
    async with reading(sessions) as session:
        whole = await lg.open_ledger(session, group_ids, first, last, rules=rules)
        for team_id in whole.team_ids:
            ledger = await lg.open_ledger(session, [team_id], first, last, rules=rules)
            part, served = await team_story(t, session, ledger, s)
            story += [PageBreak(), *part] if story else part
            records += served
    footer = header(t, whole)

    def on_page(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(cjk_font(), 8)
        canvas.drawCentredString(A4[0] / 2, 8 * mm, t.gettext("{title} · page {page}").format(
            title=footer, page=doc.page))
        canvas.restoreState()

    target = str(out) if isinstance(out, Path) else out
    doc = SimpleDocTemplate(target, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm, title=footer,
                            author="dutybot")
    # Laying out a district's pages takes seconds: not on the event loop.
    await asyncio.to_thread(doc.build, story, onFirstPage=on_page, onLaterPages=on_page)
    return Written(file_name(t, whole, "pdf"), title_of(whole), records)
