"""Running the real engine and sandbox on recorded responses, for the engine tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.engine import RlmEngine, RunResult
from rlm_desktop.engine.events import Event
from rlm_desktop.llm.replay import ReplayBackend

DOCS = Context(
    [
        Document(name="a.txt", text="Intro line.\nThe magic number is 42.\nEnd of a."),
        Document(name="b.txt", text="Project Cormorant's archive key is K-7731.\nOther text."),
    ]
)


@dataclass
class Replayed:
    result: RunResult
    backend: ReplayBackend
    events: list[Event] = field(default_factory=list)

    def prompt_of_call(self, n: int) -> str:
        """The last message the model saw on call n (0-based)."""
        return self.backend.requests[n].messages[-1]["content"]


def replay(
    responses: list[str],
    context: Context = DOCS,
    cancel: CancelToken | None = None,
    token_delay_s: float = 0.0,
    sink: Callable[[Event], None] | None = None,
    context_window: int = 8192,
    **config: object,
) -> Replayed:
    backend = ReplayBackend(responses, token_delay_s=token_delay_s, context_window=context_window)
    events: list[Event] = []

    def on_event(event: Event) -> None:
        events.append(event)
        if sink is not None:
            sink(event)

    engine = RlmEngine(backend, EngineConfig(**config))  # type: ignore[arg-type]
    result = engine.run("What is the magic number?", context, on_event, cancel)
    return Replayed(result, backend, events)


def look(code: str = "print(grep('magic number'))") -> str:
    return f"Let me look.\n```repl\n{code}\n```"
