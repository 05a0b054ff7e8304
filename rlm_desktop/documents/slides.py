"""PowerPoint .pptx with python-pptx: per slide its titles, text, tables and speaker notes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rlm_desktop.documents.fileio import ReadError
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.sheets import format_cell
from rlm_desktop.documents.zipguard import check_zip

SLIDE_MARKER = "--- slide {number} of {count} ---\n"


def _shape_lines(shapes: Iterable[Any]) -> list[str]:
    lines: list[str] = []
    for shape in shapes:
        if getattr(shape, "shape_type", None) == 6 and hasattr(shape, "shapes"):  # a group
            lines.extend(_shape_lines(shape.shapes))
        elif getattr(shape, "has_table", False):
            for row in shape.table.rows:
                cells = [format_cell(cell.text) for cell in row.cells]
                if any(cells):
                    lines.append("\t".join(cells).rstrip("\t"))
        elif getattr(shape, "has_text_frame", False):
            for paragraph in shape.text_frame.paragraphs:
                text = "".join(run.text for run in paragraph.runs).strip()
                if text:
                    lines.append(text)
    return lines


def read_pptx(path: str, limits: IngestLimits) -> Extracted:
    """One '--- slide N of M ---' section per slide; `pages` holds their starts."""
    check_zip(path, limits, "PowerPoint presentation", "ppt/presentation.xml")
    import pptx

    try:
        presentation = pptx.Presentation(path)
    except ValueError:
        raise ReadError("the file is a PowerPoint template or show, not a presentation") from None
    per_slide: list[list[str]] = []
    for slide in presentation.slides:
        lines = _shape_lines(slide.shapes)
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            note_text = " ".join(notes.text.split()) if notes is not None else ""
            if note_text:
                lines.append(f"[notes] {note_text}")
        per_slide.append(lines)
    return join_slides(per_slide)


def join_slides(per_slide: list[list[str]]) -> Extracted:
    """The slides' lines under '--- slide N of M ---' markers (pptx and odp alike)."""
    if not any(per_slide):
        raise ReadError("the presentation has no text (its slides may be pictures only)")
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for number, lines in enumerate(per_slide, start=1):
        piece = SLIDE_MARKER.format(number=number, count=len(per_slide))
        piece += "".join(line + "\n" for line in lines)
        starts.append(offset)
        offset += len(piece)
        parts.append(piece)
    return Extracted("".join(parts), pages=starts)
