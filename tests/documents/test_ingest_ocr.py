"""OCR: scanned PDFs (all pictures, and mixed with text pages), picture files, the cache, OCR
off or missing, with real Tesseract runs on pages printed here with a real font."""

from __future__ import annotations

import io
import shutil
import stat
from pathlib import Path

import pytest

from rlm_desktop.bench.scanpages import ScanPage, cer, find_font, make_pages
from rlm_desktop.documents.ingest import IngestProgress, ingest_paths
from rlm_desktop.documents.model import IngestRecord
from rlm_desktop.documents.ocr import MISSING, OcrOptions
from rlm_desktop.documents.pdfwrite import Picture, write_pdf

TESSERACT = shutil.which("tesseract")
pytestmark = pytest.mark.skipif(
    TESSERACT is None or find_font() is None,
    reason="needs Tesseract and a TrueType font (scripts/system_deps.sh --test)",
)


def picture(page: ScanPage, quality: int = 85) -> Picture:
    buffer = io.BytesIO()
    page.image.save(buffer, "JPEG", quality=quality)
    return Picture(buffer.getvalue(), page.image.width, page.image.height)


def counting_tesseract(tmp_path: Path) -> tuple[str, Path]:
    """A tesseract that notes each page it recognises in a file (the real one does the work)."""
    log = tmp_path / "ocr-runs.log"
    script = tmp_path / "tesseract-counting"
    script.write_text(
        f'#!/bin/sh\n[ "$1" = stdin ] && echo page >> "{log}"\nexec "{TESSERACT}" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), log


def runs(log: Path) -> int:
    return len(log.read_text().split()) if log.exists() else 0


def page_text(record: IngestRecord, number: int) -> str:
    doc = record.document
    assert doc is not None
    end = doc.pages[number] if number < len(doc.pages) else len(doc.text)
    return doc.text[doc.pages[number - 1] : end]


def test_scanned_pdf_words_at_their_pages_with_progress(tmp_path: Path) -> None:
    pages = make_pages(2, lines=6, seed=21)
    path = tmp_path / "signed contract.pdf"
    write_pdf(path, [picture(p) for p in pages])
    steps: list[str] = []

    def progress(p: IngestProgress) -> None:
        steps.append(p.step)

    (record,) = ingest_paths([path], workers=1, progress=progress)
    assert record.ok and record.pages == 2 and record.ocr_pages == [1, 2]
    assert record.document is not None and record.document.ocr_pages == [1, 2]
    assert record.warnings == ["read by OCR from scanned pages 1 and 2 of 2: check the wording"]
    for number, page in enumerate(pages, start=1):
        text = page_text(record, number)
        assert text.startswith(f"--- page {number} of 2 ---\n")
        assert cer(page.text, text.split("\n", 1)[1]) <= 0.02, text
    assert "Reading scanned page 1 of 2…" in steps


def test_mixed_pdf_reads_text_pages_directly_and_caches_the_scans(tmp_path: Path) -> None:
    program, log = counting_tesseract(tmp_path)
    pages = make_pages(2, lines=5, seed=5)
    path = tmp_path / "mixed.pdf"
    write_pdf(path, [picture(pages[0]), "Typed page: total due 1,250.00", picture(pages[1])])
    options = OcrOptions(cache_dir=str(tmp_path / "cache"), tesseract=program)
    (record,) = ingest_paths([path], workers=0, ocr=options)
    assert record.ok and record.ocr_pages == [1, 3]
    assert runs(log) == 2  # only the two picture pages
    assert page_text(record, 2) == "--- page 2 of 3 ---\nTyped page: total due 1,250.00\n"
    for number, page in ((1, pages[0]), (3, pages[1])):
        assert cer(page.text, page_text(record, number).split("\n", 1)[1]) <= 0.02
    assert record.warnings == ["read by OCR from scanned pages 1 and 3 of 3: check the wording"]
    # reopened: every page comes from the cache, no recognition runs
    (again,) = ingest_paths([path], workers=0, ocr=options)
    assert runs(log) == 2
    assert again.document is not None and record.document is not None
    assert again.document.text == record.document.text and again.ocr_pages == [1, 3]
    # a different file is not served from the cache
    other = tmp_path / "other.pdf"
    write_pdf(other, [picture(pages[1])])
    (third,) = ingest_paths([other], workers=0, ocr=options)
    assert third.ok and runs(log) == 3


def test_png_jpeg_and_multipage_tiff(tmp_path: Path) -> None:
    a, b, c = make_pages(3, lines=4, seed=9)
    a.image.save(tmp_path / "receipt.png")
    b.image.convert("RGB").save(tmp_path / "letter.jpg", quality=90)
    b.image.save(tmp_path / "two pages.tif", save_all=True, append_images=[c.image])
    png, jpg, tif = ingest_paths(
        [tmp_path / "receipt.png", tmp_path / "letter.jpg", tmp_path / "two pages.tif"]
    )
    assert (png.kind, jpg.kind, tif.kind) == ("image", "image", "image")
    assert png.ok and png.ocr_pages == [1] and png.document is not None
    assert cer(a.text, png.document.text) <= 0.02
    assert png.warnings == ["read by OCR from a scanned picture: check the wording"]
    assert jpg.ok and jpg.document is not None and cer(b.text, jpg.document.text) <= 0.02
    assert tif.ok and tif.pages == 2 and tif.ocr_pages == [1, 2]
    assert cer(c.text, page_text(tif, 2).split("\n", 1)[1]) <= 0.02
    assert page_text(tif, 2).startswith("--- page 2 of 2 ---\n")


def _png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_bad_pictures_get_one_line_each(tmp_path: Path) -> None:
    from PIL import Image

    (page,) = make_pages(1, lines=3, seed=2)
    whole = io.BytesIO()
    page.image.save(whole, "PNG")
    (tmp_path / "cut.png").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    (tmp_path / "garbage.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x13\x37" * 500)
    (tmp_path / "bomb.png").write_bytes(_png_header(60_000, 60_000))
    (tmp_path / "wide.png").write_bytes(_png_header(100_000, 700))  # over ours, under Pillow's
    Image.new("L", (1200, 1600), 255).save(tmp_path / "blank.png")
    names = ["cut.png", "garbage.jpg", "bomb.png", "wide.png", "blank.png"]
    records = ingest_paths([tmp_path / n for n in names], workers=1)
    errors = {Path(r.path).name: r.error for r in records}
    assert not any(r.ok for r in records)
    assert errors["cut.png"] == (
        "the picture is cut short (the file is incomplete), so it could not be read"
    )
    assert (
        errors["garbage.jpg"] == "the picture is damaged or is not a picture format the app reads"
    )
    assert errors["bomb.png"] == (
        "the picture declares far more pixels than any scanned page, so it was not opened "
        "(it may be a decompression bomb)"
    )
    assert errors["wide.png"] == (
        "the picture declares 100,000 × 700 pixels, far more than any scanned page, so it was "
        "not opened (it may be a decompression bomb)"
    )
    assert errors["blank.png"] == "the picture looks blank: no text was found on it"


def test_ocr_off_or_missing(tmp_path: Path) -> None:
    (page,) = make_pages(1, lines=3, seed=4)
    page.image.save(tmp_path / "scan.png")
    path = tmp_path / "mixed.pdf"
    write_pdf(path, ["Typed cover page", picture(page)])
    off = OcrOptions(enabled=False)
    png, pdf = ingest_paths([tmp_path / "scan.png", path], workers=0, ocr=off)
    assert png.error == (
        "pictures are read only by text recognition, and text recognition (OCR) is turned off "
        "in Settings"
    )
    assert (
        pdf.ok
        and pdf.ocr_pages == []
        and pdf.warnings
        == [
            "page 2 of 2 is a scanned image without a text layer, so that text is missing: "
            "text recognition (OCR) is turned off in Settings"
        ]
    )
    png, pdf = ingest_paths([tmp_path / "scan.png", path], workers=0, ocr=OcrOptions(tesseract=""))
    assert png.error is not None and png.error.endswith(MISSING)
    assert pdf.ok and pdf.warnings[0].endswith(MISSING)
    assert page_text(pdf, 1) == "--- page 1 of 2 ---\nTyped cover page\n"


def _live_tesseracts(since: float) -> list[int]:
    import psutil

    found = []
    for proc in psutil.process_iter(["name", "create_time", "status"]):
        info = proc.info
        if (
            info["name"] == "tesseract"
            and info["create_time"] >= since
            and info["status"] != psutil.STATUS_ZOMBIE
        ):
            found.append(proc.pid)
    return found


@pytest.mark.parametrize("workers", [0, 1])
def test_cancel_mid_document_stops_the_recognition(tmp_path: Path, workers: int) -> None:
    import time

    from rlm_desktop.cancel import CancelToken
    from rlm_desktop.documents.ingest import CANCELLED

    # a short first page, then long ones: when the first is done, the next ones are running
    pages = make_pages(1, lines=2, seed=13) + make_pages(3, lines=30, seed=14)
    path = tmp_path / "long scan.pdf"
    write_pdf(path, [picture(p) for p in pages])
    cancel = CancelToken()
    steps: list[str] = []

    def progress(p: IngestProgress) -> None:
        if p.step:
            steps.append(p.step)
        if len(steps) >= 2:  # the first page is read; the next ones are being read
            cancel.cancel()

    since = time.time() - 1
    started = time.monotonic()
    (record,) = ingest_paths([path], workers=workers, progress=progress, cancel=cancel)
    assert time.monotonic() - started < 10
    assert steps[0] == "Reading scanned page 1 of 4…" and len(steps) >= 2
    assert not record.ok and record.error == CANCELLED
    deadline = time.monotonic() + 1
    while _live_tesseracts(since) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _live_tesseracts(since) == []


def test_cli_ingest_reads_pictures_caches_them_and_takes_no_ocr(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    (page,) = make_pages(1, lines=3, seed=41)
    page.image.save(tmp_path / "scan.png")
    repo = Path(__file__).resolve().parents[2]

    def ingest(*options: str) -> dict[str, object]:
        extra = ("--json", *options)
        out = subprocess.run(
            [sys.executable, "-m", "rlm_desktop", "ingest", str(tmp_path / "scan.png"), *extra],
            capture_output=True,
            text=True,
            cwd=repo,
            timeout=120,
            env=os.environ,
        )
        assert out.returncode == 0, out.stderr
        (record,) = json.loads(out.stdout)
        return dict(record)

    record = ingest()
    assert record["ok"] and record["kind"] == "image"
    assert record["warnings"] == ["read by OCR from a scanned picture: check the wording"]
    cached = list((Path(os.environ["RLM_DESKTOP_HOME"]) / "cache" / "ocr").iterdir())
    assert [p.name.endswith("-1.txt") for p in cached] == [True]
    off = ingest("--no-ocr")
    assert not off["ok"] and str(off["error"]).endswith("turned off in Settings")


def test_the_prompt_says_which_pages_were_read_by_ocr() -> None:
    from rlm_desktop.documents.model import Context, Document

    scan = Document("scan.pdf", "x" * 30, kind="pdf", pages=[0, 10, 20], ocr_pages=[2, 3])
    photo = Document("receipt.png", "y" * 9, kind="image", pages=[0], ocr_pages=[1])
    typed = Document("typed.pdf", "z" * 9, kind="pdf", pages=[0])
    lines = Context([scan, photo, typed]).describe().splitlines()
    assert lines[-3:] == [
        "- scan.pdf (pdf, 30 chars, 3 pages; pages 2, 3 read by OCR: check the wording)",
        "- receipt.png (image, 9 chars, 1 pages; read by OCR: check the wording)",
        "- typed.pdf (pdf, 9 chars, 1 pages)",
    ]
    assert Document.from_dict(scan.to_dict()) == scan


def test_a_page_the_engine_fails_on_is_named(tmp_path: Path) -> None:
    script = tmp_path / "tesseract-failing"
    script.write_text(f'#!/bin/sh\n[ "$1" = stdin ] && exit 3\nexec "{TESSERACT}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    (page,) = make_pages(1, lines=2, seed=51)
    path = tmp_path / "mixed.pdf"
    write_pdf(path, ["Typed page", picture(page)])
    (record,) = ingest_paths([path], workers=0, ocr=OcrOptions(tesseract=str(script)))
    assert record.ok and record.ocr_pages == []
    assert record.warnings == ["page 2 of 2 could not be read by text recognition"]
