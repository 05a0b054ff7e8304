"""The document viewer opens a passage: a PDF at the right page with the passage's lines
highlighted on the rendered image, a text document scrolled to and highlighted at the span."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from rlm_desktop.documents.ingest import context_from_records, ingest_paths
from rlm_desktop.documents.model import Document
from rlm_desktop.documents.pdfwrite import write_pdf
from rlm_desktop.ui.doc_viewer import PDF_SCALE, DocumentViewer
from rlm_desktop.verify.citations import Checker

PAGES = [
    "Supply agreement\nbetween Harbour Goods and Meridian Foods.",
    "Article 4. Prices\nPrices are fixed for the first year.",
    "Article 9. Liability\nLiability is limited to EUR 250,000 per contract year.\nEnd.",
]


def _pdf(tmp_path: Path) -> Document:
    path = tmp_path / "agreement.pdf"
    write_pdf(path, PAGES)
    return context_from_records(ingest_paths([str(path)])).documents[0]


def _yellow(image, rows: range, cols: range) -> int:
    count = 0
    for y in rows:
        for x in cols:
            c = image.pixelColor(x, y)
            if c.red() > 200 and c.green() > 160 and c.blue() < 150:
                count += 1
    return count


def _row(points_from_bottom: float) -> int:
    return int((842 - points_from_bottom) * PDF_SCALE)


def test_a_pdf_citation_opens_its_page_with_the_passage_highlighted(
    qtbot: QtBot, tmp_path: Path
) -> None:
    doc = _pdf(tmp_path)
    citation = Checker([doc]).verify(
        "liability is limited to EUR 250,000 per contract year", "cite"
    )
    assert citation.verified and citation.page == 3
    viewer = DocumentViewer()
    qtbot.addWidget(viewer)
    viewer.open_citation(doc, citation.to_json())
    assert (viewer.mode, viewer.page_index) == ("pdf", 2)
    assert "page 3 of 3" in viewer.title.text()
    assert len(viewer.boxes) == 1
    image = viewer.image()
    assert abs(image.width() - 595 * PDF_SCALE) <= 1 and abs(image.height() - 842 * PDF_SCALE) <= 1
    cols = range(int(55 * PDF_SCALE), int(200 * PDF_SCALE), 3)
    # the passage's line (baseline 788 pt) is yellow; the heading above it (800 pt) is not
    assert _yellow(image, range(_row(795), _row(786)), cols) > 100
    assert _yellow(image, range(_row(808), _row(799)), cols) == 0
    viewer.show_page(0)  # another page: no highlight there
    assert viewer.boxes == [] and _yellow(viewer.image(), range(0, image.height(), 4), cols) == 0


def test_a_pdf_opens_at_a_page_without_a_passage(qtbot: QtBot, tmp_path: Path) -> None:
    doc = _pdf(tmp_path)
    viewer = DocumentViewer()
    qtbot.addWidget(viewer)
    viewer.open(doc, page=2)
    assert (viewer.page_index, viewer.boxes) == (1, [])
    assert viewer.previous.isEnabled() and viewer.next.isEnabled()


def test_a_text_document_is_scrolled_to_and_highlighted_at_the_span(qtbot: QtBot) -> None:
    lines = [f"Line {n} of the notes." for n in range(1, 400)]
    lines[300] = "The archive key is K-7731 😀 and nothing else."
    text = "\n".join(lines)
    doc = Document(name="notes.txt", text=text)
    start = text.index("The archive key")
    end = start + len(lines[300])
    viewer = DocumentViewer()
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.open(doc, None, start, end)
    assert viewer.mode == "text"
    assert viewer.highlighted_text() == lines[300]
    assert viewer.text.verticalScrollBar().value() > 0  # scrolled down to line 301
