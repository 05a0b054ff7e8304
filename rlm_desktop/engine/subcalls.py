"""Serving the sandbox's sub-call requests: `llm_query` leaf calls and `rlm_query` child RLMs.

Runs on the engine thread while the worker waits. Each sub-call is a node in the tree under
the cell that made it; a child RLM's iterations hang below its sub-call node. Once the run's
time or token budget is spent, further sub-calls are refused (the cell sees a RuntimeError) and
the RLM that made them asks for its best answer at its next turn. Requests arrive typed
(`sandbox.messages`); the child RLM is started by the `ChildSpawner` the loop hands in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine.constrained import AnswerPlan, grammar_for
from rlm_desktop.engine.events import SubcallFinished, SubcallStarted, TokenStreamed
from rlm_desktop.engine.shared import RunOutcome, RunShared
from rlm_desktop.llm.base import BackendError, Completion, GenerationRequest, Usage
from rlm_desktop.sandbox.host import SandboxError
from rlm_desktop.sandbox.messages import (
    LlmAnswers,
    LlmQuery,
    RlmAnswer,
    RlmQuery,
    SubcallFailed,
    SubcallReply,
    SubcallRequest,
)

LEAF_SESSION = "leaf"
PROMPT_MARGIN_TOKENS = 64
MAX_CHARS_PER_TOKEN = 16  # more than any real token spans: a cut that can only drop excess
MIN_PROMPT_CHARS = 200
FIT_ROUNDS = 6
CUT_NOTICE = "\n[... prompt cut to fit the model's window ...]"
CONSTRAINED_MAX_TOKENS = 32  # a label, a number, yes/no or a short span
SHOWN_HEAD, SHOWN_TAIL = 4000, 1000  # what the run tree (and the trace) keeps of a prompt


def leaf_tokens(max_tokens: int, grammar: str | None) -> int:
    """The reply tokens a leaf call may write: fewer under a per-item helper's grammar."""
    return max_tokens if grammar is None else min(max_tokens, CONSTRAINED_MAX_TOKENS)


def shown_prompt(prompt: str) -> str:
    """A prompt as the tree keeps it: its head, its tail and its size. Thirteen 100 MB prompts
    once grew the app by 1.3 GB, because the tree kept each one whole."""
    if len(prompt) <= SHOWN_HEAD + SHOWN_TAIL + 200:
        return prompt
    hidden = len(prompt) - SHOWN_HEAD - SHOWN_TAIL
    return (
        f"{prompt[:SHOWN_HEAD]}\n[... {hidden:,} characters not kept here; the prompt has "
        f"{len(prompt):,} in all ...]\n{prompt[-SHOWN_TAIL:]}"
    )


@dataclass
class CellClock:
    """The sub-call time one cell has used, against its budget."""

    budget: float
    spent: float = 0.0

    def check(self, kind: str, since: float) -> None:
        if self.spent + time.monotonic() - since >= self.budget:
            raise SubcallFailed(
                f"{kind} refused: this cell's sub-calls have used their {self.budget:g} s"
            )


class ChildSpawner(Protocol):
    """Runs a child RLM to its end (the loop's `RlmRun`, handed in to avoid an import cycle)."""

    def __call__(
        self, question: str, context: Context, depth: int, node_id: str, parent_id: str
    ) -> RunOutcome: ...


class SubcallBridge:
    """Serves the sub-calls of one RLM (at `depth`, on `context`) for the cells it runs."""

    def __init__(
        self, shared: RunShared, context: Context, depth: int, spawn: ChildSpawner
    ) -> None:
        self.shared = shared
        self.context = context
        self.depth = depth
        self.spawn = spawn

    def for_cell(
        self, cell: str, seconds: float = math.inf
    ) -> Callable[[SubcallRequest], SubcallReply]:
        """The request handler for one cell (or FINAL_VAR turn): its sub-calls hang below it,
        and together they may take `seconds` (the sandbox refuses requests past it; this stops
        a batch in the middle)."""
        clock = CellClock(seconds)
        return lambda request: self.serve(request, cell, clock)

    def serve(
        self, request: SubcallRequest, cell: str, clock: CellClock | None = None
    ) -> SubcallReply:
        if not self.shared.config.subcalls:
            raise SubcallFailed(f"{request.kind} is not available in this run")
        clock = clock or CellClock(math.inf)
        started = time.monotonic()
        try:
            self._check_budget(request.kind)
            if isinstance(request, LlmQuery):
                if request.constraint is None:
                    return LlmAnswers(self.leaves(request, cell, clock, started))
                plan = AnswerPlan.make(request, self.shared.answers)  # distinct, not yet asked
                raw = self.leaves(plan.ask, cell, clock, started)
                return LlmAnswers(plan.fill(raw, self.shared.answers))
            context = self.context
            if request.documents is not None:
                context = Context([Document(name=d.name, text=d.text) for d in request.documents])
            return RlmAnswer(self.child(request.question, context, cell))
        finally:
            clock.spent += time.monotonic() - started

    def _check_budget(self, kind: object) -> None:
        """A spent run-wide budget (time, tokens) stops sub-calls too: a loop of them in one
        cell would otherwise run on past it. The cell sees a RuntimeError."""
        reason = self.shared.exhausted()
        if reason:
            raise SubcallFailed(f"{kind} refused: the run has reached {reason}")

    def _fit_prompt(self, prompt: str, max_tokens: int) -> str:
        """The prompt, or its head with a notice, within the model's window.

        A huge prompt (a whole context) is first cut to what could possibly fit, so it is never
        tokenized whole (seconds per 10 MB); the cut is then re-counted until it fits."""
        count = self.shared.backend.count_tokens
        room = self.shared.context_window - max_tokens - PROMPT_MARGIN_TOKENS
        text = prompt[: max(1, room) * MAX_CHARS_PER_TOKEN]
        for _ in range(FIT_ROUNDS):
            tokens = count(text)
            if tokens <= room or len(text) <= MIN_PROMPT_CHARS:
                break
            keep = int(len(text) * room / max(1, tokens) * 0.97) - 100
            text = text[: max(MIN_PROMPT_CHARS, keep)]
        return text if len(text) == len(prompt) else text + CUT_NOTICE

    def leaf(
        self,
        prompt: str,
        cell: str,
        kind: str = LlmQuery.kind,
        note: str = "",
        batch: tuple[int, int] = (0, 1),
        label: str = "",
        grammar: str | None = None,
    ) -> str:
        """One plain model call; `grammar` (GBNF) constrains a per-item helper's answer."""
        shared = self.shared
        shared.cancel.raise_if_cancelled()
        node = shared.new_id()
        shared.subcalls += 1
        shared.emit(
            SubcallStarted(
                node,
                cell,
                kind=kind,
                prompt=shown_prompt(prompt),
                depth=self.depth + 1,
                batch_index=batch[0],
                batch_size=batch[1],
                label=label,
            )
        )
        max_tokens = leaf_tokens(shared.config.subcall_max_tokens, grammar)
        request = GenerationRequest(
            messages=[{"role": "user", "content": self._fit_prompt(prompt, max_tokens)}],
            max_tokens=max_tokens,
            temperature=shared.config.temperature,
            grammar=grammar,
            session=LEAF_SESSION,
        )
        try:
            completion = shared.backend.complete(
                request,
                on_token=lambda piece: shared.emit(TokenStreamed(node, cell, text=piece)),
                cancel=shared.cancel,
            )
        except BackendError as exc:
            shared.emit(SubcallFinished(node, cell, result="", error=str(exc)))
            raise
        shared.usage.add(completion.usage)
        shared.cancel.raise_if_cancelled()
        u = completion.usage
        shared.emit(
            SubcallFinished(
                node,
                cell,
                result=completion.text,
                note=note,
                prompt_tokens=u.prompt_tokens,
                completion_tokens=u.completion_tokens,
                seconds=u.seconds,
            )
        )
        return completion.text

    def leaves(
        self, request: LlmQuery, cell: str, clock: CellClock, started: float
    ) -> tuple[str, ...]:
        """The answers to one `llm_query`/`llm_query_batched` request, in order (under its
        constraint's grammar): in groups as large as the backend serves at once, the run's and
        the cell's budgets checked between groups."""
        n = len(request.prompts)
        gbnf = grammar_for(request.constraint) if request.constraint else None
        group = max(1, self.shared.backend.info.parallel)
        answers: list[str] = []
        for start in range(0, n, group):
            self._check_budget(request.kind)
            clock.check(request.kind, started)
            prompts = request.prompts[start : start + group]
            labels = request.labels[start : start + group]
            if len(prompts) == 1:
                batch = (start, n)
                answers.append(
                    self.leaf(prompts[0], cell, batch=batch, label=labels[0], grammar=gbnf)
                )
            else:
                answers += self.leaf_group(prompts, labels, cell, (start, n), gbnf)
        return tuple(answers)

    def leaf_group(
        self,
        prompts: Sequence[str],
        labels: Sequence[str],
        cell: str,
        batch: tuple[int, int],
        grammar: str | None = None,
    ) -> list[str]:
        """Several leaf calls served together (`Backend.complete_batch`): their nodes all
        start at once, and each finishes with its own reply, tokens and time."""
        shared = self.shared
        shared.cancel.raise_if_cancelled()
        nodes: list[str] = []
        for i, (prompt, label) in enumerate(zip(prompts, labels, strict=True)):
            nodes.append(shared.new_id())
            shared.subcalls += 1
            shared.emit(
                SubcallStarted(
                    nodes[-1],
                    cell,
                    kind=LlmQuery.kind,
                    prompt=shown_prompt(prompt),
                    depth=self.depth + 1,
                    batch_index=batch[0] + i,
                    batch_size=batch[1],
                    label=label,
                )
            )
        max_tokens = leaf_tokens(shared.config.subcall_max_tokens, grammar)
        requests = [
            GenerationRequest(
                messages=[{"role": "user", "content": self._fit_prompt(p, max_tokens)}],
                max_tokens=max_tokens,
                temperature=shared.config.temperature,
                grammar=grammar,
                session=LEAF_SESSION,
            )
            for p in prompts
        ]
        finished: set[int] = set()

        def done(i: int, completion: Completion) -> None:
            shared.usage.add(completion.usage)
            if completion.finish_reason == "cancelled":
                return  # as a single call: the run ends cancelled, the node with it
            finished.add(i)
            u = completion.usage
            shared.emit(
                SubcallFinished(
                    nodes[i],
                    cell,
                    result=completion.text,
                    note=completion.note,
                    prompt_tokens=u.prompt_tokens,
                    completion_tokens=u.completion_tokens,
                    seconds=u.seconds,
                )
            )

        try:
            completions = shared.backend.complete_batch(
                requests,
                on_token=lambda i, piece: shared.emit(TokenStreamed(nodes[i], cell, text=piece)),
                cancel=shared.cancel,
                on_done=done,
            )
        except BackendError as exc:
            for i, node in enumerate(nodes):
                if i not in finished:
                    shared.emit(SubcallFinished(node, cell, result="", error=str(exc)))
            raise
        shared.cancel.raise_if_cancelled()
        return [c.text for c in completions]

    def child(self, question: str, context: Context, cell: str) -> str:
        shared = self.shared
        depth = self.depth + 1
        if depth > shared.config.max_depth:
            prompt = f"{question}\n\nText:\n{context.text}"
            note = "depth limit: a plain model call"
            return self.leaf(prompt, cell, kind=RlmQuery.kind, note=note)
        node = shared.new_id()
        shared.subcalls += 1
        shared.emit(
            SubcallStarted(
                node, cell, kind=RlmQuery.kind, prompt=shown_prompt(question), depth=depth
            )
        )
        before = Usage()
        before.add(shared.usage)
        started = time.monotonic()
        try:
            outcome = self.spawn(question, context, depth, node, cell)
        except SandboxError as exc:
            shared.emit(SubcallFinished(node, cell, result="", error=str(exc)))
            raise SubcallFailed(str(exc)) from exc
        except BackendError as exc:
            shared.emit(SubcallFinished(node, cell, result="", error=str(exc)))
            raise
        shared.emit(
            SubcallFinished(
                node,
                cell,
                result=outcome.answer,
                status=outcome.status.node_for(),
                prompt_tokens=shared.usage.prompt_tokens - before.prompt_tokens,
                completion_tokens=shared.usage.completion_tokens - before.completion_tokens,
                seconds=time.monotonic() - started,
            )
        )
        return outcome.answer
