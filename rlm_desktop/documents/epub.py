"""EPUB e-books with ebooklib: the visible text of each section in reading (spine) order."""

from __future__ import annotations

import warnings
import zipfile

from rlm_desktop.documents.fileio import ReadError
from rlm_desktop.documents.html import html_to_text
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.zipguard import check_zip

SECTION_MARKER = "--- section {number} of {count} ---\n"
_FONT_OBFUSCATION = (b"http://www.idpf.org/2008/embedding", b"http://ns.adobe.com/pdf/enc#RC")


def _drm_protected(path: str) -> bool:
    """True when META-INF/encryption.xml encrypts more than fonts (i.e. DRM on the text)."""
    with zipfile.ZipFile(path) as archive:
        try:
            data = archive.read("META-INF/encryption.xml")
        except KeyError:
            return False
    methods = data.count(b"EncryptionMethod")
    fonts = sum(data.count(b'Algorithm="' + a) for a in _FONT_OBFUSCATION)
    return methods > fonts


def read_epub(path: str, limits: IngestLimits) -> Extracted:
    """One '--- section N of M ---' per spine document with text; `pages` holds their starts."""
    check_zip(path, limits, "EPUB book", "META-INF/container.xml")
    if _drm_protected(path):
        raise ReadError("the book is DRM-protected, so its text cannot be read")
    from ebooklib import epub

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = epub.read_epub(path, options={"ignore_ncx": True})
    except Exception:
        raise ReadError("the file is damaged or is not a real EPUB book") from None
    texts: list[str] = []
    notes: list[str] = []
    for idref, *_ in book.spine:
        item = book.get_item_with_id(idref)
        if item is None:
            continue
        text, item_notes = html_to_text(item.get_content())
        notes.extend(n for n in item_notes if n not in notes)
        if text.strip():
            texts.append(text)
    if not texts:
        raise ReadError("the book has no text (its pages may be pictures only)")
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for number, text in enumerate(texts, start=1):
        piece = SECTION_MARKER.format(number=number, count=len(texts)) + text + "\n"
        starts.append(offset)
        offset += len(piece)
        parts.append(piece)
    return Extracted("".join(parts), pages=starts, warnings=notes)
