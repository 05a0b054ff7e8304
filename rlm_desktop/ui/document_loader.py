"""Reading dropped files off the GUI thread: one background job per drop, its progress
shown on the drop's "reading…" rows, its records replacing them when it is done.

Removing a "reading…" row or clearing the list cancels its job (the ingest stops at the next
file); files already listed are not read twice.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from rlm_desktop.documents.model import IngestRecord
from rlm_desktop.ui.documents_model import READY, WARNING, DocRow, DocumentsModel
from rlm_desktop.ui.format import human_size
from rlm_desktop.ui.task_state import TaskState
from rlm_desktop.ui.tasks import Task, TaskManager

PROGRESS_EVERY_S = 0.1


def ocr_options(on: bool) -> Any:
    """Text recognition as the window uses it: its results cached in the app's cache folder."""
    from rlm_desktop.documents.ocr import OcrOptions
    from rlm_desktop.store.paths import cache_dir

    return OcrOptions(enabled=on, cache_dir=str(cache_dir() / "ocr"))


def read_files(paths: list[str], state: TaskState, ocr: bool = True) -> Any:
    """The job (ingest or engine thread): records plus each file's size on disk."""
    from rlm_desktop.documents.ingest import ingest_paths

    last = 0.0
    last_step = ""

    def progress(p: Any) -> None:
        nonlocal last, last_step
        now = time.monotonic()
        fresh_step = p.step != last_step  # a scan's next page: at most one a page
        if now - last >= PROGRESS_EVERY_S or p.files_done == p.files_total or fresh_step:
            last, last_step = now, p.step
            state.report(p)

    records = ingest_paths(paths, progress=progress, cancel=state.cancel, ocr=ocr_options(ocr))
    sizes: dict[str, int] = {}
    for record in records:
        with contextlib.suppress(OSError):
            sizes[record.path] = os.stat(record.path).st_size
    return records, sizes


class DocumentLoader(QObject):
    busy_changed = Signal(bool)
    job_finished = Signal(list)  # the new DocRows

    def __init__(
        self,
        tasks: TaskManager,
        model: DocumentsModel,
        parent: QObject | None = None,
        ocr: bool = True,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.model = model
        self.ocr = ocr  # read scanned pages by text recognition (the window's setting)
        self._jobs: dict[int, Task] = {}

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def add(self, paths: list[str]) -> int | None:
        """Start reading `paths` (files or folders); returns the job number, None if nothing new."""
        known = {d.path for d in self.model.rows if d.status in (READY, WARNING)}
        fresh = [os.path.abspath(p) for p in paths]
        fresh = [p for p in dict.fromkeys(fresh) if p not in known]
        if not fresh:
            return None
        job = self.model.add_reading(fresh)
        task = self.tasks.submit(
            lambda state, ocr=self.ocr: read_files(fresh, state, ocr),
            "read documents",
            on_done=lambda result: self._done(job, result),
            on_failed=lambda exc: self._failed(job, fresh, exc),
            on_progress=lambda p: self._progress(job, p),
        )
        self._jobs[job] = task
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        return job

    def _progress(self, job: int, p: Any) -> None:
        if job in self._jobs and p.files_total:
            size = (
                f", {human_size(p.bytes_done)} of {human_size(p.bytes_total)}"
                if p.bytes_total
                else ""
            )
            message = f"{p.files_done} of {p.files_total} files{size}"
            if p.step and p.files_total == 1:
                message = p.step
            elif p.step:  # which file the step is about, and how far the drop is
                name = os.path.basename(p.current)
                message = f"{p.step} ({name}; {p.files_done} of {p.files_total} files read)"
            self.model.job_progress(job, message)

    def _done(self, job: int, result: tuple[list[IngestRecord], dict[str, int]]) -> None:
        task = self._jobs.pop(job, None)
        if task is None:
            return  # removed or cleared meanwhile
        records, sizes = result
        if task.cancelled:
            records = [r for r in records if r.ok]
        self.job_finished.emit(self.model.job_done(job, records, sizes))
        self._idle()

    def _failed(self, job: int, paths: list[str], exc: BaseException) -> None:
        if self._jobs.pop(job, None) is None:
            return
        reason = f"the reader failed ({type(exc).__name__}: {exc})"
        records = [IngestRecord(path=p, ok=False, error=reason) for p in paths]
        self.job_finished.emit(self.model.job_done(job, records, {}))
        self._idle()

    def show_read(self, records: list[IngestRecord], sizes: dict[str, int]) -> list[DocRow]:
        """List documents read elsewhere (a conversation continued from the history, read on
        the engine thread), as a finished read."""
        rows = self.model.job_done(
            self.model.add_reading([r.path for r in records]), records, sizes
        )
        self.job_finished.emit(rows)
        return rows

    def remove(self, rows: list[int]) -> list[DocRow]:
        removed = self.model.remove_rows(rows)
        for doc in removed:
            if doc.job is not None and not any(d.job == doc.job for d in self.model.rows):
                self._cancel(doc.job)
        return removed

    def clear(self) -> None:
        for job in list(self._jobs):
            self._cancel(job)
        self.model.clear()

    def _cancel(self, job: int) -> None:
        task = self._jobs.pop(job, None)
        if task is not None:
            task.cancel()
            self._idle()

    def _idle(self) -> None:
        if not self._jobs:
            self.busy_changed.emit(False)
