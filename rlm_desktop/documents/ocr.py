"""Text recognition (OCR) of page pictures with Tesseract, run as a separate program.

Pages are recognised a few at a time (one Tesseract per core), each fed a grayscale PGM
through an unlinked temporary file and answering on another, so a reader killed on cancel
leaves no files behind (the readers are process-group leaders: their Tesseracts die with
them). Results are cached by file hash and page (`ocr_cache`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from rlm_desktop.cancel import CancelToken

TESSERACT_ENV = "RLM_DESKTOP_TESSERACT"
"""Path of the tesseract program to use; an empty value means "none" (tests, no-OCR runs)."""
MISSING = "text recognition (OCR) is not installed: install Tesseract (tesseract-ocr)"
TURNED_OFF = "text recognition (OCR) is turned off in Settings"
OCR_DPI = 200
"""Scanned PDF pages are rendered at this resolution for recognition."""
MAX_OCR_PIXELS = 40_000_000
"""A page picture is shrunk to at most this many pixels before recognition (memory bound)."""
MAX_IMAGE_PIXELS = 60_000_000
"""A picture that declares more pixels than this is refused before it is decoded."""
PAGE_SECONDS = 120.0
TESSERACT_MEMORY_BYTES = 1_500_000_000
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class OcrOptions:
    """How the readers may use OCR; travels to the reader processes."""

    enabled: bool = True
    cache_dir: str | None = None
    """Folder for recognised text by file hash and page; None: no cache."""
    cache_max_bytes: int = 64_000_000
    threads: int = 0
    """Tesseracts at once; 0: one per core."""
    tesseract: str | None = None
    """The program; None: find it (bundled, RLM_DESKTOP_TESSERACT, then PATH)."""


@dataclass(frozen=True)
class PageProgress:
    """Sent by a reader while it recognises pages: 'Reading scanned page 3 of 40…'."""

    page: int
    count: int

    @property
    def sentence(self) -> str:
        return f"Reading scanned page {self.page} of {self.count}…"


Progress = Callable[[PageProgress], None]


@dataclass
class ScanRun:
    """OCR options plus this read's progress callback and cancel token."""

    options: OcrOptions = field(default_factory=OcrOptions)
    progress: Progress | None = None
    cancel: CancelToken | None = None

    def report(self, page: int, count: int) -> None:
        if self.progress is not None:
            self.progress(PageProgress(page, count))

    def check(self) -> None:
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()


def _bundled() -> tuple[str, str] | None:
    """(program, tessdata folder) inside a packaged app, where the build put them."""
    base = getattr(sys, "_MEIPASS", None)
    if not base:
        return None
    program = os.path.join(base, "tesseract", "tesseract")
    if os.name == "nt":
        program += ".exe"
    tessdata = os.path.join(base, "tesseract", "tessdata")
    return (program, tessdata) if os.path.isfile(program) else None


def find_tesseract(options: OcrOptions) -> tuple[str, dict[str, str]] | None:
    """(program, environment) for running Tesseract, or None when there is none."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    if options.tesseract is not None:
        return (options.tesseract, env) if options.tesseract else None
    bundled = _bundled()
    if bundled is not None:
        env["TESSDATA_PREFIX"] = bundled[1]
        return bundled[0], env
    chosen = os.environ.get(TESSERACT_ENV)
    if chosen is not None:
        return (chosen, env) if chosen and os.path.isfile(chosen) else None
    found = shutil.which("tesseract")
    return (found, env) if found else None


def engine_version(program: str, env: dict[str, str]) -> str | None:
    """'tesseract 5.3.0' when the program runs and has English; None otherwise."""
    try:
        done = subprocess.run(
            [program, "--list-langs"], capture_output=True, text=True, env=env, timeout=30
        )
        version = subprocess.run(
            [program, "--version"], capture_output=True, text=True, env=env, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if "eng" not in done.stdout.split():
        return None
    first = (version.stdout or version.stderr).strip().splitlines()
    return first[0] if first else "tesseract"


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def pgm_file(image: Any) -> IO[bytes]:
    """An unlinked temporary file holding a PIL image as 8-bit grayscale PGM."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller)
    gray = image if image.mode == "L" else image.convert("L")
    gray.save(handle, "PPM")
    handle.seek(0)
    return handle


@dataclass
class _Running:
    page: int
    process: subprocess.Popen[bytes]
    stdin: IO[bytes]
    stdout: IO[bytes]
    since: float


def _start(program: str, env: dict[str, str], page: int, picture: IO[bytes]) -> _Running:
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed in _finish)
    args = [program, "stdin", "stdout", "-l", "eng", "--psm", "3", "-c", "tessedit_do_invert=0"]
    process = subprocess.Popen(args, stdin=picture, stdout=out, stderr=subprocess.DEVNULL, env=env)
    if sys.platform.startswith("linux"):
        import resource

        try:  # a bounded address space: a hostile picture cannot eat the machine's memory
            limit = (TESSERACT_MEMORY_BYTES, TESSERACT_MEMORY_BYTES)
            resource.prlimit(process.pid, resource.RLIMIT_AS, limit)
        except (OSError, ValueError):
            pass
    return _Running(page, process, picture, out, time.monotonic())


def _finish(running: _Running) -> str | None:
    """The page's text, or None when Tesseract failed on it."""
    running.stdin.close()
    try:
        if running.process.returncode != 0:
            return None
        running.stdout.seek(0)
        return running.stdout.read().decode("utf-8", "replace").replace("\f", "").strip()
    finally:
        running.stdout.close()


def recognise(
    program: str,
    env: dict[str, str],
    pictures: Iterator[tuple[int, IO[bytes]]],
    run: ScanRun,
    count: int,
    done: Callable[[int, str | None], None],
) -> None:
    """Recognise each (page number, PGM file) a few at a time; `done(page, text or None)`.

    `pictures` is drawn lazily, so only as many page pictures exist as Tesseracts run.
    """
    threads = run.options.threads or _cores()
    running: list[_Running] = []
    exhausted = False
    try:
        while running or not exhausted:
            run.check()
            while not exhausted and len(running) < threads:
                nxt = next(pictures, None)
                if nxt is None:
                    exhausted = True
                    break
                try:
                    running.append(_start(program, env, nxt[0], nxt[1]))
                except OSError:  # the program went away or cannot start: this page fails
                    nxt[1].close()
                    done(nxt[0], None)
            time.sleep(POLL_SECONDS)
            now = time.monotonic()
            for item in list(running):
                if item.process.poll() is None and now - item.since <= PAGE_SECONDS:
                    continue
                if item.process.poll() is None:
                    item.process.kill()
                    item.process.wait()
                running.remove(item)
                done(item.page, _finish(item))
                pending = [r.page for r in running]
                run.report(min(pending) if pending else item.page, count)
    except BaseException:  # cancelled, or anything unexpected: no Tesseract is left behind
        for item in running:
            item.process.kill()
            item.process.wait()
            item.stdin.close()
            item.stdout.close()
        raise
