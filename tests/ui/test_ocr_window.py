"""OCR in the window: the File menu's setting (remembered, used for the next documents added),
the reading row's page progress, and the viewer's "read by OCR" note on such pages."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from rlm_desktop.bench.scanpages import find_font, make_pages
from rlm_desktop.documents.ingest import context_from_records, ingest_paths
from rlm_desktop.documents.pdfwrite import Picture, write_pdf
from rlm_desktop.store.settings import load_settings
from rlm_desktop.ui.doc_viewer import DocumentViewer
from tests.ui.conftest import MakeWindow, wait_documents

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None or find_font() is None,
    reason="needs Tesseract and a TrueType font (scripts/system_deps.sh --test)",
)


def test_the_ocr_setting_is_remembered_and_used(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    (page,) = make_pages(1, lines=3, seed=31)
    scan = tmp_path / "receipt.png"
    page.image.save(scan)
    first = make_window(responses=["FINAL(x)"])
    assert first.actions.read_scans.isChecked() and first.settings.ocr
    first.actions.read_scans.setChecked(False)  # File ▸ Read scanned pages (OCR)
    assert not first.settings.ocr and not load_settings().ocr
    first.add_documents([str(scan)])
    wait_documents(qtbot, first)
    (row,) = first.docs_model.rows
    assert row.message.endswith("text recognition (OCR) is turned off in Settings")
    first.close()

    second = make_window(responses=["FINAL(x)"], settings=load_settings())
    assert not second.actions.read_scans.isChecked()
    second.actions.read_scans.setChecked(True)
    seen: list[str] = []
    second.docs_model.dataChanged.connect(
        lambda *_: seen.extend(r.status_text() for r in second.docs_model.rows)
    )
    second.add_documents([str(scan)])
    wait_documents(qtbot, second)
    assert "Reading scanned page 1 of 1…" in seen  # the reading row's progress
    (row,) = second.docs_model.rows
    assert row.record is not None and row.record.ok and row.record.ocr_pages == [1]
    assert row.message == "read by OCR from a scanned picture: check the wording"


def test_the_viewer_says_which_pages_were_read_by_ocr(qtbot: QtBot, tmp_path: Path) -> None:
    (page,) = make_pages(1, lines=3, seed=32)
    buffer = io.BytesIO()
    page.image.save(buffer, "JPEG", quality=90)
    path = tmp_path / "signed.pdf"
    write_pdf(path, ["Typed cover letter", Picture(buffer.getvalue(), *page.image.size)])
    (doc,) = context_from_records(ingest_paths([str(path)], workers=0)).documents
    assert doc.ocr_pages == [2]
    viewer = DocumentViewer()
    qtbot.addWidget(viewer)
    viewer.open(doc, page=2)
    assert viewer.mode == "pdf" and viewer.page_index == 1
    assert viewer.ocr_note.isVisibleTo(viewer)
    assert viewer.ocr_note.text() == (
        "Page 2 was read by OCR from a scanned picture: check the wording."
    )
    viewer.show_page(0)
    assert not viewer.ocr_note.isVisibleTo(viewer)
    first_words = page.text.split()[0]
    start = doc.text.index(first_words)
    viewer.open(doc.__class__(**{**doc.to_dict(), "path": ""}), None, start, start + 5)
    assert viewer.mode == "text" and viewer.ocr_note.isVisibleTo(viewer)
    assert "Page 2 was read by OCR" in viewer.ocr_note.text()

    # a citation on the scanned page: no text layer to mark it on, and the note says so
    viewer.open(doc, 2, start, start + 5)
    assert viewer.mode == "pdf" and viewer.page_index == 1 and viewer.boxes == []
    assert viewer.ocr_note.text().endswith("The passage cannot be marked on the picture itself.")
