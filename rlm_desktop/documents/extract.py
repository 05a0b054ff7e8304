"""Read one file with the reader for its kind; always returns an `Outcome`, never raises."""

from __future__ import annotations

import importlib
import os
import zipfile
import zlib
from collections.abc import Callable

from rlm_desktop.cancel import Cancelled, CancelToken
from rlm_desktop.documents.fileio import ReadError, file_digest, opened, os_error_sentence
from rlm_desktop.documents.jobs import Extracted, Job, Outcome
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.model import Document
from rlm_desktop.documents.ocr import ScanRun
from rlm_desktop.documents.text import read_text

CANCELLED = "cancelled"
"""The `error` of a file that was not read because the user cancelled the ingest."""

Reader = Callable[[str, IngestLimits], Extracted]

# kind -> "module:function"; imported on first use so a worker loads only what it needs.
READERS: dict[str, str] = {
    "pdf": "rlm_desktop.documents.pdf:read_pdf",
    "docx": "rlm_desktop.documents.word:read_docx",
    "xlsx": "rlm_desktop.documents.sheets:read_xlsx",
    "csv": "rlm_desktop.documents.sheets:read_csv",
    "tsv": "rlm_desktop.documents.sheets:read_tsv",
    "pptx": "rlm_desktop.documents.slides:read_pptx",
    "odt": "rlm_desktop.documents.opendoc:read_opendocument",
    "ods": "rlm_desktop.documents.opendoc:read_opendocument",
    "odp": "rlm_desktop.documents.opendoc:read_opendocument",
    "epub": "rlm_desktop.documents.epub:read_epub",
    "html": "rlm_desktop.documents.html:read_html",
    "image": "rlm_desktop.documents.images:read_image",
}
SCAN_KINDS = frozenset({"pdf", "image"})
"""Readers that also take a `ScanRun` (their pages may be pictures read by OCR)."""
PLAIN_KINDS = frozenset({"text", "code", "data"})


def _reader(kind: str) -> Callable[..., Extracted]:
    module, _, function = READERS[kind].partition(":")
    reader: Callable[..., Extracted] = getattr(importlib.import_module(module), function)
    return reader


def _run(job: Job, limits: IngestLimits, cancel: CancelToken | None, scan: ScanRun) -> Extracted:
    if job.kind in PLAIN_KINDS:
        return read_text(
            job.path, limits.max_file_bytes, want_digest=job.want_digest, cancel=cancel
        )
    if job.kind not in READERS:
        raise ReadError("not a document the app can read")
    with opened(job.path) as fd:  # our own read-only open first: libraries such as pdfium
        if os.fstat(fd).st_size == 0:  # report a refused open as "damaged"
            raise ReadError("the file is empty")
    digest = file_digest(job.path, limits.max_file_bytes) if job.want_digest else None
    if job.kind in SCAN_KINDS:
        extracted = _reader(job.kind)(job.path, limits, scan)
    else:
        extracted = _reader(job.kind)(job.path, limits)
    extracted.digest = extracted.digest or digest
    return extracted


def _failure_sentence(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "the file needs more memory to read than the app may use"
    if isinstance(exc, RecursionError):
        return "the file is nested too deeply to read (it may be damaged)"
    if isinstance(exc, zlib.error | EOFError | zipfile.BadZipFile):
        return "the file is damaged: its compressed data ends early or is corrupt"
    return f"the file could not be read; it may be damaged ({type(exc).__name__})"


def extract(
    job: Job, limits: IngestLimits, cancel: CancelToken | None = None, scan: ScanRun | None = None
) -> Outcome:
    """Read one file; every failure becomes one human sentence in `Outcome.error`.

    `scan` says whether and how pictures of pages are read by OCR (default: on, no cache)."""
    scan = scan or ScanRun(cancel=cancel)
    try:
        extracted = _run(job, limits, cancel, scan)
    except Cancelled:
        return Outcome(job.index, job.kind, error=CANCELLED)
    except ReadError as exc:
        return Outcome(job.index, job.kind, error=str(exc))
    except OSError as exc:
        return Outcome(job.index, job.kind, error=os_error_sentence(exc))
    except Exception as exc:  # a reader library choked on a damaged file
        return Outcome(job.index, job.kind, error=_failure_sentence(exc))
    document = Document(
        name=job.name,
        text=extracted.text,
        path=os.path.abspath(job.path),
        kind=job.kind,
        pages=extracted.pages,
        warnings=list(extracted.warnings),
        ocr_pages=list(extracted.ocr_pages),
    )
    return Outcome(
        job.index,
        job.kind,
        document=document,
        warnings=list(extracted.warnings),
        digest=extracted.digest,
    )
