"""Small builders for the llama.cpp backend tests: message lists and requests, and a backend
whose root turns are recorded while its sub-calls go to the real model."""

from __future__ import annotations

from collections.abc import Sequence

from rlm_desktop.cancel import CancelToken
from rlm_desktop.engine.subcalls import LEAF_SESSION
from rlm_desktop.llm.base import (
    BatchDoneCallback,
    BatchTokenCallback,
    Completion,
    GenerationRequest,
    Message,
    TokenCallback,
)
from rlm_desktop.llm.llama import LlamaBackend
from rlm_desktop.llm.replay import ReplayBackend

SYSTEM = (
    "You answer a question about documents. You cannot see them directly: they are in a "
    "Python REPL as the variable `context`. Each turn, write one ```repl block of Python, "
    "or answer with one line FINAL(answer)."
)


def chat(system: str, *turns: str) -> list[Message]:
    """[system, user, assistant, user, …] from alternating user/assistant texts."""
    messages: list[Message] = [{"role": "system", "content": system}]
    for i, text in enumerate(turns):
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": text})
    return messages


def request(
    messages: list[Message], session: str, max_tokens: int = 8, grammar: str | None = None
) -> GenerationRequest:
    return GenerationRequest(
        messages=messages, max_tokens=max_tokens, session=session, grammar=grammar
    )


class ScriptedRoot:
    """The root's turns from a recording (`turns`); sub-calls (the leaf session) to the real
    model. Keeps each leaf request's grammar and each batch's size, for the test."""

    def __init__(self, model: LlamaBackend, turns: list[str]) -> None:
        self.model = model
        self.root = ReplayBackend(turns)
        self.info = model.info
        self.leaf_grammars: list[str | None] = []
        self.batches: list[int] = []

    def complete(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Completion:
        if request.session == LEAF_SESSION:
            self.leaf_grammars.append(request.grammar)
            return self.model.complete(request, on_token, cancel)
        return self.root.complete(request, on_token, cancel)

    def complete_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_token: BatchTokenCallback | None = None,
        cancel: CancelToken | None = None,
        on_done: BatchDoneCallback | None = None,
    ) -> list[Completion]:  # only sub-calls come in batches
        self.batches.append(len(requests))
        self.leaf_grammars += [r.grammar for r in requests]
        return self.model.complete_batch(requests, on_token, cancel, on_done)

    def count_tokens(self, text: str) -> int:
        return self.model.count_tokens(text)

    def end_session(self, session: str) -> None:
        self.model.end_session(session)

    def close(self) -> None:
        pass  # the model belongs to the test's fixture
