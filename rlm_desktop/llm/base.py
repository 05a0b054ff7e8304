"""The backend interface: messages in, text out, streamed tokens, usage counts and cancel.

Every backend (replay, llama.cpp, …) implements `Backend`. The engine only talks to this.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rlm_desktop.cancel import CancelToken

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
TokenCallback = Callable[[str], None]
BatchTokenCallback = Callable[[int, str], None]  # (request's index, text piece)


class BackendError(RuntimeError):
    """The backend cannot answer at all (bad model, exhausted replay, …): the run fails."""


@dataclass
class Usage:
    """Token and time counts for one model call (or a sum of calls)."""

    prompt_tokens: int = 0
    prompt_evaluated: int = 0  # prompt tokens actually evaluated (not reused from the cache)
    completion_tokens: int = 0
    seconds: float = 0.0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.prompt_evaluated += other.prompt_evaluated
        self.completion_tokens += other.completion_tokens
        self.seconds += other.seconds

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"  # "stop" | "length" | "cancelled"
    note: str = ""  # how a batched call was served when not as asked (e.g. one at a time)


@dataclass
class BackendInfo:
    """What the status bar and `--json` report about the model in use."""

    name: str  # "replay", "llama.cpp", …
    model: str = ""
    context_window: int = 8192
    n_params: int | None = None  # parameter count where known (selects the prompt variant)
    device: str = "cpu"  # "cpu", "cuda", "metal", …
    gpu_layers: int = 0
    notes: list[str] = field(default_factory=list)
    parallel: int = 1  # requests `complete_batch` serves at once (1: one after another)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "model": self.model,
            "context_window": self.context_window,
            "n_params": self.n_params,
            "device": self.device,
            "gpu_layers": self.gpu_layers,
            "notes": list(self.notes),
            "parallel": self.parallel,
        }


@dataclass
class GenerationRequest:
    """One model call. `session` names the conversation so a backend can keep its cache."""

    messages: list[Message]
    max_tokens: int = 1024
    temperature: float = 0.0
    stop: list[str] = field(default_factory=list)
    grammar: str | None = None  # GBNF; backends that cannot constrain ignore it
    session: str = "default"


BatchDoneCallback = Callable[[int, Completion], None]  # (request's index, its reply)


class Backend(Protocol):
    info: BackendInfo

    def complete(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Completion:
        """Generate one reply. Streams text pieces to `on_token`; stops early when cancelled."""
        ...

    def complete_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_token: BatchTokenCallback | None = None,
        cancel: CancelToken | None = None,
        on_done: BatchDoneCallback | None = None,
    ) -> list[Completion]:
        """Generate one reply per request, together where the backend can (llama.cpp: one
        batch of sequences; a server: concurrent requests), else one after another. Streams
        `(index, piece)` to `on_token` and calls `on_done(index, completion)` as each request
        ends; all callbacks come on the calling thread. Replies are in request order."""
        ...

    def count_tokens(self, text: str) -> int: ...

    def end_session(self, session: str) -> None:
        """The conversation `session` is over; its cache may be dropped."""
        ...

    def close(self) -> None: ...


def complete_one_by_one(
    backend: Backend,
    requests: Sequence[GenerationRequest],
    on_token: BatchTokenCallback | None = None,
    cancel: CancelToken | None = None,
    on_done: BatchDoneCallback | None = None,
    note: str = "",
) -> list[Completion]:
    """`complete_batch` for a backend that cannot batch: each request in turn, in order. Once
    cancelled, the requests not yet started end "cancelled" with no text."""
    out: list[Completion] = []
    for i, request in enumerate(requests):
        if cancel is not None and cancel.cancelled:
            completion = Completion(text="", finish_reason="cancelled")
        else:
            sink = None if on_token is None else indexed(on_token, i)
            completion = backend.complete(request, on_token=sink, cancel=cancel)
        completion.note = completion.note or note
        out.append(completion)
        if on_done is not None:
            on_done(i, completion)
    return out


def indexed(on_token: BatchTokenCallback, index: int) -> TokenCallback:
    return lambda piece: on_token(index, piece)


def estimate_tokens(text: str) -> int:
    """A model-free estimate (about four characters a token) for backends without a tokenizer."""
    return max(1, (len(text) + 3) // 4) if text else 0


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start
