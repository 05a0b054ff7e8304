"""Reader worker processes: parallel reads; a crash, hang or memory blow-up costs one file only.

Workers start with forkserver (spawn where there is none), so, as with any multiprocessing
user, a script that calls `ingest_paths` must guard its top level with
`if __name__ == "__main__":`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.extract import extract
from rlm_desktop.documents.jobs import Job, Outcome
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.ocr import OcrOptions, PageProgress, ScanRun
from rlm_desktop.sizes import human_size

CRASHED = "the reader stopped unexpectedly on this file (it may be damaged)"
NO_READER = "the app could not start a reader process for this file"
FORKSERVER_PRELOAD = ("__main__", "rlm_desktop.documents.pool", "pypdfium2", "lxml.html")
STARTED = "started"
STARTUP_SECONDS = 60.0
"""A reader that has not even begun its file after this long is stopped."""
POLL_SECONDS = 0.05
MEMORY_CHECK_SECONDS = 0.25

Done = Callable[[Job, Outcome], None]
Started = Callable[[Job], None]
Paging = Callable[[Job, PageProgress], None]


def machine_workers() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _context() -> Any:
    """forkserver where there is one (safe in a multi-threaded GUI), else spawn.

    A frozen build (PyInstaller) can only spawn, and its entry point must call
    `multiprocessing.freeze_support()`.
    """
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods or getattr(sys, "frozen", False):
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # The app is the only forkserver user (the sandbox starts its worker with subprocess).
    # Preloading the readers there makes each reader start in milliseconds; the setting only
    # counts before the server's first start and is the same every time.
    context.set_forkserver_preload(list(FORKSERVER_PRELOAD))
    return context


def _send(conn: Connection, message: PageProgress) -> None:
    with contextlib.suppress(BrokenPipeError, OSError):
        conn.send(message)


def worker_main(conn: Connection, limits: IngestLimits, ocr: OcrOptions | None = None) -> None:
    """Body of a reader process: read jobs from the pipe until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the app handles Ctrl-C; it stops us itself
    with contextlib.suppress(OSError, AttributeError):
        os.setpgid(0, 0)  # its OCR programs are stopped with it (`_kill`)
    scan = ScanRun(ocr or OcrOptions(), progress=lambda p: _send(conn, p))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(STARTED)  # the clock for this file starts now, not at our start-up
        except (BrokenPipeError, OSError):
            return
        outcome = extract(job, limits, scan=scan)
        try:
            conn.send(outcome)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: Job | None = None
    since: float = 0.0
    reading: bool = False


def _kill(process: Any) -> None:
    """Stop a reader and the OCR programs it started (its process group)."""
    with contextlib.suppress(OSError, AttributeError):
        if process.pid and os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
    process.kill()


class ReaderPool:
    """Up to `size` reader processes, started on demand, stopped by `close`."""

    def __init__(self, size: int, limits: IngestLimits, ocr: OcrOptions | None = None) -> None:
        self.size = max(1, size)
        self.limits = limits
        self.ocr = ocr or OcrOptions()
        self._context = _context()
        self._workers: list[_Worker] = []

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main, args=(child, self.limits, self.ocr), daemon=True, name="rlm-reader"
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._workers.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Stop one worker for good (after a crash, a hang or too much memory)."""
        if worker.process.is_alive():
            _kill(worker.process)
        worker.process.join(timeout=2)
        worker.conn.close()
        self._workers.remove(worker)

    def close(self) -> None:
        """Stop every worker: idle ones politely, busy ones at once."""
        for worker in list(self._workers):
            if worker.job is None:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            else:
                _kill(worker.process)
        deadline = time.monotonic() + 2
        for worker in list(self._workers):
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                _kill(worker.process)
                worker.process.join(timeout=1)
            worker.conn.close()
        self._workers.clear()

    def _reader(self) -> _Worker | None:
        """An idle reader, or a new one; None when no process can be started."""
        for worker in self._workers:
            if worker.job is None:
                return worker
        try:
            return self._spawn()
        except (OSError, RuntimeError, ValueError):
            return None

    def _dispatch(self, pending: deque[Job], started: Started | None, done: Done) -> None:
        busy = sum(1 for w in self._workers if w.job is not None)
        while pending and busy < self.size:
            job = pending.popleft()
            worker = self._reader()
            try:
                if worker is None:
                    raise OSError("no reader")
                worker.conn.send(job)
            except OSError:
                if worker is not None:
                    self._retire(worker)
                done(job, Outcome(job.index, job.kind, error=NO_READER))
                continue
            worker.job, worker.since, worker.reading = job, time.monotonic(), False
            busy += 1
            if started is not None:
                started(job)

    def _collect(self, ready: list[Any], done: Done, paging: Paging | None = None) -> None:
        for worker in [w for w in self._workers if w.conn in ready and w.job is not None]:
            job = worker.job
            assert job is not None
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                self._retire(worker)
                done(job, Outcome(job.index, job.kind, error=CRASHED))
                continue
            if message == STARTED:
                worker.since, worker.reading = time.monotonic(), True
                continue
            if isinstance(message, PageProgress):
                worker.since = time.monotonic()  # a long scan: the time limit is per page
                if paging is not None:
                    paging(job, message)
                continue
            worker.job, worker.reading = None, False
            done(job, message)

    def _police(self, done: Done, check_memory: bool) -> None:
        """Stop readers that take too long or use too much memory."""
        now = time.monotonic()
        for worker in [w for w in self._workers if w.job is not None]:
            job = worker.job
            assert job is not None
            error = None
            if not worker.reading and now - worker.since > STARTUP_SECONDS:
                error = CRASHED
            elif worker.reading and now - worker.since > self.limits.max_seconds_per_file:
                error = (
                    f"reading took longer than {self.limits.max_seconds_per_file:g} seconds, "
                    "so it was stopped"
                )
            elif check_memory and _rss(worker.process.pid) > self.limits.max_worker_memory_bytes:
                error = (
                    "reading needed more than "
                    f"{human_size(self.limits.max_worker_memory_bytes)} of memory, "
                    "so it was stopped"
                )
            if error:
                self._retire(worker)
                done(job, Outcome(job.index, job.kind, error=error))

    def run(
        self,
        jobs: Sequence[Job],
        done: Done,
        *,
        cancel: CancelToken | None = None,
        started: Started | None = None,
        local_work: Callable[[], bool] | None = None,
        paging: Paging | None = None,
    ) -> None:
        """Read every job; `done` gets each outcome as it arrives (in this thread).

        `local_work`, when given, is called while the workers are busy to do one piece of
        in-process work; it returns False once it has nothing left. Returns early on cancel
        (the busy workers are killed; the jobs not reported are the cancelled ones).
        `paging` hears a reader's progress through the scanned pages of its file.
        """
        pending = deque(jobs)
        more_local = local_work is not None
        last_memory_check = 0.0
        while pending or any(w.job is not None for w in self._workers) or more_local:
            if cancel is not None and cancel.cancelled:
                self.close()
                return
            self._dispatch(pending, started, done)
            conns = [w.conn for w in self._workers if w.job is not None]
            ready = wait(conns, timeout=0 if more_local else POLL_SECONDS) if conns else []
            if ready:
                self._collect(list(ready), done, paging)
            elif more_local and local_work is not None:
                more_local = local_work()
            now = time.monotonic()
            check_memory = now - last_memory_check > MEMORY_CHECK_SECONDS
            if check_memory:
                last_memory_check = now
            self._police(done, check_memory)


def _rss(pid: int) -> int:
    try:
        import psutil

        return int(psutil.Process(pid).memory_info().rss)
    except Exception:
        return 0
