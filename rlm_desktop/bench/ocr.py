"""`rlm-desktop bench ocr`: text recognition accuracy, speed and memory on generated scans.

Pages of known words are printed with a real TrueType font at `--dpi` (`bench.scanpages`):
- clean renders, as a multi-page TIFF (lossless; the picture-file path);
- degraded ones (blurred, turned up to 2 degrees, speckled, JPEG at quality 35), as a scanned
  PDF (image-only pages; the PDF path: pdfium renders each page for Tesseract).

Both go through `ingest_paths` as the app reads them (reader process, pages recognised a few
at a time). Figures: character error rate (edit distance ÷ length, whitespace runs as one
space) per set, mean and worst page; pages/s over both sets, and the CPU seconds per page
with the pages/s that makes on this machine's cores when nothing else runs (the figure to
read on a shared machine); peak memory of this process and its children (readers and
Tesseracts); the time to reopen both from the OCR cache.
Goals: CER ≤ 2% clean, ≤ 5% degraded, ≥ 1 page/s.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from typing import Any

GOAL_CER_CLEAN = 0.02
GOAL_CER_DEGRADED = 0.05
GOAL_PAGES_PER_S = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=6, help="pages per set (clean, degraded)")
    parser.add_argument("--lines", type=int, default=40, help="lines of text per page")
    parser.add_argument("--dpi", type=int, default=200, help="scan resolution")
    parser.add_argument("--seed", type=int, default=7)


def _page_bodies(text: str, starts: list[int]) -> list[str]:
    """Each page's text without its '--- page N of M ---' line."""
    bodies = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        piece = text[start:end]
        bodies.append(piece.split("\n", 1)[1] if piece.startswith("--- page") else piece)
    return bodies


def _cers(expected: list[str], record: Any) -> list[float]:
    from rlm_desktop.bench.scanpages import cer

    doc = record.document
    if doc is None:
        raise RuntimeError(f"the generated scan could not be read: {record.error}")
    return [cer(e, g) for e, g in zip(expected, _page_bodies(doc.text, doc.pages), strict=True)]


def _write_sets(folder: str, args: argparse.Namespace) -> tuple[str, str, list[str], list[str]]:
    from rlm_desktop.bench.scanpages import make_pages
    from rlm_desktop.documents.pdfwrite import Picture, write_pdf

    clean = make_pages(args.pages, lines=args.lines, dpi=args.dpi, seed=args.seed)
    degraded = make_pages(
        args.pages, lines=args.lines, dpi=args.dpi, degraded=True, seed=args.seed + 1
    )
    tiff = os.path.join(folder, "clean.tif")
    clean[0].image.save(
        tiff, save_all=True, append_images=[p.image for p in clean[1:]], compression="tiff_lzw"
    )
    pictures = []
    for page in degraded:
        buffer = io.BytesIO()
        page.image.save(buffer, "JPEG", quality=95)  # the artefacts are in the picture already
        pictures.append(Picture(buffer.getvalue(), page.image.width, page.image.height))
    pdf = os.path.join(folder, "degraded.pdf")
    write_pdf(pdf, pictures)
    return tiff, pdf, [p.text for p in clean], [p.text for p in degraded]


def run(args: argparse.Namespace) -> dict[str, Any]:
    from rlm_desktop.bench import BenchError
    from rlm_desktop.bench.sampling import DescendantsCpu, PeakMemory
    from rlm_desktop.documents.ingest import ingest_paths
    from rlm_desktop.documents.ocr import OcrOptions, engine_version, find_tesseract
    from rlm_desktop.documents.pool import machine_workers

    found = find_tesseract(OcrOptions())
    version = engine_version(*found) if found else None
    if found is None or version is None:
        raise BenchError("Tesseract with English is not installed")
    with tempfile.TemporaryDirectory(prefix="rlm-bench-ocr-") as folder:
        tiff, pdf, clean_text, degraded_text = _write_sets(folder, args)
        from rlm_desktop.documents.pdfwrite import write_pdf

        write_pdf(os.path.join(folder, "warm.pdf"), ["warm"])
        ingest_paths([os.path.join(folder, "warm.pdf")])  # start the readers' fork server
        options = OcrOptions(cache_dir=os.path.join(folder, "cache"))
        with PeakMemory() as meter, DescendantsCpu() as cpu_meter:
            started = time.perf_counter()
            clean_record, degraded_record = ingest_paths([tiff, pdf], ocr=options)
            seconds = time.perf_counter() - started
        cpu = cpu_meter.seconds
        started = time.perf_counter()
        again = ingest_paths([tiff, pdf], ocr=options)
        reopen_s = time.perf_counter() - started
    clean = _cers(clean_text, clean_record)
    degraded = _cers(degraded_text, degraded_record)
    pages = len(clean) + len(degraded)
    result = {
        "engine": version,
        "cores": machine_workers(),
        "pages": pages,
        "lines_per_page": args.lines,
        "dpi": args.dpi,
        "cer_clean": round(sum(clean) / len(clean), 4),
        "cer_clean_worst_page": round(max(clean), 4),
        "cer_degraded": round(sum(degraded) / len(degraded), 4),
        "cer_degraded_worst_page": round(max(degraded), 4),
        "pages_per_s": round(pages / seconds, 3),
        "seconds": round(seconds, 2),
        "cpu_s_per_page": round(cpu / pages, 2),
        "pages_per_s_on_free_cores": round(machine_workers() * pages / cpu, 3) if cpu else None,
        "peak_memory_mb": round((meter.peak - meter.baseline) / 1e6, 1),
        "reopen_from_cache_s": round(reopen_s, 3),
        "reopen_same_text": [r.document.text if r.document else None for r in again]
        == [r.document.text if r.document else None for r in (clean_record, degraded_record)],
    }
    result["goals_met"] = (
        result["cer_clean"] <= GOAL_CER_CLEAN
        and result["cer_degraded"] <= GOAL_CER_DEGRADED
        and result["pages_per_s"] >= GOAL_PAGES_PER_S
    )
    return result
