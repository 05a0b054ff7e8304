"""Small builders for the llama.cpp backend tests: message lists and requests."""

from __future__ import annotations

from rlm_desktop.llm.base import GenerationRequest, Message

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
