"""One RLM's message history: append-only (so the backend can reuse its cache), compacted into
a summary only when it nears the model's context window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rlm_desktop.llm.base import Message

PER_MESSAGE_TOKENS = 8  # chat-template overhead, roughly
KEEP_RECENT = 4  # messages kept verbatim at the end (two exchanges)
SUMMARY_LINE_CHARS = 240


@dataclass
class Conversation:
    count_tokens: Callable[[str], int]
    messages: list[Message] = field(default_factory=list)
    _tokens: list[int] = field(default_factory=list)
    compactions: int = 0

    def add(self, role: str, content: str) -> None:
        self.messages.append({"role": role, "content": content})
        self._tokens.append(self.count_tokens(content) + PER_MESSAGE_TOKENS)

    def add_user(self, content: str) -> None:
        """A user message; merged into the last one if that is a user message too."""
        if self.messages and self.messages[-1]["role"] == "user":
            last = self.messages.pop()
            self._tokens.pop()
            content = f"{last['content']}\n\n{content}"
        self.add("user", content)

    @property
    def tokens(self) -> int:
        return sum(self._tokens)

    def fit(self, budget_tokens: int) -> bool:
        """Compact older turns if the history is over `budget_tokens`. True if it compacted."""
        if self.tokens <= budget_tokens or len(self.messages) <= 2 + KEEP_RECENT:
            return False
        head = self.messages[:2]  # system prompt and the question
        middle = self.messages[2:-KEEP_RECENT]
        tail = self.messages[-KEEP_RECENT:]
        if tail[0]["role"] != "assistant":  # keep user/assistant alternation
            middle, tail = middle + tail[:1], tail[1:]
        summary = _summarise(middle)
        first = dict(head[1])
        first["content"] = f"{first['content']}\n\n{summary}"
        self.messages = [head[0], first, *tail]
        self._tokens = [self.count_tokens(m["content"]) + PER_MESSAGE_TOKENS for m in self.messages]
        self.compactions += 1
        return True


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_LINE_CHARS else flat[: SUMMARY_LINE_CHARS - 1] + "…"


def _summarise(messages: list[Message]) -> str:
    lines = [
        "Summary of earlier turns (shortened to fit the model's window; "
        "REPL variables from those turns still exist):"
    ]
    for m in messages:
        who = "You wrote" if m["role"] == "assistant" else "The REPL replied"
        lines.append(f"- {who}: {_one_line(m['content'])}")
    return "\n".join(lines)
