"""The methods the suite compares on the same tasks and model:

- "rlm": the full engine (REPL, helpers, sub-calls);
- "rlm_nosub": the engine with llm_query/rlm_query turned off;
- "direct": one plain prompt with the documents truncated to the model's window — what a user
  would otherwise get.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from rlm_desktop.bench.accuracy.tasks import Task
from rlm_desktop.documents.model import Context
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.engine import RlmEngine
from rlm_desktop.engine.events import Event, IterationFinished, RunStarted
from rlm_desktop.engine.protocol import is_python, parse_turn
from rlm_desktop.engine.status import Status
from rlm_desktop.llm.base import Backend, GenerationRequest

METHODS = ("rlm", "rlm_nosub", "direct")
DIRECT_SYSTEM = "Answer the question using only the documents. Reply with the answer only."
DIRECT_MAX_TOKENS = 48


@dataclass
class Protocol:
    """How well the model followed the RLM protocol in one run."""

    turns: int = 0
    parsed: int = 0  # turns with a code block or a FINAL
    blocks: int = 0
    valid_blocks: int = 0  # code blocks that are valid Python
    reached_final: bool = False
    subcalls: int = 0


@dataclass
class Outcome:
    task: Task
    method: str
    answer: str
    score: float
    seconds: float
    tokens: int
    status: Status = Status.OK
    protocol: Protocol | None = None
    error: str | None = None
    turn_texts: list[str] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)  # Citation.to_json()
    answer_verified: bool = False


def score(task: Task, answer: str) -> float:
    if task.scoring == "count":
        found = re.search(r"-?\d+", answer.replace(",", ""))
        if not found:
            return 0.0
        return 0.75 ** abs(int(found.group()) - int(task.answer))
    if task.scoring == "ratio":  # relative error, for counts that run to hundreds
        found = re.search(r"-?\d+", answer.replace(",", ""))
        want = max(1, int(task.answer))
        return max(0.0, 1 - abs(int(found.group()) - want) / want) if found else 0.0
    if task.scoring == "choice":  # naming every option is not an answer
        named = [c for c in task.choices if re.search(rf"\b{re.escape(c)}\b", answer.lower())]
        return 1.0 if named == [task.answer] else 0.0
    squash = re.compile(r"[\s*`'\"]+")
    return 1.0 if squash.sub("", task.answer.lower()) in squash.sub("", answer.lower()) else 0.0


def run_rlm(task: Task, backend: Backend, config: EngineConfig, subcalls: bool) -> Outcome:
    protocol = Protocol()
    texts: list[str] = []

    root: list[str] = []

    def on_event(event: Event) -> None:
        if isinstance(event, RunStarted):
            root.append(event.node_id)
        elif isinstance(event, IterationFinished) and not event.note.startswith("Budget:"):
            if event.parent_id != root[0]:
                return  # only the root RLM's turns count for the protocol figures
            turn = parse_turn(event.text)
            protocol.turns += 1
            protocol.parsed += bool(turn.code_blocks or turn.final)
            protocol.blocks += len(turn.code_blocks)
            protocol.valid_blocks += sum(is_python(c) for c in turn.code_blocks)
            texts.append(event.text)

    engine = RlmEngine(backend, replace(config, subcalls=subcalls))
    result = engine.run(task.question, Context(list(task.documents)), on_event)
    protocol.reached_final = result.status is Status.OK
    protocol.subcalls = result.subcalls
    return Outcome(
        task=task,
        method="rlm" if subcalls else "rlm_nosub",
        answer=result.answer,
        score=score(task, result.answer),
        seconds=result.seconds,
        tokens=result.usage.total_tokens,
        status=result.status,
        protocol=protocol,
        error=result.error,
        turn_texts=texts,
        citations=[c.to_json() for c in result.citations],
        answer_verified=result.answer_verified,
    )


def fit_documents(task: Task, backend: Backend) -> str:
    """The documents' text cut to what fits the window beside the question and the reply."""
    text = Context(list(task.documents)).text
    room = backend.info.context_window - DIRECT_MAX_TOKENS - 64
    room -= backend.count_tokens(DIRECT_SYSTEM + task.question) + 32
    if backend.count_tokens(text) <= room:
        return text
    lo, hi = 0, len(text)
    while hi - lo > 256:
        mid = (lo + hi) // 2
        if backend.count_tokens(text[:mid]) <= room:
            lo = mid
        else:
            hi = mid
    return text[:lo]


def run_direct(task: Task, backend: Backend) -> Outcome:
    documents = fit_documents(task, backend)
    request = GenerationRequest(
        messages=[
            {"role": "system", "content": DIRECT_SYSTEM},
            {"role": "user", "content": f"Documents:\n{documents}\n\nQuestion: {task.question}"},
        ],
        max_tokens=DIRECT_MAX_TOKENS,
        session="direct",
    )
    started = time.monotonic()
    completion = backend.complete(request)
    backend.end_session("direct")
    answer = completion.text.strip()
    return Outcome(
        task=task,
        method="direct",
        answer=answer,
        score=score(task, answer),
        seconds=time.monotonic() - started,
        tokens=completion.usage.total_tokens,
    )


def run_method(method: str, task: Task, backend: Backend, config: EngineConfig) -> Outcome:
    if method == "direct":
        return run_direct(task, backend)
    return run_rlm(task, backend, config, subcalls=method == "rlm")
