"""Pictures of pages (PNG, JPEG, TIFF with many pages, WebP, BMP, GIF) read by text recognition.

The picture's declared size is checked before any pixel is decoded (a small file can declare
a picture of billions of pixels); damaged, cut-short and blank pictures each get one sentence.
"""

from __future__ import annotations

import warnings
from typing import Any

from rlm_desktop.documents.fileio import ReadError
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.ocr import MAX_IMAGE_PIXELS, ScanRun
from rlm_desktop.documents.pdf import PAGE_MARKER
from rlm_desktop.documents.scan import read_scanned, scan_warnings

FORMATS = frozenset({"PNG", "JPEG", "TIFF", "WEBP", "BMP", "GIF", "MPO"})
MAX_FRAMES = 2000
DAMAGED = "the picture is damaged or is not a picture format the app reads"
TRUNCATED = "the picture is cut short (the file is incomplete), so it could not be read"
NO_TEXT = "no text was found in the picture"
BLANK = "the picture looks blank: no text was found on it"


def _bomb(width: int, height: int) -> ReadError:
    return ReadError(
        f"the picture declares {width:,} × {height:,} pixels, far more than any scanned page, "
        "so it was not opened (it may be a decompression bomb)"
    )


def _open(path: str) -> Any:
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ReadError(
                "the picture declares far more pixels than any scanned page, so it was not "
                "opened (it may be a decompression bomb)"
            ) from None
        except UnidentifiedImageError:
            raise ReadError(DAMAGED) from None
        except (SyntaxError, ValueError, EOFError):
            raise ReadError(DAMAGED) from None
        except OSError as exc:
            if exc.errno is not None:  # the disk or the system, not the picture
                raise
            raise ReadError(DAMAGED) from None  # its header itself is broken
    if image.format not in FORMATS:
        image.close()
        raise ReadError(DAMAGED)
    return image


def _frame(image: Any, number: int) -> Any:
    """Page `number` (from 1) decoded, after its declared size was checked."""
    from PIL import Image

    try:
        image.seek(number - 1)
    except EOFError:
        raise ReadError(TRUNCATED) from None
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise _bomb(width, height)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
        except OSError as exc:
            raise ReadError(TRUNCATED if "runcated" in str(exc) else DAMAGED) from None
        except (SyntaxError, ValueError, EOFError, Image.DecompressionBombWarning):
            raise ReadError(DAMAGED) from None
    return image.convert("L")


def read_image(path: str, limits: IngestLimits, scan: ScanRun | None = None) -> Extracted:
    """Every page of the picture read by OCR; `pages` holds where each starts."""
    scan = scan or ScanRun()
    image = _open(path)
    try:
        count = min(int(getattr(image, "n_frames", 1) or 1), MAX_FRAMES)
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise _bomb(width, height)
        errors: list[str] = []

        def picture(number: int) -> Any:
            try:
                return _frame(image, number)
            except ReadError as exc:
                errors.append(str(exc))
                raise

        result = read_scanned(path, list(range(1, count + 1)), count, picture, scan)
    finally:
        image.close()
    if result.unavailable:
        raise ReadError(f"pictures are read only by text recognition, and {result.unavailable}")
    if not result.texts:
        if result.failed and count == 1:
            raise ReadError(errors[0] if errors else DAMAGED)
        if count == 1:
            raise ReadError(BLANK if result.plain else NO_TEXT)
        raise ReadError("no text was found on any page of the picture")
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for number in range(1, count + 1):
        text = result.texts.get(number, "")
        piece = text + "\n"
        if count > 1:
            piece = PAGE_MARKER.format(number=number, count=count) + piece
        starts.append(offset)
        offset += len(piece)
        parts.append(piece)
    notes = scan_warnings(result, count)
    return Extracted("".join(parts), pages=starts, warnings=notes, ocr_pages=sorted(result.texts))
