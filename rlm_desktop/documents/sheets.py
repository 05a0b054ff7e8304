"""Spreadsheets: .xlsx (openpyxl, read-only) and .csv/.tsv; one section per sheet, rows tabbed."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from typing import Any

from rlm_desktop.documents.fileio import ReadError
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.text import read_text
from rlm_desktop.documents.zipguard import check_zip

SHEET_MARKER = "--- sheet {number} of {count}: {name} ---\n"


def format_cell(value: Any) -> str:
    """A cell as a person would read it: 3 not 3.0, dates without a zero time, one line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    text = str(value)
    if "\t" in text or "\n" in text or "\r" in text:
        text = " ".join(text.split())
    return text


def rows_to_lines(rows: Iterable[Iterable[Any]]) -> list[str]:
    """Tab-separated lines; trailing empty cells and empty rows dropped."""
    lines = []
    for row in rows:
        cells = [format_cell(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            lines.append("\t".join(cells))
    return lines


def sections(named_lines: list[tuple[str, list[str]]]) -> Extracted:
    """One '--- sheet N of M: name ---' section per sheet; `pages` holds their starts."""
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    count = len(named_lines)
    for number, (name, lines) in enumerate(named_lines, start=1):
        piece = SHEET_MARKER.format(number=number, count=count, name=name)
        piece += "".join(line + "\n" for line in lines)
        starts.append(offset)
        offset += len(piece)
        parts.append(piece)
    return Extracted("".join(parts), pages=starts)


def read_xlsx(path: str, limits: IngestLimits) -> Extracted:
    check_zip(path, limits, "Excel workbook", "xl/workbook.xml")
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except KeyError:
        raise ReadError("the file is damaged or is not a real Excel workbook") from None
    try:
        named = [
            (sheet.title, rows_to_lines(sheet.iter_rows(values_only=True)))
            for sheet in workbook.worksheets
            if hasattr(sheet, "iter_rows")
        ]
    finally:
        workbook.close()
    if not any(lines for _, lines in named):
        raise ReadError("the workbook has no filled-in cells")
    return sections(named)


def _delimited(path: str, limits: IngestLimits, delimiter: str | None) -> Extracted:
    decoded = read_text(path, limits.max_file_bytes)
    text = decoded.text
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[: 64 * 1024], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        lines = rows_to_lines(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        decoded.warnings.append("the rows could not be split into cells, so it is shown as is")
        return decoded
    del text
    if not lines:
        raise ReadError("the file has no filled-in cells")
    return Extracted("\n".join(lines) + "\n", warnings=decoded.warnings)


def read_csv(path: str, limits: IngestLimits) -> Extracted:
    """Comma (or sniffed ';', tab, '|') separated values, rewritten with tabs."""
    return _delimited(path, limits, None)


def read_tsv(path: str, limits: IngestLimits) -> Extracted:
    return _delimited(path, limits, "\t")
