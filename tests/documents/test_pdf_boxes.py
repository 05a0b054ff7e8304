"""Highlight boxes of a PDF passage from pdfium's character boxes, on a generated PDF whose
text positions are known: pdfwrite sets 10 pt Helvetica lines from x=50, y=800, 12 pt apart."""

from __future__ import annotations

from pathlib import Path

from rlm_desktop.documents.ingest import context_from_records, ingest_paths
from rlm_desktop.documents.pdfboxes import page_span, passage_boxes
from rlm_desktop.documents.pdfwrite import write_pdf

PAGES = ["Cover page", "First line of page two\nThe fee is EUR 1,200 per month\nThird line"]


def _document(tmp_path: Path):
    path = tmp_path / "fees.pdf"
    write_pdf(path, PAGES)
    return context_from_records(ingest_paths([str(path)])).documents[0]


def _baseline(line: int) -> float:
    return 800.0 - 12.0 * line


def test_a_word_mid_line_gets_one_box_on_its_line(tmp_path: Path) -> None:
    doc = _document(tmp_path)
    start = doc.text.index("EUR 1,200")
    span = page_span(doc.text, doc.pages, start, start + len("EUR 1,200"))
    assert span is not None and span.page == 1
    boxes = passage_boxes(doc.path, span.page, span.start, span.end)
    assert len(boxes) == 1
    box = boxes[0]
    assert box.bottom < _baseline(1) < box.top < _baseline(0)  # the second line
    assert 8.0 < box.top - box.bottom < 14.0  # about the 10 pt font's height
    # "The fee is " in 10 pt Helvetica is 46.7 pt wide, "EUR 1,200" 48.9 pt (AFM widths)
    assert abs(box.left - (50.0 + 46.7)) < 1.5
    assert abs((box.right - box.left) - 48.9) < 1.5


def test_a_passage_over_two_lines_gets_a_box_per_line(tmp_path: Path) -> None:
    doc = _document(tmp_path)
    start = doc.text.index("The fee")
    end = doc.text.index("Third line") + len("Third")
    span = page_span(doc.text, doc.pages, start, end)
    assert span is not None
    boxes = passage_boxes(doc.path, span.page, span.start, span.end)
    assert len(boxes) == 2
    first, second = boxes
    assert abs(first.left - 50.0) < 2.0 and abs(second.left - 50.0) < 2.0
    assert abs((first.bottom - second.bottom) - 12.0) < 0.5  # one leading apart
    assert second.right < first.right  # "Third" is shorter than the whole line


def test_offsets_on_the_first_page_map_to_page_zero(tmp_path: Path) -> None:
    doc = _document(tmp_path)
    start = doc.text.index("Cover")
    span = page_span(doc.text, doc.pages, start, start + 5)
    assert span is not None and (span.page, span.start, span.end) == (0, 0, 5)
    assert page_span("plain text", [], 0, 5) is None
