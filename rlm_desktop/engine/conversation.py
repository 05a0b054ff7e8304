"""One RLM's message history: append-only (so the backend can reuse its cache), compacted into
a summary only when it nears the model's context window, and its longest messages cut in the
middle if the summary alone does not make it fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rlm_desktop.engine.protocol import truncate_output
from rlm_desktop.llm.base import Message

PER_MESSAGE_TOKENS = 8  # chat-template overhead, roughly
KEEP_RECENT = 4  # messages kept verbatim at the end (two exchanges)
SUMMARY_LINE_CHARS = 240
MIN_SHORTENED_CHARS = 400  # a message is never cut below this
CUT_NOTICE = "[... {cut:,} characters cut to fit the model's window ...]"


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
        """Bring the history under `budget_tokens`: older turns compacted into a summary, then,
        if that is not enough, the longest messages after the system prompt cut in the middle.
        True if it changed anything."""
        if self.tokens <= budget_tokens:
            return False
        self._compact()
        while self.tokens > budget_tokens and self._shorten_longest(self.tokens - budget_tokens):
            pass
        return True

    def _shorten_longest(self, excess: int) -> bool:
        """Cut the longest message after the system prompt by about `excess` tokens."""
        sizes = [(t, i) for i, t in enumerate(self._tokens) if i > 0]
        if not sizes:
            return False
        tokens, i = max(sizes)
        content = self.messages[i]["content"]
        keep = int(len(content) * (tokens - excess - PER_MESSAGE_TOKENS) / max(1, tokens)) - 120
        if keep >= len(content) - 1 or len(content) <= MIN_SHORTENED_CHARS:
            return False
        shortened = truncate_output(content, max(MIN_SHORTENED_CHARS, keep), CUT_NOTICE)
        message = dict(self.messages[i])
        message["content"] = shortened
        self.messages[i] = message
        self._tokens[i] = self.count_tokens(shortened) + PER_MESSAGE_TOKENS
        return True

    def _compact(self) -> None:
        if len(self.messages) <= 2 + KEEP_RECENT:
            return
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
