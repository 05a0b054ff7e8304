"""Background work for the window: lanes (a QThread with a worker QObject moved to it) that
run jobs one after another, with results sent back through queued signals.

A job is a plain function `job(report) -> result`, run on the lane's thread. It never touches
a widget: `report(value)` emits the task's `progress` signal, its return value arrives through
`done`, and an exception through `failed` (logged with its traceback). The signals belong to
the `Task`, which lives in the GUI thread, so every slot runs there. A named lane lives as long
as the manager (the engine lane owns the model); an unnamed one serves a single job.
No thread is ever killed from outside: jobs stop through their `CancelToken`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from rlm_desktop.cancel import CancelToken

log = logging.getLogger(__name__)
Job = Callable[[Callable[[Any], None]], Any]
Slot_ = Callable[[Any], object]


class Task(QObject):
    """One job's handle in the GUI thread."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()  # after done or failed

    def __init__(self, job: Job, name: str, cancel: CancelToken | None = None) -> None:
        super().__init__()
        self.job = job
        self.name = name
        self.cancel = cancel or CancelToken()
        self.running = True


class _Runner(QObject):
    """Lives on the lane's thread; runs each task it is sent."""

    @Slot(object)
    def run(self, task: Task) -> None:
        try:
            result = task.job(task.progress.emit)
        except BaseException as exc:
            log.exception("background job %r failed", task.name)
            task.failed.emit(exc)
        else:
            task.done.emit(result)
        task.finished.emit()


class Lane(QObject):
    _send = Signal(object)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.thread = QThread()
        self.thread.setObjectName(f"rlm-{name}")
        self._runner = _Runner()
        self._runner.moveToThread(self.thread)
        self._send.connect(self._runner.run)
        self.thread.finished.connect(self._runner.deleteLater)
        self.thread.start()

    def submit(self, task: Task) -> None:
        self._send.emit(task)

    def stop(self, wait_ms: int) -> bool:
        self.thread.quit()
        return self.thread.wait(wait_ms)


class TaskManager(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lanes: dict[str, Lane] = {}
        self._tasks: set[Task] = set()
        self._spare: set[Lane] = set()

    def submit(
        self,
        job: Job,
        name: str,
        lane: str | None = None,
        cancel: CancelToken | None = None,
        on_done: Slot_ | None = None,
        on_failed: Slot_ | None = None,
        on_progress: Slot_ | None = None,
    ) -> Task:
        """Queue `job` on the named lane (started on first use), or on a lane of its own.

        The callbacks are connected before the job is queued, so none of its signals is lost.
        """
        task = Task(job, name, cancel)
        for signal, slot in (
            (task.done, on_done),
            (task.failed, on_failed),
            (task.progress, on_progress),
        ):
            if slot is not None:
                signal.connect(slot)
        self._tasks.add(task)
        task.finished.connect(lambda: self._finished(task))
        if lane is None:
            own = Lane(name)
            self._spare.add(own)
            task.finished.connect(lambda: self._retire(own))
            own.submit(task)
        else:
            if lane not in self._lanes:
                self._lanes[lane] = Lane(lane)
            self._lanes[lane].submit(task)
        return task

    @property
    def busy(self) -> list[Task]:
        return [t for t in self._tasks if t.running]

    def _finished(self, task: Task) -> None:
        task.running = False
        self._tasks.discard(task)

    def _retire(self, lane: Lane) -> None:
        lane.stop(2000)
        self._spare.discard(lane)

    def shutdown(self, wait_ms: int = 5000) -> bool:
        """Cancel every job and stop every thread; False if one did not stop in time."""
        for task in list(self._tasks):
            task.cancel.cancel()
        stopped = True
        for lane in [*self._lanes.values(), *self._spare]:
            stopped = lane.stop(wait_ms) and stopped
        self._lanes.clear()
        self._spare.clear()
        return stopped
