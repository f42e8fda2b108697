"""A document of tables, written as an XLSX workbook or a zip of CSV files, streaming.

A `Book` names its sheets and their columns; each sheet's rows arrive in batches from an
async source, so neither writer holds more than one batch (openpyxl's write-only mode keeps
each sheet in a temporary file until the workbook is saved).
"""

from __future__ import annotations

import asyncio
import csv
import enum
import io
import zipfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, cast

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

Value = str | int | float | date | datetime | time | None


class Kind(enum.Enum):
    """What a column holds: the cell type and how it shows."""

    TEXT = "@"
    WRAP = "wrap"  # long text, wrapped
    INT = "0"
    HOURS = "0.00"  # hours, always two decimals
    KG = "0.0##"
    DATE = "yyyy-mm-dd"
    TIME = "hh:mm"
    DATETIME = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Column:
    """A column: its header (already translated), width in characters, and kind."""

    header: str
    width: float
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Sheet:
    """A sheet: its title, columns and a source of row batches."""

    title: str
    columns: Sequence[Column]
    rows: Callable[[], AsyncIterator[Sequence[Sequence[Value]]]]


@dataclass(frozen=True)
class Book:
    """The whole document; `header` goes at the top of every printed page."""

    header: str
    sheets: Sequence[Sheet]


Progress = Callable[[str, int], None]  # (sheet title, rows written so far)

BOLD = Font(bold=True)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WRAPPED = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def _page_setup(sheet: WriteOnlyWorksheet, header: str) -> None:
    """A4 landscape, fit to the page width, the header row on every page, and the team and
    period at the top: printing the workbook gives the paper ledger."""
    # A write-only sheet borrows these from Worksheet at run time; the stubs do not say so.
    ws = cast(Worksheet, sheet)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
    ws.print_options.gridLines = True
    ws.oddHeader.center.text = header.replace("&", "&&")  # type: ignore[union-attr]
    ws.oddFooter.center.text = "&P / &N"  # type: ignore[union-attr]


def _cell(ws: WriteOnlyWorksheet, value: Value, kind: Kind) -> Cell | Value:
    if value is None or value == "":
        return None
    formula = isinstance(value, str) and value.startswith("=")
    if (kind is Kind.TEXT or kind is Kind.INT) and not formula:
        return value  # the default style shows these as they are
    cell = WriteOnlyCell(ws, value)  # type: ignore[arg-type]  # dates and times are fine
    if formula:
        # What people typed is text: `=1+1` or `=cmd|…` as a name or a note must never
        # become a formula when the office opens the workbook.
        cell.data_type = "s"
    if kind is Kind.WRAP:
        cell.alignment = WRAPPED
    elif kind is not Kind.TEXT:
        cell.number_format = kind.value
    return cell


async def write_xlsx(
    out: Path | IO[bytes], book: Book, progress: Progress | None = None
) -> list[int]:
    """Write the book as an XLSX workbook; the number of data rows of each sheet."""
    wb = Workbook(write_only=True)
    counts: list[int] = []
    for sheet in book.sheets:
        ws = wb.create_sheet(sheet.title)
        for i, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        _page_setup(ws, book.header)
        head = []
        for column in sheet.columns:
            cell = WriteOnlyCell(ws, column.header)
            cell.font, cell.alignment = BOLD, WRAPPED
            head.append(cell)
        ws.append(head)
        written = 0
        kinds = [c.kind for c in sheet.columns]
        async for batch in sheet.rows():
            for row in batch:
                ws.append([_cell(ws, v, k) for v, k in zip(row, kinds, strict=True)])
            written += len(batch)
            if progress is not None:
                progress(sheet.title, written)
        last = get_column_letter(len(sheet.columns))
        ws.auto_filter.ref = f"A1:{last}{written + 1}"
        counts.append(written)
    await asyncio.to_thread(wb.save, out)  # zipping a big workbook: not on the event loop
    return counts


def csv_text(value: Value, kind: Kind) -> str:
    """A value as a CSV file shows it: ISO dates, 24-hour times, hours with two decimals."""
    if value is None:
        return ""
    if kind is Kind.HOURS and isinstance(value, int | float):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text  # Excel would run `=…`, `+…`, `-…`, `@…` as a formula
    return text


async def write_csv_zip(
    out: Path | IO[bytes], book: Book, progress: Progress | None = None
) -> list[int]:
    """Write the book as a zip of CSV files, one per sheet, UTF-8 with a BOM (so Excel
    opens Chinese correctly); the number of data rows of each sheet."""
    counts: list[int] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for sheet in book.sheets:
            with archive.open(f"{sheet.title}.csv", "w") as raw, io.TextIOWrapper(
                raw, encoding="utf-8-sig", newline=""
            ) as text:
                writer = csv.writer(text)
                writer.writerow([c.header for c in sheet.columns])
                kinds = [c.kind for c in sheet.columns]
                written = 0
                async for batch in sheet.rows():
                    writer.writerows(
                        [csv_text(v, k) for v, k in zip(row, kinds, strict=True)]
                        for row in batch
                    )
                    written += len(batch)
                    if progress is not None:
                        progress(sheet.title, written)
                counts.append(written)
    return counts
