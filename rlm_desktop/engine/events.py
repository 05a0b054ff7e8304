"""Typed engine events. Each carries `node_id` and `parent_id`, so the tree can be rebuilt.

Node kinds: "run" (the root), "iteration" (one model turn), "cell" (one code block run),
"subcall" (an `llm_query` leaf call or an `rlm_query` child RLM, whose iterations hang below it).
Statuses are `Status` members (plain strings in JSON; `event_from_json` turns them back).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from rlm_desktop.engine.status import Status


def _now() -> float:
    return time.time()


@dataclass
class Event:
    node_id: str
    parent_id: str | None
    t: float = field(default_factory=_now, kw_only=True)

    @property
    def type(self) -> str:
        return type(self).__name__

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = self.type
        return data


@dataclass
class RunStarted(Event):
    question: str
    depth: int = 0
    documents: int = 0
    context_chars: int = 0
    backend: str = ""
    model: str = ""


@dataclass
class IterationStarted(Event):
    index: int  # 0-based turn number within its run
    depth: int = 0


@dataclass
class TokenStreamed(Event):
    text: str


@dataclass
class IterationFinished(Event):
    text: str  # the model's whole turn
    prompt_tokens: int = 0
    prompt_evaluated: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    note: str = ""  # e.g. the corrective message the engine sent back


@dataclass
class CellStarted(Event):
    code: str
    index: int = 0  # block number within the turn


@dataclass
class CellFinished(Event):
    output: str
    error: str | None = None  # one-line error summary when the cell raised or the worker died
    seconds: float = 0.0
    final: str | None = None  # set when the cell called FINAL()/FINAL_VAR()
    # the document spans its output showed (`verify.provenance.SourceSpan.to_json()`), filled
    # in on the host; never sent to the model
    sources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SubcallStarted(Event):
    kind: str  # "llm_query" | "rlm_query"
    prompt: str
    depth: int = 1
    batch_index: int = 0  # position within one llm_query_batched call (0-based)
    batch_size: int = 1
    label: str = ""  # what the helper question is about, e.g. a document's name
    sources: list[dict[str, Any]] = field(default_factory=list)  # document spans in the prompt


@dataclass
class SubcallFinished(Event):
    result: str
    error: str | None = None
    status: Status = Status.DONE  # DONE | BUDGET (a child RLM out of budget) | ERROR
    note: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        self.status = Status(self.status)


@dataclass
class FinalAnswer(Event):
    answer: str
    status: Status = Status.OK  # OK | BUDGET

    def __post_init__(self) -> None:
        self.status = Status(self.status)


@dataclass
class RunFailed(Event):
    error: str


@dataclass
class RunCancelled(Event):
    reason: str = "Stopped by the user."


@dataclass
class RunFinished(Event):
    """Last event of the root run, whatever happened: carries the totals."""

    status: Status  # OK | BUDGET | ERROR | CANCELLED
    answer: str
    iterations: int = 0
    subcalls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    # per-item helpers: items answered by an identical item, and from the run's cache
    repeats_skipped: int = 0
    cached_answers: int = 0
    # the answer's sources (`verify.citations.Citation.to_json()`), whether a verified one
    # supports it, and the warning for an answer found in no document
    citations: list[dict[str, Any]] = field(default_factory=list)
    answer_verified: bool = False
    answer_note: str | None = None

    def __post_init__(self) -> None:
        self.status = Status(self.status)


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        RunStarted,
        IterationStarted,
        TokenStreamed,
        IterationFinished,
        CellStarted,
        CellFinished,
        SubcallStarted,
        SubcallFinished,
        FinalAnswer,
        RunFailed,
        RunCancelled,
        RunFinished,
    )
}


def event_from_json(data: dict[str, Any]) -> Event:
    payload = dict(data)
    cls = EVENT_TYPES[payload.pop("type")]
    return cls(**payload)
