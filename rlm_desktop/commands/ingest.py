"""`rlm-desktop ingest PATH... [--json]`: what the app would read from these files and folders.

Prints one record per file found (path, ok, kind, chars, pages, error, warnings). Exit code 0
even when some files fail; 1 only when nothing was found at all. Scanned pages and pictures of
pages are read by text recognition (cached in the app's cache folder) unless `--no-ocr`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("ingest", help="read documents and report what was found")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print a JSON list of records")
    p.add_argument(
        "--no-ocr",
        action="store_true",
        help="do not read scanned pages and pictures of pages by text recognition",
    )


def run(args: argparse.Namespace) -> int:
    from rlm_desktop.documents.ingest import OcrOptions, ingest_paths
    from rlm_desktop.store.paths import cache_dir

    ocr = OcrOptions(enabled=not args.no_ocr, cache_dir=str(cache_dir() / "ocr"))
    records = ingest_paths(args.paths, ocr=ocr)
    if args.json:
        print(json.dumps([r.to_json() for r in records], ensure_ascii=False, indent=2))
    else:
        for r in records:
            status = "ok" if r.ok else f"error: {r.error}"
            pages = f", {r.pages} pages" if r.pages else ""
            print(f"{r.path}: {r.kind or '?'}, {r.chars:,} chars{pages} — {status}")
            for w in r.warnings:
                print(f"    warning: {w}")
    if not records:
        print("rlm-desktop ingest: no files found.", file=sys.stderr)
        return 1
    return 0
