"""Scanned pages to text: the cache first, then Tesseract for the rest, and the warnings a
document gets about them (which pages were read by OCR, which were blank or failed)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from rlm_desktop.documents.ocr import (
    MAX_OCR_PIXELS,
    MISSING,
    OCR_DPI,
    TURNED_OFF,
    ScanRun,
    engine_version,
    find_tesseract,
    pgm_file,
    recognise,
)
from rlm_desktop.documents.ocr_cache import OcrCache, file_key

OCR_MARK = "read by OCR: check the wording"
_WORD = re.compile(r"\w\w")
BLANK_RANGE = 24
"""A picture whose darkest and lightest grays are closer than this has nothing printed."""


@dataclass
class ScanResult:
    """Text per recognised page, and what went wrong with the others."""

    texts: dict[int, str] = field(default_factory=dict)
    blank: list[int] = field(default_factory=list)
    plain: list[int] = field(default_factory=list)
    """Of the blank pages, those with nothing printed at all (one even gray)."""
    failed: list[int] = field(default_factory=list)
    recognised: int = 0
    """Pages Tesseract read this time (the rest came from the cache)."""
    unavailable: str | None = None
    """Why nothing was recognised (OCR missing or turned off), else None."""


def listing(numbers: list[int]) -> str:
    """'3', '2 and 5', '1, 4 and 9', '1, 2, 3, … (12 in all)'."""
    if len(numbers) > 8:
        return ", ".join(str(n) for n in numbers[:3]) + f", … ({len(numbers)} in all)"
    if len(numbers) == 1:
        return str(numbers[0])
    return ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def _pages(numbers: list[int], count: int) -> str:
    if count == 1:
        return "the page"
    word = "page" if len(numbers) == 1 else "pages"
    return f"{word} {listing(numbers)} of {count}"


def scan_warnings(result: ScanResult, count: int) -> list[str]:
    """One line per kind of outcome, naming the pages."""
    out = []
    read = sorted(p for p, t in result.texts.items() if t)
    if read:  # "read by OCR" first: it is what a narrow status column still shows
        where = "a scanned picture" if count == 1 else f"scanned {_pages(read, count)}"
        out.append(f"read by OCR from {where}: check the wording")
    if result.blank:
        verb = "looks" if len(result.blank) == 1 or count == 1 else "look"
        out.append(f"{_pages(result.blank, count)} {verb} blank: no text was found")
    if result.failed:
        out.append(f"{_pages(result.failed, count)} could not be read by text recognition")
    return out


def bounded(image: Any) -> Any:
    """The picture as 8-bit gray, shrunk to at most MAX_OCR_PIXELS."""
    gray = image if image.mode == "L" else image.convert("L")
    pixels = gray.width * gray.height
    if pixels > MAX_OCR_PIXELS:
        ratio = math.sqrt(MAX_OCR_PIXELS / pixels)
        size = (max(1, int(gray.width * ratio)), max(1, int(gray.height * ratio)))
        gray = gray.resize(size)
    return gray


def looks_blank(gray: Any) -> bool:
    low, high = gray.getextrema()
    return bool(high - low < BLANK_RANGE)


def render_scale(width_pt: float, height_pt: float) -> float:
    """pdfium's render scale for OCR_DPI, lowered for huge pages."""
    scale = OCR_DPI / 72
    pixels = width_pt * height_pt * scale * scale
    if pixels > MAX_OCR_PIXELS:
        scale *= math.sqrt(MAX_OCR_PIXELS / pixels)
    return scale


def read_scanned(
    path: str,
    pages: list[int],
    count: int,
    picture: Callable[[int], Any],
    run: ScanRun,
) -> ScanResult:
    """Text of `pages` (numbers from 1) of the file at `path`; `picture(n)` draws page n."""
    result = ScanResult()
    if not pages:
        return result
    if not run.options.enabled:
        result.unavailable = TURNED_OFF
        return result
    found = find_tesseract(run.options)
    version = engine_version(*found) if found else None
    cache = OcrCache(run.options.cache_dir, run.options.cache_max_bytes)
    key = file_key(path, f"{version or 'none'} {OCR_DPI} psm3") if cache.folder else ""
    todo = []
    for page in pages:
        cached = cache.get(key, page) if key and version else None
        if cached is None:
            todo.append(page)
        elif cached:
            result.texts[page] = cached
        else:
            result.blank.append(page)
    if not todo:
        return result
    if found is None or version is None:
        result.unavailable = MISSING
        return result
    run.report(todo[0], count)

    def pictures() -> Iterator[tuple[int, IO[bytes]]]:
        for page in todo:
            run.check()
            try:
                gray = bounded(picture(page))
            except Exception:
                result.failed.append(page)
                continue
            if looks_blank(gray):
                result.blank.append(page)
                result.plain.append(page)
                if key:
                    cache.put(key, page, "")
                continue
            yield page, pgm_file(gray)

    def done(page: int, text: str | None) -> None:
        result.recognised += 1
        if text is None:
            result.failed.append(page)
            return
        if not _WORD.search(text):
            result.blank.append(page)
            text = ""
        else:
            result.texts[page] = text
        if key:
            cache.put(key, page, text)

    recognise(found[0], found[1], pictures(), run, count, done)
    result.blank.sort()
    result.failed.sort()
    return result
