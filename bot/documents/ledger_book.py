"""The ledger workbook (台账): the sheets, their columns in the reader's language, and how a
storage row becomes a line. One `Book` feeds both the XLSX workbook and the CSV files."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.documents.table import (
    Book,
    Column,
    Kind,
    Progress,
    Sheet,
    Value,
    write_csv_zip,
    write_xlsx,
)
from bot.i18n import Translator
from bot.views.labels import clock_label, period_label, weekday_label
from bot.views.record import grade_label
from storage import ledger as lg
from storage.daybook import Figures
from storage.db import SessionFactory, reading
from storage.recognition import DEFAULT_RULES, Rules


def hours(minutes: int | None) -> float | None:
    """Minutes as hours with two decimals (a number, never text)."""
    return None if minutes is None else round(minutes / 60, 2)


def kg(grams: int) -> float:
    """Grams as kilograms."""
    return round(grams / 1000, 3)


def title_of(ledger: lg.Ledger) -> str:
    """Whose ledger it is: the organisation's, or the team's."""
    if len(ledger.teams) > 1 and ledger.org is not None:
        return ledger.org.name
    return ledger.teams[0].title


def header(t: Translator, ledger: lg.Ledger) -> str:
    """The line at the top of every printed page."""
    return t.gettext("{title} volunteer service ledger {period}").format(
        title=title_of(ledger), period=period_label(t, ledger.first, ledger.last)
    )


def file_name(t: Translator, ledger: lg.Ledger, extension: str) -> str:
    """`台账-幸福里志愿队-2026-11.xlsx`."""
    name = t.gettext("Ledger-{title}-{period}").format(
        title=title_of(ledger), period=period_label(t, ledger.first, ledger.last)
    )
    return "".join(c for c in name if c not in '\\/:*?"<>|') + "." + extension


def status_label(t: Translator, status: lg.Status) -> str:
    """已确认 / 待确认 / 作废 / 进行中."""
    return {
        lg.Status.CONFIRMED: t.gettext("confirmed"),
        lg.Status.PENDING: t.gettext("awaiting confirmation"),
        lg.Status.VOIDED: t.gettext("voided"),
        lg.Status.OPEN: t.gettext("still checked in"),
    }[status]


def source_label(t: Translator, source: lg.Source) -> str:
    """How a record came about."""
    return {
        lg.Source.CHECKIN: t.gettext("checked in in the group"),
        lg.Source.WALK_IN: t.gettext("checked in without a place (walk-in)"),
        lg.Source.LEADER: t.gettext("entered by a leader"),
        lg.Source.FORGOTTEN: t.gettext("forgot to check out (closed by the bot)"),
        lg.Source.SCAN: t.gettext("scanned the code at the place"),
        lg.Source.SCAN_WALK_IN: t.gettext("scanned the code at the place (walk-in)"),
        lg.Source.LOCATION: t.gettext("location at the place"),
        lg.Source.PRIVATE: t.gettext("checked in in the private chat"),
    }[source]


def correction_text(t: Translator, c: lg.Correction) -> str:
    """`2026-11-12 20:05 陈队长：2.00 → 1.50 小时（记错了）`."""
    when = c.at.strftime("%Y-%m-%d %H:%M")
    if c.before is None:
        what = t.gettext("entered {after} h").format(after=f"{hours(c.after or 0):.2f}")
    elif c.after is None:
        what = t.gettext("voided ({before} h)").format(before=f"{hours(c.before):.2f}")
    else:
        what = t.gettext("{before} → {after} h").format(
            before=f"{hours(c.before):.2f}", after=f"{hours(c.after):.2f}"
        )
    line = t.gettext("{when} {by}: {what}").format(when=when, by=c.by, what=what)
    if c.note:
        line += t.gettext(" ({note})").format(note=c.note)
    return line


def _team(ledger: lg.Ledger, t: Translator) -> list[Column]:
    """The team column, when the ledger has several teams."""
    return [Column(t.gettext("Team"), 16)] if len(ledger.teams) > 1 else []


def _with_team(ledger: lg.Ledger, team: lg.Team, row: list[Value]) -> list[Value]:
    return [team.title, *row] if len(ledger.teams) > 1 else row




def service_sheet(t: Translator, session: AsyncSession, ledger: lg.Ledger) -> Sheet:
    """服务记录: one row per attendance."""
    columns = [
        *_team(ledger, t),
        Column(t.gettext("Date"), 11, Kind.DATE), Column(t.gettext("Weekday"), 6),
        Column(t.gettext("Time"), 12), Column(t.gettext("Duty"), 16),
        Column(t.gettext("Place"), 12), Column(t.gettext("Name"), 10),
        Column(t.gettext("Volunteer number"), 11), Column(t.gettext("Building"), 8),
        Column(t.gettext("Check-in"), 7, Kind.TIME), Column(t.gettext("Check-out"), 7, Kind.TIME),
        Column(t.gettext("Hours"), 8, Kind.HOURS), Column(t.gettext("Status"), 10),
        Column(t.gettext("Confirmed by"), 10), Column(t.gettext("Family members"), 8, Kind.INT),
        Column(t.gettext("How recorded"), 22), Column(t.gettext("Note"), 18, Kind.WRAP),
        Column(t.gettext("Corrections"), 36, Kind.WRAP),
    ]

    async def rows() -> AsyncIterator[Sequence[Sequence[Value]]]:
        async for batch in lg.service_rows(session, ledger):
            yield [
                _with_team(ledger, r.team, [
                    r.day, weekday_label(t, r.day),
                    (f"{clock_label(t, r.start)}–{clock_label(t, r.end)}"
                     if r.start is not None and r.end is not None else None),
                    r.duty if r.duty is not None else t.gettext("hours outside the roster"),
                    r.place, r.name, r.number, r.building, r.checkin, r.checkout,
                    hours(r.minutes), status_label(t, r.status), r.confirmed_by,
                    r.companions, source_label(t, r.source), r.note,
                    "\n".join(correction_text(t, c) for c in r.corrections),
                ])
                for r in batch
            ]

    return Sheet(t.gettext("Service records"), columns, rows)


def report_sheet(t: Translator, session: AsyncSession, ledger: lg.Ledger) -> Sheet:
    """汇报: one row per report."""
    columns = [
        *_team(ledger, t),
        Column(t.gettext("Date"), 11, Kind.DATE), Column(t.gettext("Shift"), 24),
        Column(t.gettext("Reported by"), 10), Column(t.gettext("Volunteer number"), 11),
        Column(t.gettext("Problems found"), 9, Kind.INT),
        Column(t.gettext("Residents dissuaded"), 9, Kind.INT),
        Column(t.gettext("Sorted (kg)"), 9, Kind.KG),
        Column(t.gettext("Residents served"), 9, Kind.INT),
        Column(t.gettext("Report"), 44, Kind.WRAP), Column(t.gettext("Photos"), 6, Kind.INT),
    ]

    async def rows() -> AsyncIterator[Sequence[Sequence[Value]]]:
        async for batch in lg.report_rows(session, ledger):
            yield [
                _with_team(ledger, r.team, [
                    r.day,
                    (f"{r.duty} {clock_label(t, r.start)}–{clock_label(t, r.end)}"
                     if r.duty and r.start is not None and r.end is not None else None),
                    r.name, r.number, r.problems, r.dissuaded, kg(r.grams), r.served,
                    r.text, r.photos,
                ])
                for r in batch
            ]

    return Sheet(t.gettext("Reports"), columns, rows)


def problem_sheet(t: Translator, session: AsyncSession, ledger: lg.Ledger) -> Sheet:
    """问题: tracked problems raised in the period or still open when it began."""
    columns = [
        *_team(ledger, t),
        Column(t.gettext("No."), 6, Kind.INT), Column(t.gettext("Raised"), 16, Kind.DATETIME),
        Column(t.gettext("Raised by"), 10), Column(t.gettext("Place"), 12),
        Column(t.gettext("Problem"), 40, Kind.WRAP), Column(t.gettext("Problem status"), 8),
        Column(t.gettext("Resolved"), 16, Kind.DATETIME), Column(t.gettext("Resolved by"), 10),
        Column(t.gettext("Outcome"), 30, Kind.WRAP),
    ]

    async def rows() -> AsyncIterator[Sequence[Sequence[Value]]]:
        found = await lg.problem_rows(session, ledger)
        yield [
            _with_team(ledger, p.team, [
                p.id, p.raised_at, p.raised_by, p.place, p.text,
                t.gettext("resolved") if p.resolved else t.gettext("open"),
                p.resolved_at, p.resolved_by, p.resolution,
            ])
            for p in found
        ]

    return Sheet(t.gettext("Problems"), columns, rows)


def volunteer_sheet(t: Translator, session: AsyncSession, ledger: lg.Ledger) -> Sheet:
    """志愿者: one row per volunteer."""
    columns = [
        Column(t.gettext("Volunteer number"), 11), Column(t.gettext("Name"), 10),
        Column(t.gettext("Team"), 16), Column(t.gettext("Building"), 8),
        Column(t.gettext("Skills"), 14),
        Column(t.gettext("Confirmed hours (period)"), 10, Kind.HOURS),
        Column(t.gettext("Pending hours (period)"), 10, Kind.HOURS),
        Column(t.gettext("Confirmed hours (to the period's end)"), 10, Kind.HOURS),
        Column(t.gettext("Pending hours (to the period's end)"), 10, Kind.HOURS),
        Column(t.gettext("Person-times"), 8, Kind.INT),
        Column(t.gettext("Stars (at the period's end)"), 8, Kind.INT),
        Column(t.gettext("Points balance (at the period's end)"), 9, Kind.INT),
        Column(t.gettext("No-shows"), 7, Kind.INT),
        Column(t.gettext("Training hours"), 8, Kind.HOURS),
    ]

    async def rows() -> AsyncIterator[Sequence[Sequence[Value]]]:
        found = await lg.volunteer_rows(session, ledger)
        yield [
            [
                v.who.number, v.who.name(), t.gettext("、").join(v.teams),
                t.gettext("、").join(dict.fromkeys(v.who.buildings.values())) or None,
                t.gettext("、").join(dict.fromkeys(v.who.skills.values())) or None,
                hours(v.period.confirmed), hours(v.period.pending),
                hours(v.total.confirmed), hours(v.total.pending),
                v.person_times, v.stars, v.points, v.no_shows, hours(v.training_minutes),
            ]
            for v in found
        ]

    return Sheet(t.gettext("Volunteers"), columns, rows)


def record_sheet(t: Translator, session: AsyncSession, ledger: lg.Ledger) -> Sheet:
    """培训与表彰: training, commendations and evaluations."""
    columns = [
        *_team(ledger, t),
        Column(t.gettext("Kind"), 8), Column(t.gettext("Date"), 11, Kind.DATE),
        Column(t.gettext("Evaluation period"), 9), Column(t.gettext("Name"), 10),
        Column(t.gettext("Volunteer number"), 11), Column(t.gettext("Title or grade"), 24),
        Column(t.gettext("Hours"), 8, Kind.HOURS), Column(t.gettext("Remarks"), 24, Kind.WRAP),
        Column(t.gettext("Recorded by"), 10),
    ]
    kinds = {
        lg.RecordKind.TRAINING: t.gettext("training"),
        lg.RecordKind.COMMENDATION: t.gettext("commendation"),
        lg.RecordKind.EVALUATION: t.gettext("evaluation"),
    }

    async def rows() -> AsyncIterator[Sequence[Sequence[Value]]]:
        found = await lg.record_rows(session, ledger)
        yield [
            _with_team(ledger, r.team, [
                kinds[r.kind], r.on, r.period, r.name, r.number,
                grade_label(t, r.grade) if r.grade is not None else r.title,
                hours(r.minutes) if r.kind is lg.RecordKind.TRAINING else None, r.note, r.by,
            ])
            for r in found
        ]

    return Sheet(t.gettext("Training and commendations"), columns, rows)


def summary_sheet(t: Translator, session: AsyncSession, ledger: lg.Ledger) -> Sheet:
    """汇总: each team's figures for the period, then per duty and per place."""
    columns = [
        Column(t.gettext("Team"), 16), Column(t.gettext("Line"), 8),
        Column(t.gettext("Duty"), 16), Column(t.gettext("Place"), 12),
        Column(t.gettext("Shifts on the roster"), 8, Kind.INT),
        Column(t.gettext("Shifts with enough people"), 8, Kind.INT),
        Column(t.gettext("Shifts held"), 8, Kind.INT),
        Column(t.gettext("Volunteers"), 8, Kind.INT),
        Column(t.gettext("Person-times"), 8, Kind.INT),
        Column(t.gettext("Confirmed hours"), 9, Kind.HOURS),
        Column(t.gettext("Pending hours"), 9, Kind.HOURS),
        Column(t.gettext("No-shows"), 7, Kind.INT), Column(t.gettext("Reports"), 7, Kind.INT),
        Column(t.gettext("Problems found"), 8, Kind.INT),
        Column(t.gettext("Residents dissuaded"), 8, Kind.INT),
        Column(t.gettext("Sorted (kg)"), 8, Kind.KG),
        Column(t.gettext("Residents served"), 8, Kind.INT),
        Column(t.gettext("Problems raised"), 8, Kind.INT),
        Column(t.gettext("Problems resolved"), 8, Kind.INT),
        Column(t.gettext("Problems still open"), 8, Kind.INT),
    ]
    blanks: list[Value] = [None] * 10

    def part(team: lg.Team, line: str, f: Figures) -> list[Value]:
        return [
            team.title, line, f.name, f.place, None, None, f.shifts_held, None,
            f.person_times, hours(f.hours.confirmed), hours(f.hours.pending), *blanks[:9],
        ]

    async def rows() -> AsyncIterator[Sequence[Sequence[Value]]]:
        out: list[list[Value]] = []
        for team, p in await lg.summary(session, ledger):
            r = p.reports
            out.append([
                team.title, t.gettext("Total"), None, None, p.shifts_planned, p.shifts_filled,
                p.shifts_held, p.volunteers, p.person_times, hours(p.hours.confirmed),
                hours(p.hours.pending), p.no_shows, r.reports, r.problems, r.dissuaded,
                kg(r.grams), r.served, p.tracked.raised, p.tracked.resolved,
                len(p.tracked.open_then),
            ])
            for f in p.per_duty:
                if f.name is None:
                    f = Figures(t.gettext("hours outside the roster"), None, f.shifts_held,
                                f.person_times, f.hours)
                out.append(part(team, t.gettext("Duty"), f))
            out.extend(part(team, t.gettext("Place"), f) for f in p.per_place)
        yield out

    return Sheet(t.gettext("Summary"), columns, rows)


def ledger_book(t: Translator, session: AsyncSession, ledger: lg.Ledger) -> Book:
    """The whole workbook: 服务记录, 汇报, 问题, 志愿者, 培训与表彰, 汇总."""
    return Book(header(t, ledger), [
        service_sheet(t, session, ledger), report_sheet(t, session, ledger),
        problem_sheet(t, session, ledger), volunteer_sheet(t, session, ledger),
        record_sheet(t, session, ledger), summary_sheet(t, session, ledger),
    ])


@dataclass(frozen=True)
class Written:
    """A ledger written: its file name, whose it is, how many service records it lists."""

    file_name: str
    title: str
    records: int


async def write_ledger(
    sessions: SessionFactory, group_ids: Sequence[int], first: date, last: date,
    t: Translator, out: Path | IO[bytes], *, csv: bool = False, rules: Rules = DEFAULT_RULES,
    progress: Progress | None = None,
) -> Written:
    """Read the teams' period and write the ledger workbook (or its CSV files) to `out`."""
    async with reading(sessions) as session:
        ledger = await lg.open_ledger(session, group_ids, first, last, rules=rules)
        book = ledger_book(t, session, ledger)
        write = write_csv_zip if csv else write_xlsx
        counts = await write(out, book, progress)
    return Written(file_name(t, ledger, "zip" if csv else "xlsx"), title_of(ledger), counts[0])
