"""`TaskState`: what a background job is handed (Qt-free). The job's only way to talk to the
window: cooperative cancel, progress and partial results.

A job is a plain function `job(state) -> result` run off the GUI thread. It never touches a
widget: it checks `state.cancelled` (or `state.check()`) at safe points, calls
`state.report(progress)` (delivered to the window on the GUI thread) and
`state.partial(value)` (a partial result: the run's engine events, handed to a thread-safe sink
the window drains on its own clock). Its return value or exception is the task's result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlm_desktop.cancel import CancelToken

Sink = Callable[[Any], None]


def _drop(value: Any) -> None:
    return None


class TaskState:
    def __init__(
        self,
        cancel: CancelToken | None = None,
        progress: Sink | None = None,
        partial: Sink | None = None,
    ) -> None:
        self.cancel = cancel or CancelToken()
        self._progress = progress or _drop
        self._partial = partial or _drop

    @property
    def cancelled(self) -> bool:
        return self.cancel.cancelled

    def check(self) -> None:
        """Raise `Cancelled` if the user asked the job to stop."""
        self.cancel.raise_if_cancelled()

    def report(self, progress: Any) -> None:
        """Progress (any value the job's owner understands), shown on the GUI thread."""
        self._progress(progress)

    def partial(self, value: Any) -> None:
        """A partial result, e.g. one engine event of a run."""
        self._partial(value)
