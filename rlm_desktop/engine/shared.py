"""State shared by the root RLM and all its children: backend, budgets, totals, node ids.

Everything here is touched only from the engine thread, except `cancel`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rlm_desktop.cancel import CancelToken
from rlm_desktop.engine.config import EngineConfig, Variant
from rlm_desktop.engine.constrained import AnswerCache
from rlm_desktop.engine.events import Event
from rlm_desktop.engine.status import Status
from rlm_desktop.llm.base import Backend, Usage


@dataclass
class RunOutcome:
    """How one RLM (the root or a child) ended."""

    answer: str
    status: Status  # OK | BUDGET
    iterations: int
    note: str = ""  # why there is no answer (e.g. prompts.NO_ANSWER_NOTE)


@dataclass
class RunShared:
    backend: Backend
    config: EngineConfig
    emit: Callable[[Event], None]
    cancel: CancelToken
    variant: Variant
    grammar: bool
    started: float = field(default_factory=time.monotonic)
    usage: Usage = field(default_factory=Usage)
    subcalls: int = 0
    iterations: int = 0  # over all RLMs in the tree
    sandbox_layers: list[str] = field(default_factory=list)
    answers: AnswerCache = field(default_factory=AnswerCache)  # constrained per-item answers
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> str:
        return f"n{next(self._ids)}"

    @property
    def context_window(self) -> int:
        return self.backend.info.context_window

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def exhausted(self) -> str | None:
        """The name of the shared budget that has run out, if any."""
        cfg = self.config
        if cfg.max_seconds is not None and self.elapsed >= cfg.max_seconds:
            return f"the time limit ({cfg.max_seconds:g} s)"
        if cfg.max_total_tokens is not None and self.usage.total_tokens >= cfg.max_total_tokens:
            return f"the token limit ({cfg.max_total_tokens:,} tokens)"
        return None
