"""`rlm-desktop bench ingest`: document ingestion speed and memory, against bare libraries.

- text_mb_per_s: plain text through `ingest_paths` (target ≥ 100), next to a bare
  `read().decode()` of the same files (text_raw_mb_per_s);
- pdf_ratio: PDF pages/s through `ingest_paths` with one reader process ÷ bare pypdfium2 text
  extraction in this process (target ≥ 0.9); pdf_ratio_pool: the same with the pool sized to
  the machine (target > 1 with two or more cores);
- peak_memory_ratio: peak memory while ingesting the text ÷ the size of the text (target ≤ 3).

The data is generated in a temporary folder. Times are the best of `--repeat` runs; the first
reader-process start of the session (forkserver launch) is reported apart as pool_cold_start_s,
and the fixed cost of starting a reader for one ingest as reader_start_s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

_WORDS = str.split(
    "the of and to in is was for on that with as by at from invoice contract payment "
    "clause party agreement report quarter revenue total amount due date signed résumé "
    "café naïve delivery schedule section annex liability notice term renewal budget"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text-mb", type=int, default=200, help="plain text to generate (MB)")
    parser.add_argument("--text-files", type=int, default=20, help="files to spread it over")
    parser.add_argument("--pdf-files", type=int, default=16, help="PDFs to generate")
    parser.add_argument("--pdf-pages", type=int, default=150, help="pages per PDF")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best kept)")


def _paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def _make_text(folder: str, total_mb: int, files: int, rng: random.Random) -> int:
    """Write `files` text files (distinct sizes, so none is a duplicate); returns bytes."""
    block = "\n".join(_paragraph(rng, 14) for _ in range(2000)).encode() + b"\n"
    each = total_mb * 1024 * 1024 // files
    total = 0
    for i in range(files):
        size = each + i * 17
        with open(os.path.join(folder, f"text{i:03d}.txt"), "wb") as handle:
            handle.write(f"file {i}\n".encode())
            written = 0
            while written + len(block) <= size:
                handle.write(block)
                written += len(block)
            handle.write(b"z" * (size - written))  # ASCII filler: every size distinct
        total += size + len(f"file {i}\n")
    return total


def _make_pdfs(folder: str, files: int, pages: int, rng: random.Random) -> list[str]:
    from rlm_desktop.documents.pdfwrite import write_pdf

    paths = []
    for i in range(files):
        path = os.path.join(folder, f"doc{i:02d}.pdf")
        write_pdf(path, ["\n".join(_paragraph(rng, 12) for _ in range(60)) for _ in range(pages)])
        paths.append(path)
    return paths


def _best(repeat: int, *works: Callable[[], Any]) -> list[float]:
    """Best time of each work, the works interleaved so that drift hits them alike."""
    best = [float("inf")] * len(works)
    for _ in range(repeat):
        for i, work in enumerate(works):
            start = time.perf_counter()
            work()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def _raw_text(folder: str) -> None:
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as handle:
            handle.read().decode("utf-8")


def _raw_pdf(paths: list[str]) -> int:
    import pypdfium2 as pdfium

    chars = 0
    for path in paths:
        document = pdfium.PdfDocument(path)
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
        document.close()
    return chars


def _maxrss() -> int:
    """This process's peak resident memory in bytes (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def measure_peak(folder: str) -> dict[str, int]:
    """Ingest `folder` and report the memory it took beyond what the process held before.

    Meant for a fresh process (see `_peak_in_fresh_process`): the lifetime peak the OS keeps
    then covers the ingest alone, and catches spikes between the sampler's looks.
    """
    from rlm_desktop.bench.sampling import PeakMemory
    from rlm_desktop.documents.ingest import context_from_records, ingest_paths

    rss_before = PeakMemory().baseline
    with PeakMemory() as meter:
        records = ingest_paths([folder])
        context = context_from_records(records)
    delta = max(meter.peak - meter.baseline, _maxrss() - rss_before)
    ok = all(r.ok for r in records)
    return {
        "delta": delta,
        "ok": ok,
        "documents": len(context.documents),
        "chars": context.total_chars,
    }


def _peak_in_fresh_process(folder: str, files: int) -> tuple[int, int]:
    """(peak memory delta, characters read) of ingesting `folder` in a new interpreter, so
    that generating the data here does not count as ingest memory."""
    code = (
        "import json, sys\n"
        "from rlm_desktop.bench.ingest import measure_peak\n"
        "if __name__ == '__main__':\n"
        "    print(json.dumps(measure_peak(sys.argv[1])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, folder], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"] and result["documents"] == files, result
    return int(result["delta"]), int(result["chars"])


def run(args: argparse.Namespace) -> dict[str, Any]:
    from rlm_desktop.documents.ingest import ingest_paths
    from rlm_desktop.documents.pool import machine_workers

    rng = random.Random(5)
    repeat = max(1, args.repeat)
    with tempfile.TemporaryDirectory(prefix="rlm-bench-ingest-") as tmp:
        text_dir = os.path.join(tmp, "text")
        pdf_dir = os.path.join(tmp, "pdf")
        os.mkdir(text_dir)
        os.mkdir(pdf_dir)
        text_bytes = _make_text(text_dir, args.text_mb, args.text_files, rng)
        pdfs = _make_pdfs(pdf_dir, args.pdf_files, args.pdf_pages, rng)
        pages = args.pdf_files * args.pdf_pages

        peak_delta, text_chars = _peak_in_fresh_process(text_dir, args.text_files)

        text_raw_s, text_s = _best(
            repeat, lambda: _raw_text(text_dir), lambda: ingest_paths([text_dir])
        )

        cold_start = time.perf_counter()
        ingest_paths(pdfs[:1], workers=1)
        pool_cold_start_s = time.perf_counter() - cold_start
        warm_start = time.perf_counter()
        ingest_paths(pdfs[:1], workers=1)
        one_pdf_s = time.perf_counter() - warm_start
        _raw_pdf(pdfs[:1])
        one_pdf_s -= _best(1, lambda: _raw_pdf(pdfs[:1]))[0]
        pdf_raw_s, pdf_one_s, pdf_pool_s = _best(
            repeat,
            lambda: _raw_pdf(pdfs),
            lambda: ingest_paths(pdfs, workers=1),
            lambda: ingest_paths(pdfs),
        )

    mb = text_bytes / (1024 * 1024)
    return {
        "text_mb_per_s": round(mb / text_s, 1),
        "text_raw_mb_per_s": round(mb / text_raw_s, 1),
        "text_mb": round(mb, 1),
        "text_files": args.text_files,
        "pdf_ratio": round(pdf_raw_s / pdf_one_s, 3),
        "pdf_ratio_pool": round(pdf_raw_s / pdf_pool_s, 3),
        "pdf_pages_per_s": round(pages / pdf_one_s, 1),
        "pdf_pages_per_s_pool": round(pages / pdf_pool_s, 1),
        "pdf_raw_pages_per_s": round(pages / pdf_raw_s, 1),
        "pdf_pages": pages,
        "pool_workers": machine_workers(),
        "pool_cold_start_s": round(pool_cold_start_s, 3),
        "reader_start_s": round(max(0.0, one_pdf_s), 3),
        "peak_memory_ratio": round(peak_delta / text_bytes, 3),
        "peak_memory_mb": round(peak_delta / (1024 * 1024), 1),
        "text_chars": text_chars,
    }
