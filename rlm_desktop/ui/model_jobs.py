"""A background job for the model manager: a worker QObject moved to its own QThread.

`BackgroundJob(fn)` runs `fn(report, cancel)` off the GUI thread; `report(value)` and the
result or exception come back through signals, delivered queued into the GUI thread.
Stopping is cooperative (the CancelToken); a thread is never killed from outside.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from rlm_desktop.cancel import CancelToken

log = logging.getLogger(__name__)
JobFn = Callable[[Callable[[Any], None], CancelToken], Any]


class _Worker(QObject):
    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: JobFn, cancel: CancelToken) -> None:
        super().__init__()
        self._fn = fn
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self.progress.emit, self._cancel)
        except BaseException as exc:  # reported to the GUI, never lost
            log.debug("model job failed", exc_info=True)
            self.failed.emit(exc)
        else:
            self.done.emit(result)


class BackgroundJob(QObject):
    """One job on one thread. Connect to `progress`, `done`, `failed` (all in the GUI thread),
    then call `start()`. `finished` fires after `done` or `failed`, once the thread has ended."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, fn: JobFn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel_token = CancelToken()
        self._thread = QThread()
        self._thread.setObjectName("rlm-model-job")
        self._worker = _Worker(fn, self.cancel_token)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._thread.finished.connect(self._worker.deleteLater)  # Qt's documented pattern
        self._thread.finished.connect(self._on_thread_finished)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def stop(self, wait_ms: int = 10_000) -> bool:
        """Cancel and wait for the thread to end; False if it did not end in time."""
        self.cancel_token.cancel()
        self._thread.quit()
        return self._thread.wait(wait_ms)

    @Slot(object)
    def _on_done(self, result: object) -> None:
        self._thread.quit()
        self.done.emit(result)

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self._thread.quit()
        self.failed.emit(exc)

    @Slot()
    def _on_thread_finished(self) -> None:
        # `QThread.finished` is emitted just before the thread really ends: wait for the end,
        # so nobody can drop the last reference to a still-running QThread (that aborts).
        self._thread.wait()
        self.finished.emit()
