"""`Status`: the one set of words for how a run, a tree node or a sub-call stands.

The values are the strings the JSON output, traces and the history have always carried:
- a run's result (`RunResult.status`, `RunFinished`, `FinalAnswer`): OK, BUDGET, ERROR, CANCELLED;
- a tree node (`TreeNode.status`): RUNNING, then DONE, BUDGET, ERROR or CANCELLED;
- a sub-call (`SubcallFinished.status`): DONE, BUDGET (a child RLM out of budget) or ERROR;
- INTERRUPTED: a run, or node, the app stopped before it finished (the history marks it).
A run that ended "ok" shows as a DONE node; `Status.node_for` is that one translation.
"""

from __future__ import annotations

import sys
from enum import Enum

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, Enum):
        """`enum.StrEnum` before Python 3.11: members are their values as strings."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return str(self.value).__format__(spec)


class Status(StrEnum):
    RUNNING = "running"
    OK = "ok"
    DONE = "done"
    BUDGET = "budget"
    ERROR = "error"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def ended(self) -> bool:
        return self is not Status.RUNNING

    def node_for(self) -> Status:
        """The word a tree node uses for this run or sub-call status ("ok" → "done")."""
        return Status.DONE if self is Status.OK else self
