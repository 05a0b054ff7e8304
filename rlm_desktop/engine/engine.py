"""`RlmEngine.run`: question + documents in, `RunResult` out, events streamed as it goes.

The one entry point the CLI, the window and the benchmarks use. It never raises for a run
that started: failures and cancels come back as a result with `status` ERROR/CANCELLED,
keeping everything done so far.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rlm_desktop.cancel import Cancelled, CancelToken
from rlm_desktop.documents.model import Context
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.events import Event, RunCancelled, RunFailed, RunFinished, RunStarted
from rlm_desktop.engine.loop import RlmRun
from rlm_desktop.engine.shared import RunShared
from rlm_desktop.engine.sources import RunSources
from rlm_desktop.engine.status import Status
from rlm_desktop.engine.tree import RunTree
from rlm_desktop.llm.base import Backend, BackendError, BackendInfo, Usage
from rlm_desktop.sandbox.host import Sandbox, SandboxError
from rlm_desktop.verify.citations import AnswerCheck, Citation

log = logging.getLogger(__name__)
EventSink = Callable[[Event], None]


@dataclass
class RunResult:
    answer: str
    status: Status  # OK | ERROR | CANCELLED | BUDGET
    iterations: int  # the root RLM's turns
    total_iterations: int  # turns of every RLM in the tree
    subcalls: int
    usage: Usage
    seconds: float
    tree: RunTree
    backend: BackendInfo
    sandbox_layers: list[str] = field(default_factory=list)
    error: str | None = None
    citations: list[Citation] = field(default_factory=list)
    answer_verified: bool = False  # a verified citation supports the answer
    answer_note: str | None = None  # e.g. "Not found in your documents: check this answer."
    repeats_skipped: int = 0  # per-item helpers: items not asked, an identical one was
    cached_answers: int = 0  # per-item helpers: items answered from the run's cache

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "status": self.status,
            "error": self.error,
            "iterations": self.iterations,
            "total_iterations": self.total_iterations,
            "subcalls": self.subcalls,
            "repeats_skipped": self.repeats_skipped,
            "cached_answers": self.cached_answers,
            "prompt_tokens": self.usage.prompt_tokens,
            "prompt_evaluated": self.usage.prompt_evaluated,
            "completion_tokens": self.usage.completion_tokens,
            "seconds": round(self.seconds, 3),
            "backend": self.backend.to_json(),
            "sandbox_layers": list(self.sandbox_layers),
            "tree": self.tree.to_dict(),
            "citations": [c.to_json() for c in self.citations],
            "answer_verified": self.answer_verified,
            "answer_note": self.answer_note,
        }


@dataclass
class FollowUp:
    """What a question in a conversation carries from the earlier ones (`ConversationSession`).

    `sandbox`: the conversation's REPL, with the variables earlier questions made (None: the
    run starts one); the run leaves it open and puts the REPL it ended with back here.
    `earlier`: the short record of earlier questions the first prompt starts with.
    """

    sandbox: Sandbox | None = None
    earlier: str = ""


class RlmEngine:
    def __init__(self, backend: Backend, config: EngineConfig | None = None) -> None:
        self.backend = backend
        self.config = config or EngineConfig()

    def run(
        self,
        question: str,
        context: Context,
        on_event: EventSink | None = None,
        cancel: CancelToken | None = None,
        follow_up: FollowUp | None = None,
    ) -> RunResult:
        tree = RunTree()
        sources = RunSources(context)

        def emit(event: Event) -> None:
            sources.fill(event)
            tree.apply(event)
            if on_event is not None:
                on_event(event)

        info = self.backend.info
        variant = self.config.variant_for(info.n_params)
        shared = RunShared(
            backend=self.backend,
            config=self.config,
            emit=emit,
            cancel=cancel or CancelToken(),
            variant=variant,
            grammar=self.config.grammar_on(variant),
        )
        root = shared.new_id()
        started = time.monotonic()
        emit(
            RunStarted(
                root,
                None,
                question=question,
                depth=0,
                documents=len(context.documents),
                context_chars=context.total_chars,
                backend=info.name,
                model=info.model,
            )
        )
        answer, status, error, iterations, note = "", Status.OK, None, 0, ""
        try:
            rlm = RlmRun(shared, question, context, depth=0, node_id=root, **_carried(follow_up))
            if follow_up is not None:
                follow_up.sandbox = rlm.sandbox
            outcome = rlm.run()
            answer, status, iterations = outcome.answer, outcome.status, outcome.iterations
            note = outcome.note
        except Cancelled:
            status = Status.CANCELLED
            emit(RunCancelled(root, None))
        except (BackendError, SandboxError) as exc:
            status, error = Status.ERROR, str(exc)
            emit(RunFailed(root, None, error=error))
        except Exception as exc:  # a bug: report it, keep what was done
            log.exception("run failed")
            status, error = Status.ERROR, f"Internal error: {type(exc).__name__}: {exc}"
            emit(RunFailed(root, None, error=error))
        if status in (Status.CANCELLED, Status.ERROR):
            iterations = sum(1 for n in tree.nodes.values() if n.parent_id == root)
        check = AnswerCheck()
        if answer.strip() and status in ("ok", "budget"):
            try:
                check = sources.check(answer, tree, question)
            except Exception:  # a bug in checking must not lose the answer
                log.exception("checking the answer's sources failed")
        elif note:
            check.note = note
        seconds = time.monotonic() - started
        emit(
            RunFinished(
                root,
                None,
                status=status,
                answer=answer,
                iterations=iterations,
                subcalls=shared.subcalls,
                repeats_skipped=shared.answers.repeats_skipped,
                cached_answers=shared.answers.cached_answers,
                prompt_tokens=shared.usage.prompt_tokens,
                completion_tokens=shared.usage.completion_tokens,
                seconds=seconds,
                citations=[c.to_json() for c in check.citations],
                answer_verified=check.answer_verified,
                answer_note=check.note,
            )
        )
        return RunResult(
            answer=answer,
            status=status,
            iterations=iterations,
            total_iterations=shared.iterations,
            subcalls=shared.subcalls,
            usage=shared.usage,
            seconds=seconds,
            tree=tree,
            backend=info,
            sandbox_layers=shared.sandbox_layers,
            error=error,
            citations=check.citations,
            answer_verified=check.answer_verified,
            answer_note=check.note,
            repeats_skipped=shared.answers.repeats_skipped,
            cached_answers=shared.answers.cached_answers,
        )


def _carried(follow_up: FollowUp | None) -> dict[str, Any]:
    """RlmRun's arguments for a question in a conversation: its REPL is kept open."""
    if follow_up is None:
        return {}
    return {"sandbox": follow_up.sandbox, "earlier": follow_up.earlier, "keep_sandbox": True}
