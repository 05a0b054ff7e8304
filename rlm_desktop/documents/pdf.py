"""PDF with pypdfium2: text per page behind a page marker, page starts kept in `pages`."""

from __future__ import annotations

import os
from typing import Any

from rlm_desktop.documents.fileio import ReadError, opened
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.ocr import ScanRun

SCANNED = "scanned PDF: no text layer, and {reason}"
PASSWORD = "password-protected PDF: it cannot be read without its password"
PAGE_MARKER = "--- page {number} of {count} ---\n"
NEGLIGIBLE_CHARS = 12
"""A page with a picture and fewer letters than this in its text layer is read as a scan."""


def clean_page_text(text: str) -> str:
    """pdfium's page text with LF newlines, real hyphens and no NULs."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufffe" in text:
        text = text.replace("\ufffe", "-")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text


def _open(path: str) -> Any:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if exc.err_code == raw.FPDF_ERR_PASSWORD:
            raise ReadError(PASSWORD) from None
        if exc.err_code == raw.FPDF_ERR_SECURITY:
            raise ReadError(
                "the PDF is locked with a security scheme the app cannot open"
            ) from None
        if exc.err_code == raw.FPDF_ERR_FILE and not os.path.exists(path):
            raise ReadError("the file disappeared before it could be read") from None
        raise ReadError("the file is not a valid PDF or is too damaged to read") from None


def _looks_truncated(path: str) -> bool:
    with opened(path) as fd:
        size = os.fstat(fd).st_size
        os.lseek(fd, max(0, size - 2048), os.SEEK_SET)
        tail = os.read(fd, 2048)
    return b"%%EOF" not in tail


def _has_image(page: Any) -> bool:
    import pypdfium2.raw as raw

    return any(True for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _page_text(document: Any, index: int) -> tuple[str | None, bool]:
    """(text, has_image) of one page; text None when the page itself is damaged."""
    try:
        page = document[index]
    except Exception:
        return None, False
    try:
        textpage = page.get_textpage()
        try:
            text = clean_page_text(textpage.get_text_range())
        finally:
            textpage.close()
        return text, (len("".join(text.split())) < NEGLIGIBLE_CHARS and _has_image(page))
    except Exception:
        return None, False
    finally:
        page.close()


def _render(document: Any, number: int) -> Any:
    """Page `number` (from 1) as a grayscale picture for text recognition."""
    from rlm_desktop.documents.scan import render_scale

    page = document[number - 1]
    try:
        width, height = page.get_size()
        bitmap = page.render(scale=render_scale(width, height), grayscale=True)
        return bitmap.to_pil()
    finally:
        page.close()


def read_pdf(path: str, limits: IngestLimits, scan: ScanRun | None = None) -> Extracted:
    """Every page's text, each behind a '--- page N of M ---' line; `pages` holds their starts.

    Pages with no text layer but a picture are read by text recognition (`scan`)."""
    from rlm_desktop.documents.scan import ScanResult, listing, read_scanned, scan_warnings

    document = _open(path)
    try:
        count = len(document)
        if count == 0:
            raise ReadError("the PDF has no pages (it may be damaged)")
        texts: list[str] = []
        scanned: list[int] = []
        damaged: list[int] = []
        for index in range(count):
            text, image_only = _page_text(document, index)
            if text is None:
                damaged.append(index + 1)
                text = ""
            elif image_only:
                scanned.append(index + 1)
            texts.append(text)
        result = ScanResult()
        if scanned:
            run = scan or ScanRun()
            result = read_scanned(path, scanned, count, lambda n: _render(document, n), run)
    finally:
        document.close()
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for index, text in enumerate(texts):
        text = result.texts.get(index + 1, text)
        marker = PAGE_MARKER.format(number=index + 1, count=count)
        piece = marker + text + ("" if text.endswith("\n") else "\n")
        starts.append(offset)
        offset += len(piece)
        parts.append(piece)
    if not result.texts and all(not t.strip() for t in texts):
        if damaged:
            raise ReadError("the PDF is too damaged to read any page")
        if result.unavailable:
            raise ReadError(SCANNED.format(reason=result.unavailable))
        if scanned:
            raise ReadError("scanned PDF: no text was found on any page (they look blank)")
        raise ReadError("the PDF has no text on any page")
    warnings = []
    if damaged:
        what = "page" if len(damaged) == 1 else "pages"
        warnings.append(f"damaged {what} {listing(damaged)} of {count} could not be read")
    if result.unavailable:
        what = f"page {listing(scanned)} of {count} is a scanned image"
        if len(scanned) > 1:
            what = f"pages {listing(scanned)} of {count} are scanned images"
        warnings.append(
            f"{what} without a text layer, so that text is missing: {result.unavailable}"
        )
    warnings.extend(scan_warnings(result, count))
    if _looks_truncated(path):
        warnings.append("the PDF looks cut short (it has no end marker); pages may be missing")
    return Extracted(
        "".join(parts), pages=starts, warnings=warnings, ocr_pages=sorted(result.texts)
    )
