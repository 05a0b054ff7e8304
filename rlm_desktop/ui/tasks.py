"""Background work for the window, one mechanism for everything: runs and model loads (on the
one "engine" lane, so one thread owns the model), document reading, downloads, imports and the
hardware check (each on a thread of its own).

`TaskManager.submit(job, name, ...)` runs `job(state: TaskState)` on a worker thread. Its
progress, result (`on_done`), exception (`on_failed`, logged) and end (`on_finished`, after
either) are delivered on the GUI thread through `run_on_main`, a queued signal, so every
callback may touch widgets and no job ever does. Partial results go to the `partial` sink on
the job's thread (thread-safe, drained by the window on its timer) or, without one, to
`on_partial` on the GUI thread. Stopping is cooperative (the state's CancelToken); threads are
never killed. `shutdown` is the one way everything stops: it cancels every job and waits.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from rlm_desktop.cancel import Cancelled, CancelToken
from rlm_desktop.ui.task_state import Sink, TaskState

log = logging.getLogger(__name__)
Job = Callable[[TaskState], Any]
Callback = Callable[[Any], object]


def _ignore(value: Any) -> None:
    return None


class Task:
    """One job's handle (GUI thread): its name, its state, and whether its job still runs."""

    def __init__(
        self, job: Job, name: str, state: TaskState, done: Sink = _ignore, failed: Sink = _ignore
    ) -> None:
        self.job = job
        self.name = name
        self.state = state
        self.deliver_done = done  # post the result to the GUI thread
        self.deliver_failed = failed
        self.on_finished: Callable[[], object] | None = None
        self.running = True  # cleared on the worker thread when the job has returned

    def cancel(self) -> None:
        self.state.cancel.cancel()

    @property
    def cancelled(self) -> bool:
        return self.state.cancelled


class _Relay(QObject):
    """Lives in the GUI thread; calls what is posted to it there (queued from other threads)."""

    posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.posted.connect(self._call)

    @Slot(object)
    def _call(self, fn: Callable[[], object]) -> None:
        fn()


class _Lane:
    """A worker thread running queued tasks one after another."""

    def __init__(self, name: str, run: Callable[[Task], None]) -> None:
        self._queue: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._run = run
        self.thread = threading.Thread(target=self._loop, name=f"rlm-{name}", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while (task := self._queue.get()) is not None:
            self._run(task)

    def submit(self, task: Task) -> None:
        self._queue.put(task)

    def close(self) -> None:
        self._queue.put(None)


class TaskManager(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay = _Relay(self)
        self._lanes: dict[str, _Lane] = {}
        self._threads: list[threading.Thread] = []
        self._tasks: set[Task] = set()
        self._lock = threading.Lock()
        self._closed = False

    def run_on_main(self, fn: Callable[[], object]) -> None:
        """Call `fn` on the GUI thread (from any thread); dropped once shut down."""
        if self._closed:
            return
        try:
            self._relay.posted.emit(fn)
        except RuntimeError:  # the window is already gone
            log.debug("a result arrived after the window closed")

    def submit(
        self,
        job: Job,
        name: str,
        *,
        lane: str | None = None,
        cancel: CancelToken | None = None,
        partial: Sink | None = None,
        on_done: Callback | None = None,
        on_failed: Callback | None = None,
        on_progress: Callback | None = None,
        on_partial: Callback | None = None,
        on_finished: Callable[[], object] | None = None,
    ) -> Task:
        """Queue `job` on the named lane (started on first use), or on a thread of its own."""
        post = self.run_on_main

        def deliver(callback: Callback | None) -> Sink:
            if callback is None:
                return _ignore
            return lambda value: post(lambda: callback(value))

        state = TaskState(cancel, deliver(on_progress), partial or deliver(on_partial))
        task = Task(job, name, state, deliver(on_done), deliver(on_failed))
        task.on_finished = on_finished
        self._tasks.add(task)
        if lane is None:
            thread = threading.Thread(
                target=self._execute, args=(task,), name=f"rlm-{name}", daemon=True
            )
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()
        else:
            if lane not in self._lanes:
                self._lanes[lane] = _Lane(lane, self._execute)
            self._lanes[lane].submit(task)
        return task

    def _execute(self, task: Task) -> None:
        """Run one task on the current (worker) thread and post its outcome."""
        if self._closed:  # shut down before it started: never run it
            task.running = False
            return
        try:
            result = task.job(task.state)
        except BaseException as exc:  # reported to the owner, never lost
            task.running = False
            if isinstance(exc, Cancelled):
                log.debug("background job %r stopped", task.name)
            else:
                log.exception("background job %r failed", task.name)
            task.deliver_failed(exc)
        else:
            task.running = False
            task.deliver_done(result)
        self.run_on_main(lambda: self._finished(task))

    def _finished(self, task: Task) -> None:
        self._tasks.discard(task)
        if task.on_finished is not None:
            task.on_finished()

    @property
    def busy(self) -> list[Task]:
        return [t for t in self._tasks if t.running]

    def shutdown(self, wait_ms: int = 5000) -> bool:
        """Cancel every job, stop every thread and wait for them (together at most `wait_ms`);
        False if one did not stop in time. Results that arrive later are dropped."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for lane in self._lanes.values():
            lane.close()
        with self._lock:
            threads = [lane.thread for lane in self._lanes.values()] + self._threads
        self._lanes.clear()
        deadline = time.monotonic() + wait_ms / 1000
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)
