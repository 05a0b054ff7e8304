"""One run at a time, from the window's side: start, stop, and the ~30 ms batching timer.

The engine thread pushes events into an `EventBuffer`; every tick the controller takes what
arrived to the tree model (`apply`, within a time budget, so a backlog can never freeze the
window) and emits the set of changed nodes. New rows are inserted at most every ROWS_S: an
insert lays out and repaints the whole tree, and a fast run adds rows on every tick (measured by
`bench ui`). The progress and statistics lines change at most every LINES_S: each change lays
out and repaints the ask panel and the running question's card (word-wrapped labels), and a
fast run changed them on every tick. The run's outcome comes from its terminal
event alone: the root's `RunFinished` (after a root `RunFailed` when it failed), reported once
it has been applied.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from rlm_desktop.documents.model import Context
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.events import Event, RunFailed, RunFinished
from rlm_desktop.store.chat import Asked
from rlm_desktop.ui.engine_host import EngineHost
from rlm_desktop.ui.event_buffer import EventBuffer
from rlm_desktop.ui.run_stats import RunStats
from rlm_desktop.ui.tasks import Task
from rlm_desktop.ui.tree_model import RunTreeModel

TICK_MS = 30
APPLY_BUDGET_S = 0.005  # at most this long applying events per tick
CLOCK_S = 0.25  # how often running steps' times are refreshed
ROWS_S = 0.15  # how often new steps become rows of the tree (each insert repaints it all)
LINES_S = 0.25  # how often the progress and statistics lines change (a fast run: every tick)


@dataclass
class RunOutcome:
    status: str  # "ok" | "budget" | "error" | "cancelled"
    answer: str
    error: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)  # Citation.to_json()
    answer_verified: bool = False  # a verified source supports the answer
    answer_note: str | None = None  # "Not found in your documents: check this answer."


class RunController(QObject):
    started = Signal()
    progress = Signal(str)  # a plain-language line
    stats_changed = Signal(str)
    nodes_added = Signal(list)  # ids of new rows, in order
    nodes_changed = Signal(set)  # ids of nodes whose content changed
    finished = Signal(object)  # RunOutcome

    def __init__(self, host: EngineHost, model: RunTreeModel, parent: QObject | None = None):
        super().__init__(parent)
        self.host = host
        self.model = model
        self.stats = RunStats()
        self._task: Task | None = None
        self._buffer = EventBuffer()
        self._backlog: deque[Event] = deque()
        self._error: str | None = None  # from the root's RunFailed
        self._outcome: RunOutcome | None = None
        self._started = self._ticked = self._rows_at = self._said_at = 0.0
        self._line = ""  # the latest progress line, not yet shown
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._drain)

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(
        self,
        question: str,
        context: Context,
        config: EngineConfig,
        history: bool = True,
        on_asked: Callable[[Asked], object] | None = None,
    ) -> None:
        """Ask `question` in the conversation (recorded when `history` is on; `on_asked`
        gets the conversation and run ids, after the run's end)."""
        if self.running:
            return
        self.model.reset([d.name for d in context.documents])
        self.stats = RunStats()
        self._buffer = EventBuffer()
        self._backlog.clear()
        self._error = self._outcome = None
        self._started = self._said_at = time.monotonic()
        self._line = ""
        self._task = self.host.run(question, context, config, self._buffer, history, on_asked)
        self._timer.start()
        self.started.emit()
        self.progress.emit("Starting…")
        self.stats_changed.emit(self.stats.line())

    def stop(self) -> None:
        if self._task is not None and not self._task.cancelled:
            self._task.cancel()
            self._line = ""  # a step line from before the Stop would hide "Stopping…"
            self._said_at = time.monotonic()
            self.progress.emit("Stopping…")

    def _ends(self, event: Event) -> None:
        """Note the run's outcome when `event` is one of the root's terminal events."""
        if event.parent_id is not None:
            return
        if isinstance(event, RunFailed):
            self._error = event.error
        elif isinstance(event, RunFinished):
            error = self._error if event.status == "error" else None
            self._outcome = RunOutcome(
                event.status,
                event.answer,
                error,
                list(event.citations),
                event.answer_verified,
                event.answer_note,
            )

    def _drain(self) -> None:
        batch = self._buffer.take()
        self._backlog.extend(batch.events)
        self.stats.streamed += batch.pieces
        now = time.monotonic()
        rows = now - self._rows_at >= ROWS_S or self._outcome is not None
        applied = self.model.apply(self._backlog, APPLY_BUDGET_S, rows)
        if rows:
            self._rows_at = now
        for event, node in applied.steps:
            self.stats.update(event, node)
            self._ends(event)
        if not rows and self._outcome is not None:  # the end: every step becomes a row now
            applied.added = self.model.publish_rows()
        if now - self._ticked >= CLOCK_S:
            self._ticked = now
            self.model.tick()
        if not self.stats.final:
            self.stats.seconds = now - self._started
        if applied.added:
            self.nodes_added.emit(applied.added)
        if applied.changed:
            self.nodes_changed.emit(applied.changed)
        self._line = applied.line or self._line
        if now - self._said_at >= LINES_S or self._outcome is not None:
            self._said_at = now
            if self._line:
                self.progress.emit(self._line)
                self._line = ""
            self.stats_changed.emit(self.stats.line())
        if self._outcome is not None and not self._backlog and not len(self._buffer):
            self._finish(self._outcome)

    def _finish(self, outcome: RunOutcome) -> None:
        self._timer.stop()
        self._task = None
        if outcome.status == "error" and self.model.root_id is None:
            self.progress.emit(f"The run could not start: {outcome.error}")
        self.finished.emit(outcome)
