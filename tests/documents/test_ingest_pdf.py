"""PDF: text per page with page markers and offsets, scanned, locked, truncated, damaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlm_desktop.documents.ingest import ingest_paths
from rlm_desktop.documents.model import IngestRecord
from rlm_desktop.documents.ocr import TURNED_OFF, OcrOptions
from rlm_desktop.documents.pdf import PASSWORD, SCANNED
from rlm_desktop.documents.pdfwrite import write_pdf


def read_one(path: Path, workers: int = 0, ocr: bool = True) -> IngestRecord:
    records = ingest_paths([path], workers=workers, ocr=OcrOptions(enabled=ocr))
    assert len(records) == 1
    return records[0]


@pytest.mark.parametrize("workers", [0, 1])
def test_pages_text_markers_and_offsets(tmp_path: Path, workers: int) -> None:
    path = tmp_path / "report.pdf"
    write_pdf(path, ["Quarterly report\nRevenue rose (a lot).", "Page two: costs", "The end"])
    record = read_one(path, workers)
    assert record.ok and record.kind == "pdf" and record.pages == 3
    assert record.error is None and record.warnings == []
    doc = record.document
    assert doc is not None
    expected = (
        "--- page 1 of 3 ---\nQuarterly report\nRevenue rose (a lot).\n"
        "--- page 2 of 3 ---\nPage two: costs\n"
        "--- page 3 of 3 ---\nThe end\n"
    )
    assert doc.text == expected
    assert doc.pages == [0, expected.index("--- page 2"), expected.index("--- page 3")]
    assert doc.text[doc.pages[1] : doc.pages[2]] == "--- page 2 of 3 ---\nPage two: costs\n"
    assert record.chars == len(expected)
    assert doc.kind == "pdf" and doc.name == "report.pdf"


def test_scanned_pdf_has_no_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    write_pdf(path, [None, None, None])
    record = read_one(path, ocr=False)
    assert not record.ok and record.document is None
    assert (
        record.error
        == SCANNED.format(reason=TURNED_OFF)
        == ("scanned PDF: no text layer, and text recognition (OCR) is turned off in Settings")
    )
    # with OCR on, the pictures (a gray gradient) hold no words
    on = read_one(path)
    assert not on.ok and on.error == "scanned PDF: no text was found on any page (they look blank)"


def test_partly_scanned_pdf_loads_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "mixed.pdf"
    write_pdf(path, ["typed page", None, "", "last"])
    many = tmp_path / "many.pdf"
    write_pdf(many, ["a", None, None, "b", None])
    assert read_one(many, ocr=False).warnings == [
        "pages 2, 3 and 5 of 5 are scanned images without a text layer, so that text is "
        "missing: text recognition (OCR) is turned off in Settings"
    ]
    assert read_one(many).warnings == ["pages 2, 3 and 5 of 5 look blank: no text was found"]
    record = read_one(path, ocr=False)
    assert record.ok and record.pages == 4
    assert record.warnings == [
        "page 2 of 4 is a scanned image without a text layer, so that text is missing: "
        "text recognition (OCR) is turned off in Settings"
    ]
    assert record.document is not None
    assert "--- page 2 of 4 ---\n\n--- page 3 of 4 ---\n\n--- page 4 of 4 ---\nlast\n" in (
        record.document.text
    )


def test_password_protected_pdf(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    write_pdf(path, ["top secret"], user_password="hunter2")
    assert b"/Encrypt" in path.read_bytes() and b"top secret" not in path.read_bytes()
    record = read_one(path)
    assert not record.ok
    assert record.error == PASSWORD
    assert "password-protected" in record.error


def test_truncated_and_corrupt_pdfs(tmp_path: Path) -> None:
    good = tmp_path / "good.pdf"
    write_pdf(good, [f"page {i} text" for i in range(5)])
    data = good.read_bytes()
    (tmp_path / "half.pdf").write_bytes(data[: len(data) // 2])
    (tmp_path / "noise.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    (tmp_path / "notpdf.pdf").write_bytes(b"this is not a PDF at all\n" * 5)
    # Only the end (xref, trailer, %%EOF) cut off: pdfium rebuilds it and reads the pages.
    (tmp_path / "tail.pdf").write_bytes(data[: data.rindex(b"xref")])
    records = {Path(r.path).name: r for r in ingest_paths([tmp_path], workers=0)}
    damaged = "the file is not a valid PDF or is too damaged to read"
    for name in ("half.pdf", "noise.pdf", "notpdf.pdf"):
        assert records[name].error == damaged, name
        assert not records[name].ok
    tail = records["tail.pdf"]
    assert tail.ok and tail.pages == 5
    assert tail.warnings == ["the PDF looks cut short (it has no end marker); pages may be missing"]
    assert tail.document is not None and "page 4 text" in tail.document.text


def test_pdf_found_by_content_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "download"
    write_pdf(path, ["no extension here"])
    record = read_one(path)
    assert record.ok and record.kind == "pdf"
    assert record.document is not None and "no extension here" in record.document.text
