"""Word .docx with python-docx: headers, paragraphs (headings marked) and tables, in order."""

from __future__ import annotations

from typing import Any

from rlm_desktop.documents.fileio import ReadError
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.zipguard import check_zip


def cell_text(text: str) -> str:
    """A table cell on one line: tabs and newlines become spaces."""
    return " ".join(text.split())


def _paragraph_line(paragraph: Any) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style == "Title":
        return f"# {text}"
    if style.startswith("Heading "):
        level = style.removeprefix("Heading ").strip()
        if level.isdigit():
            return "#" * min(int(level), 6) + " " + text
    if style.startswith("List"):
        return f"- {text}"
    return text


def table_lines(table: Any) -> list[str]:
    """Rows as tab-separated lines; a merged cell is written once."""
    lines = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # the same merged cell spans these columns
                continue
            previous = cell._tc
            cells.append(cell_text(cell.text))
        if any(cells):
            lines.append("\t".join(cells).rstrip("\t"))
    return lines


def _block_lines(container: Any) -> list[str]:
    """Paragraphs and tables of a body, header or footer, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            line = _paragraph_line(block)
            if line:
                lines.append(line)
        elif isinstance(block, Table):
            lines.extend(table_lines(block))
    return lines


def _margins(document: Any, attribute: str) -> list[str]:
    """Header or footer lines of every section, each distinct text once."""
    seen: list[str] = []
    for section in document.sections:
        part = getattr(section, attribute)
        if part.is_linked_to_previous and seen:
            continue
        text = "\n".join(_block_lines(part))
        if text and text not in seen:
            seen.append(text)
    return seen


def read_docx(path: str, limits: IngestLimits) -> Extracted:
    check_zip(path, limits, "Word document", "word/document.xml")
    import docx

    try:
        document = docx.Document(path)
    except ValueError:  # a macro-enabled or template file renamed to .docx
        raise ReadError(
            "the file is a Word template or macro file, not a plain document; save it as .docx"
        ) from None
    body = _block_lines(document)
    headers = [f"[header] {h}" for h in _margins(document, "header")]
    footers = [f"[footer] {f}" for f in _margins(document, "footer")]
    lines = headers + body + footers
    if not body and not lines:
        raise ReadError("the document has no text")
    return Extracted("\n".join(lines) + "\n")
