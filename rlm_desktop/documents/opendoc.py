"""OpenDocument (.odt text, .ods sheets, .odp slides) with odfpy: paragraphs, tables, sections."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from rlm_desktop.documents.fileio import ReadError
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.sheets import sections
from rlm_desktop.documents.slides import join_slides
from rlm_desktop.documents.zipguard import check_zip

TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
DRAW_NS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
MAX_REPEAT = 1000
"""A row or cell repeated more often than this (ODS pads sheets so) is written this often."""


def _text(element: Any) -> str:
    from odf import teletype

    return " ".join(teletype.extractText(element).split())


def _children(element: Any) -> list[Any]:
    return [c for c in element.childNodes if c.nodeType == c.ELEMENT_NODE]


def _repeat(element: Any, attribute: str) -> int:
    try:
        return max(1, int(element.getAttribute(attribute) or 1))
    except ValueError:
        return 1


def table_rows(table: Any) -> list[str]:
    """Rows of a table:table as tab-separated lines (repeats expanded, padding dropped)."""
    lines: list[str] = []
    rows = [r for r in _iter(table) if r.qname == (TABLE_NS, "table-row")]
    for row in rows:
        cells: list[str] = []
        blanks = 0
        for cell in _children(row):
            if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            value = _text(cell)
            count = min(_repeat(cell, "numbercolumnsrepeated"), MAX_REPEAT)
            if not value:
                blanks += count
                continue
            cells.extend([""] * blanks + [value] * count)
            blanks = 0
        if cells:
            line = "\t".join(cells)
            lines.extend([line] * min(_repeat(row, "numberrowsrepeated"), MAX_REPEAT))
    return lines


def _iter(element: Any) -> Iterator[Any]:
    """Descendants in document order, without entering a nested table."""
    stack = list(reversed(_children(element)))
    while stack:
        node = stack.pop()
        yield node
        if node.qname != (TABLE_NS, "table"):
            stack.extend(reversed(_children(node)))


def text_lines(element: Any) -> list[str]:
    """Headings, paragraphs, list items and tables under `element`, in order."""
    lines: list[str] = []
    stack = list(reversed(_children(element)))
    while stack:
        node = stack.pop()
        if node.qname == (TEXT_NS, "h"):
            level = _repeat(node, "outlinelevel")
            line = _text(node)
            if line:
                lines.append("#" * min(level, 6) + " " + line)
        elif node.qname == (TEXT_NS, "p"):
            line = _text(node)
            if line:
                lines.append(line)
        elif node.qname == (TABLE_NS, "table"):
            lines.extend(table_rows(node))
        else:
            stack.extend(reversed(_children(node)))
    return lines


def _encrypted(path: str) -> bool:
    with zipfile.ZipFile(path) as archive:
        try:
            manifest = archive.read("META-INF/manifest.xml")
        except KeyError:
            return False
    return b"encryption-data" in manifest


def read_opendocument(path: str, limits: IngestLimits) -> Extracted:
    check_zip(path, limits, "OpenDocument file", "content.xml")
    if _encrypted(path):
        raise ReadError("password-protected OpenDocument file: it cannot be read without it")
    from odf.opendocument import load

    try:
        document = load(path)
    except Exception:
        raise ReadError("the file is damaged or is not a real OpenDocument file") from None
    if getattr(document, "spreadsheet", None) is not None:
        sheets = [t for t in _children(document.spreadsheet) if t.qname == (TABLE_NS, "table")]
        named = [
            (t.getAttribute("name") or f"Sheet{i}", table_rows(t))
            for i, t in enumerate(sheets, start=1)
        ]
        if not any(lines for _, lines in named):
            raise ReadError("the spreadsheet has no filled-in cells")
        return sections(named)
    if getattr(document, "presentation", None) is not None:
        return _slides(document.presentation)
    body = getattr(document, "text", None)
    lines = text_lines(body) if body is not None else []
    if not lines:
        raise ReadError("the document has no text")
    return Extracted("\n".join(lines) + "\n")


def _slides(presentation: Any) -> Extracted:
    pages = [p for p in _children(presentation) if p.qname == (DRAW_NS, "page")]
    return join_slides([text_lines(page) for page in pages])
