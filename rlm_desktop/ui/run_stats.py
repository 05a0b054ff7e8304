"""Run statistics for the stats line (time, turns, sub-calls, tokens, tokens/s), kept up to date
from the event stream and replaced by the engine's exact totals when the run finishes. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlm_desktop.engine import events as ev
from rlm_desktop.engine.tree import TreeNode
from rlm_desktop.ui.format import duration, plural


@dataclass
class RunStats:
    seconds: float = 0.0
    turns: int = 0  # model turns of every RLM in the tree
    subcalls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    streamed: int = 0  # pieces streamed by turns not finished yet
    final: bool = False

    def update(self, event: ev.Event, node: TreeNode | None) -> None:
        """Count `event`, once applied to the tree (`node`: the node it changed)."""
        if isinstance(event, ev.IterationStarted):
            self.turns += 1
        elif isinstance(event, ev.SubcallStarted):
            self.subcalls += 1
        elif isinstance(event, ev.IterationFinished):
            self._add(event.prompt_tokens, event.completion_tokens)
        elif isinstance(event, ev.SubcallFinished):
            if node is not None and not node.children:  # a leaf: no turns of its own
                self._add(event.prompt_tokens, event.completion_tokens)
        elif isinstance(event, ev.RunFinished) and event.parent_id is None:
            self.seconds = event.seconds
            self.subcalls = event.subcalls
            self.prompt_tokens, self.completion_tokens = (
                event.prompt_tokens,
                event.completion_tokens,
            )
            self.streamed, self.final = 0, True

    def _add(self, prompt: int, completion: int) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.streamed = 0

    @property
    def written(self) -> int:
        return self.completion_tokens + self.streamed

    @property
    def tokens_per_second(self) -> float:
        """Tokens read and written per second of the run so far."""
        total = self.prompt_tokens + self.written
        return total / self.seconds if self.seconds > 0.05 else 0.0

    def line(self) -> str:
        """'4.2 s · 6 steps · 3 helper questions · 3,919 tokens (194 written) · 46 tokens/s'
        (a step is one model turn; a helper question one sub-call)."""
        parts = [
            duration(self.seconds),
            plural(self.turns, "step"),
            plural(self.subcalls, "helper question"),
            f"{plural(self.prompt_tokens + self.written, 'token')} ({self.written:,} written)",
        ]
        if self.tokens_per_second:
            parts.append(f"{self.tokens_per_second:,.0f} tokens/s")
        return " · ".join(parts)
