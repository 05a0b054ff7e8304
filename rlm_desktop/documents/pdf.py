"""PDF with pypdfium2: text per page behind a page marker, page starts kept in `pages`."""

from __future__ import annotations

import os
from typing import Any

from rlm_desktop.documents.fileio import ReadError, opened
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.limits import IngestLimits

SCANNED = "scanned PDF: no text layer (OCR is not available)"
PASSWORD = "password-protected PDF: it cannot be read without its password"
PAGE_MARKER = "--- page {number} of {count} ---\n"


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
        return text, (not text.strip() and _has_image(page))
    except Exception:
        return None, False
    finally:
        page.close()


def _listing(numbers: list[int]) -> str:
    """'3', '2 and 5', '1, 4 and 9', '1, 2, 3, … (12 in all)'."""
    if len(numbers) > 8:
        return ", ".join(str(n) for n in numbers[:3]) + f", … ({len(numbers)} in all)"
    if len(numbers) == 1:
        return str(numbers[0])
    return ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def read_pdf(path: str, limits: IngestLimits) -> Extracted:
    """Every page's text, each behind a '--- page N of M ---' line; `pages` holds their starts."""
    document = _open(path)
    try:
        count = len(document)
        if count == 0:
            raise ReadError("the PDF has no pages (it may be damaged)")
        parts: list[str] = []
        starts: list[int] = []
        offset = 0
        empty = 0
        scanned: list[int] = []
        damaged: list[int] = []
        for index in range(count):
            text, image_only = _page_text(document, index)
            if text is None:
                damaged.append(index + 1)
                text = ""
            elif not text.strip():
                empty += 1
                if image_only:
                    scanned.append(index + 1)
            marker = PAGE_MARKER.format(number=index + 1, count=count)
            piece = marker + text + ("" if text.endswith("\n") else "\n")
            starts.append(offset)
            offset += len(piece)
            parts.append(piece)
    finally:
        document.close()
    if empty + len(damaged) == count:
        raise ReadError(SCANNED if not damaged else "the PDF is too damaged to read any page")
    warnings = []
    if damaged:
        what = "page" if len(damaged) == 1 else "pages"
        warnings.append(f"damaged {what} {_listing(damaged)} of {count} could not be read")
    if scanned:
        what = f"page {_listing(scanned)} of {count} is a scanned image"
        if len(scanned) > 1:
            what = f"pages {_listing(scanned)} of {count} are scanned images"
        warnings.append(
            f"{what} without a text layer, so that text is missing (OCR is not available)"
        )
    if _looks_truncated(path):
        warnings.append("the PDF looks cut short (it has no end marker); pages may be missing")
    return Extracted("".join(parts), pages=starts, warnings=warnings)
