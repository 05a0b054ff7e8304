"""Public entry point: `ingest_paths` (walk, read in worker processes, progress, cancel).

Cancel: files found but not read when the token is cancelled come back as records with
`ok=False` and `error == "cancelled"` (CANCELLED); everything read before stays in the records.
A cancel while folders are still being listed stops the listing: files not yet found are not
listed at all. `ingest_paths` returns normally after a cancel; it does not raise `Cancelled`.
"""

from __future__ import annotations

import dataclasses
import os
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.extract import CANCELLED, PLAIN_KINDS, extract
from rlm_desktop.documents.jobs import Job, Outcome
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.model import Context, Document, IngestRecord
from rlm_desktop.documents.ocr import OcrOptions, PageProgress, ScanRun
from rlm_desktop.documents.plan import Plan, apply_outcome, mark_duplicates, plan_ingest
from rlm_desktop.documents.pool import ReaderPool, machine_workers
from rlm_desktop.documents.walk import walk_paths

__all__ = [
    "CANCELLED",
    "IngestLimits",
    "IngestProgress",
    "OcrOptions",
    "context_from_records",
    "ingest_paths",
]


@dataclass
class IngestProgress:
    """Where an ingest stands; `current` is the file most recently started or finished.

    While big folders are still being listed it comes with `files_done == 0` and a growing
    `files_total` (bytes 0); then once before reading starts, and as each file starts and
    finishes. `step` says where the reading of `current` stands when that takes long
    ("Reading scanned page 3 of 40…"); "" otherwise.
    """

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    current: str
    step: str = ""


class _Tracker:
    """Counts finished files and bytes and calls the progress callback."""

    def __init__(self, plan: Plan, callback: Callable[[IngestProgress], None] | None) -> None:
        self.callback = callback
        files_total = sum(1 for r in plan.records if r.kind != "folder")
        self.progress = IngestProgress(
            files_done=files_total - len(plan.jobs),
            files_total=files_total,
            bytes_done=0,
            bytes_total=sum(j.size for j in plan.jobs),
            current="",
        )

    def report(self) -> None:
        if self.callback is not None:
            self.callback(
                IngestProgress(**{k: getattr(self.progress, k) for k in vars(self.progress)})
            )

    def started(self, job: Job) -> None:
        self.progress.current = job.path
        self.progress.step = ""
        self.report()

    def paging(self, job: Job, page: PageProgress) -> None:
        self.progress.current = job.path
        self.progress.step = page.sentence
        self.report()

    def finished(self, job: Job) -> None:
        self.progress.files_done += 1
        self.progress.bytes_done += job.size
        self.progress.current = job.path
        self.progress.step = ""
        self.report()


def _local_work(
    jobs: Sequence[Job],
    limits: IngestLimits,
    cancel: CancelToken | None,
    tracker: _Tracker,
    done: Callable[[Job, Outcome], None],
    ocr: OcrOptions,
) -> Callable[[], bool]:
    """One in-process job per call; False once none is left (or on cancel)."""
    queue = deque(jobs)

    def step() -> bool:
        if queue and not (cancel is not None and cancel.cancelled):
            job = queue.popleft()
            tracker.started(job)
            scan = ScanRun(ocr, progress=lambda p: tracker.paging(job, p), cancel=cancel)
            done(job, extract(job, limits, cancel, scan))
        return bool(queue) and not (cancel is not None and cancel.cancelled)

    return step


def _pool_size(workers: int | None, jobs: int) -> int:
    if workers is None:
        workers = machine_workers()
    return max(0, min(workers, jobs))


def _read_all(
    plan: Plan,
    limits: IngestLimits,
    workers: int | None,
    cancel: CancelToken | None,
    tracker: _Tracker,
    ocr: OcrOptions,
) -> dict[int, bytes]:
    """Run every job (plain text here, the rest in reader processes); returns the digests."""
    digests: dict[int, bytes] = {}
    finished: set[int] = set()

    def done(job: Job, outcome: Outcome) -> None:
        apply_outcome(plan.records[job.index], outcome)
        if outcome.digest is not None:
            digests[job.index] = outcome.digest
        finished.add(job.index)
        tracker.finished(job)

    here = [j for j in plan.jobs if workers == 0 or j.kind in PLAIN_KINDS]
    isolated = [j for j in plan.jobs if not (workers == 0 or j.kind in PLAIN_KINDS)]
    step = _local_work(here, limits, cancel, tracker, done, ocr)
    size = _pool_size(workers, len(isolated))
    if size:
        pool = ReaderPool(size, limits, ocr)
        try:
            pool.run(
                isolated,
                done,
                cancel=cancel,
                started=tracker.started,
                local_work=step,
                paging=tracker.paging,
            )
        finally:
            pool.close()
    else:
        while step():
            pass
    for job in plan.jobs:
        if job.index not in finished:
            record = plan.records[job.index]
            record.ok, record.error = False, CANCELLED
    return digests


def ingest_paths(
    paths: Sequence[str | os.PathLike[str]],
    *,
    progress: Callable[[IngestProgress], None] | None = None,
    cancel: CancelToken | None = None,
    limits: IngestLimits | None = None,
    workers: int | None = None,
    ocr: OcrOptions | None = None,
) -> list[IngestRecord]:
    """Read files and folders into records, one per file found, in a stable order.

    Never raises for a bad file: each gets one sentence in `error` or `warnings`. Records of
    readable files carry `.document`. Identical files are loaded once; the later copies get a
    note. Plain text is decoded in this thread; other formats in reader processes, `workers`
    at a time (`None`: one per core). `workers=0` reads everything in this thread, without the
    crash isolation of the reader processes (for tests and debugging). `ocr` says whether and
    how pictures of pages (scanned PDF pages, image files) are read by text recognition
    (default: on, without a cache).
    """
    limits = limits or IngestLimits()
    ocr = ocr or OcrOptions()

    def counting(count: int, path: str) -> None:
        if progress is not None:
            progress(IngestProgress(0, count, 0, 0, path))

    plan = plan_ingest(walk_paths(paths, limits, cancel, counting), limits)
    tracker = _Tracker(plan, progress)
    tracker.report()
    digests = _read_all(plan, limits, workers, cancel, tracker, ocr)
    mark_duplicates(plan, digests)
    return plan.records


def _unique_names(documents: list[Document]) -> list[Document]:
    seen: dict[str, int] = {}
    out = []
    for doc in documents:
        count = seen.get(doc.name, 0) + 1
        seen[doc.name] = count
        if count > 1:
            stem, dot, ext = doc.name.rpartition(".")
            name = f"{stem} ({count}).{ext}" if dot and stem else f"{doc.name} ({count})"
            doc = dataclasses.replace(doc, name=name)
        out.append(doc)
    return out


def context_from_records(records: Sequence[IngestRecord]) -> Context:
    """The `Context` of every readable record, in record order, names made unique."""
    documents = [r.document for r in records if r.ok and r.document is not None]
    return Context(_unique_names(documents))
