"""Where a passage of a PDF document sits on its page: rectangles from pdfium's character
boxes, and the page rendered as pixels, for the document viewer (Qt-free).

A document's text is each page's text behind a '--- page N of M ---' line (`pdf.read_pdf`);
`page_span` turns document offsets into a page and offsets in that page's text, and
`passage_boxes` those into one rectangle per line of the passage, in PDF points (origin at
the page's bottom left).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from rlm_desktop.documents.pdf import clean_page_text

LINE_TOLERANCE = 0.5  # of a character's height: boxes further apart start a new line


@dataclass
class Box:
    left: float
    bottom: float
    right: float
    top: float


@dataclass
class PageSpan:
    page: int  # 0-based page index
    start: int  # offsets in that page's text (as `clean_page_text` gives it)
    end: int


def page_span(text: str, pages: list[int], start: int, end: int) -> PageSpan | None:
    """The page holding document offset `start`, and [start, end) within its text (cut at
    the page's end). None for a document without pages."""
    if not pages:
        return None
    index = max(0, bisect.bisect_right(pages, start) - 1)
    page_start = pages[index]
    marker_end = text.find("\n", page_start) + 1 or page_start
    body_end = pages[index + 1] if index + 1 < len(pages) else len(text)
    lo = max(0, start - marker_end)
    hi = max(lo, min(end, body_end) - marker_end)
    return PageSpan(index, lo, hi)


def _clean_to_raw(raw: str) -> list[int]:
    """For each character of clean_page_text(raw), its index in raw (pdfium's char index)."""
    mapping: list[int] = []
    for i, ch in enumerate(raw):
        if ch == "\x00" or (ch == "\r" and raw[i + 1 : i + 2] == "\n"):
            continue
        mapping.append(i)
    return mapping


def _line_boxes(textpage: Any, indices: list[int], raw: str) -> list[Box]:
    boxes: list[Box] = []
    for i in indices:
        if raw[i].isspace():
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        if right <= left or top <= bottom:
            continue
        last = boxes[-1] if boxes else None
        height = top - bottom
        same_line = (
            last is not None
            and abs((last.bottom + last.top) / 2 - (bottom + top) / 2) < height * LINE_TOLERANCE
            and left >= last.left
        )
        if same_line and last is not None:
            last.right = max(last.right, right)
            last.bottom, last.top = min(last.bottom, bottom), max(last.top, top)
        else:
            boxes.append(Box(left, bottom, right, top))
    return boxes


def passage_boxes(path: str, page: int, start: int, end: int) -> list[Box]:
    """One rectangle per line of the passage [start, end) of the page's text."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        pdf_page = document[page]
        textpage = pdf_page.get_textpage()
        try:
            raw = textpage.get_text_range()
            mapping = _clean_to_raw(raw)
            if clean_page_text(raw) != "".join(
                "\n" if raw[i] == "\r" else raw[i] for i in mapping
            ).replace("\ufffe", "-"):
                return []  # pdfium's text is not what the document holds: no guessing
            indices = mapping[max(0, start) : max(0, end)]
            return _line_boxes(textpage, indices, raw)
        finally:
            textpage.close()
            pdf_page.close()
    finally:
        document.close()


@dataclass
class RenderedPage:
    """A page as RGBA pixels, `scale` pixels per PDF point."""

    pixels: bytes
    width: int
    height: int
    stride: int
    scale: float
    page_height: float  # in points, to turn a Box's y (from the bottom) into a row


def render_page(path: str, page: int, scale: float) -> RenderedPage:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(path)
    try:
        pdf_page = document[page]
        try:
            height = float(pdf_page.get_size()[1])
            bitmap = pdf_page.render(
                scale=scale, force_bitmap_format=raw.FPDFBitmap_BGRA, rev_byteorder=True
            )
            pixels = bytes(bitmap.buffer)
            return RenderedPage(pixels, bitmap.width, bitmap.height, bitmap.stride, scale, height)
        finally:
            pdf_page.close()
    finally:
        document.close()


def page_count(path: str) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()
