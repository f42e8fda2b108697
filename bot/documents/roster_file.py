"""A volunteer list as the office keeps it (XLSX or CSV) read into rows of text.

Chinese Excel saves CSV in GB18030 (GBK) unless told otherwise, so a CSV that is not UTF-8
is read as GB18030; commas, semicolons and tabs all separate columns. Numbers (a building
typed as 3) come back as text without ".0"; dates as YYYY-MM-DD.
"""

from __future__ import annotations

import csv
import enum
import io
import logging
import zipfile
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from storage import imports

log = logging.getLogger(__name__)

MAX_FILE = 2 * 1024 * 1024  # a list of thousands of volunteers is far smaller
EXTENSIONS = (".xlsx", ".csv", ".xls", ".txt")
MAX_READ = 5000  # rows read at most (storage imports fewer and says so)
MAX_UNPACKED = 64 * 1024 * 1024  # an XLSX is a zip: refuse one that unpacks to a flood


class FileProblem(enum.Enum):
    """Why a file cannot be read as a list."""

    NOT_A_LIST = "not_a_list"  # neither .xlsx nor .csv
    OLD_EXCEL = "old_excel"  # .xls: save as .xlsx
    TOO_BIG = "too_big"
    UNREADABLE = "unreadable"  # a damaged or disguised file


Table = list[tuple[int, list[str]]]


def kind_of(file_name: str) -> str | FileProblem:
    """`xlsx` or `csv` by the file's name, or why not."""
    lowered = file_name.lower()
    if lowered.endswith(".xlsx"):
        return "xlsx"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    if lowered.endswith(".xls"):
        return FileProblem.OLD_EXCEL
    return FileProblem.NOT_A_LIST


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx(content: bytes) -> Table:
    """The first sheet with a row of headings (a cover sheet may come first), else the
    first sheet."""
    with zipfile.ZipFile(io.BytesIO(content)) as packed:
        if sum(info.file_size for info in packed.infolist()) > MAX_UNPACKED:
            raise ValueError("the workbook unpacks too large")
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheets = []
        for sheet in book.worksheets:
            table = []
            for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if line > MAX_READ:
                    break
                table.append((line, [_text(v) for v in row]))
            if imports.has_headings(table):
                return table
            sheets.append(table)
        return sheets[0] if sheets else []
    finally:
        book.close()


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030")


def _csv(content: bytes) -> Table:
    text = _decode(content)
    sample = text[:4096]
    first = sample.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t，")
    except csv.Error:
        dialect = csv.excel
    if not any(sep in first for sep in ",;\t") and "，" in first:
        dialect = _FullWidth  # typed by hand with a Chinese keyboard
    table = []
    for line, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        if line > MAX_READ:
            break
        table.append((line, row))
    return table


class _FullWidth(csv.excel):
    delimiter = "，"


def read_table(file_name: str, content: bytes) -> Table | FileProblem:
    """The file's first sheet (or the CSV) as (line number, cells); or why not."""
    kind = kind_of(file_name)
    if isinstance(kind, FileProblem):
        return kind
    if len(content) > MAX_FILE:
        return FileProblem.TOO_BIG
    try:
        return _xlsx(content) if kind == "xlsx" else _csv(content)
    except Exception:  # a damaged or hostile file can fail anywhere inside openpyxl
        log.debug("could not read %s as a list", kind, exc_info=True)
        return FileProblem.UNREADABLE
