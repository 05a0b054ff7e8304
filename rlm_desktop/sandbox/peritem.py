"""Per-item REPL helpers for whole-collection questions (stdlib only, runs in the worker).

Map: `classify(items, labels, question)` (one label per item), `ask_yes_no(items, question)`,
`ask_number(items, question)`, `extract(items, question)` (a short span). Each item is one
constrained sub-call: the host generates its answer under a grammar and maps anything else to
"unknown", so Python can count the answers. Identical items are asked once and answers are
cached for the run (on the host, which counts both). Reduce: `tally(answers)` (counts, most
common first) and `count_pairs(answers)` (pairs of items with the same answer). `items()` cuts
the documents into items, one per non-empty line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

PER_ITEM_NAMES = (
    "items",
    "classify",
    "ask_yes_no",
    "ask_number",
    "extract",
    "tally",
    "count_pairs",
)
UNKNOWN = "unknown"
ITEM_CHARS = 1500  # what one per-item prompt shows of its item
# A leading ordinal ("Review 12:", "12.", "- ", "#4)") is not part of an item's content: cut,
# repeated lines of a collection become identical items and are asked once.
_ORDINAL = re.compile(r"^\s*(?:[-*•]\s+|(?:[A-Za-z]+\s+)?#?\d+\s*[.:)\]-]\s*)")

AskConstrained = Callable[[list[str], list[str], str, list[str]], list[str]]


def item_text(item: Any) -> str:
    """An item's content as asked: its text without a leading ordinal, on one line."""
    text = " ".join(str(getattr(item, "text", item)).split())
    return _ORDINAL.sub("", text, count=1)[:ITEM_CHARS]


class Tally(dict[str, int]):
    """Counts per answer, most common first; prints one `answer: count` per line, then the
    total and the most common answer (a small model copies its answer from the last line)."""

    def __str__(self) -> str:
        total = sum(self.values())
        lines = [f"{answer}: {count}" for answer, count in self.items()]
        top = self.most_common()
        return "\n".join([*lines, f"{total} items in all; the most common: {top or 'none'}"])

    __repr__ = __str__

    def most_common(self) -> str:
        """The most common answer other than "unknown" ("" when there is none)."""
        known = [a for a in self if a != UNKNOWN]
        return known[0] if known else ""


def tally(answers: Sequence[Any]) -> Tally:
    """Counts per answer, most common first (ties in first-seen order)."""
    counted = Counter(str(a) for a in answers)
    return Tally(sorted(counted.items(), key=lambda kv: -kv[1]))


def count_pairs(answers: Sequence[Any]) -> int:
    """Pairs of items with the same answer ("unknown" pairs with nothing)."""
    counted = Counter(str(a) for a in answers if str(a) != UNKNOWN)
    return sum(n * (n - 1) // 2 for n in counted.values())


def make_per_item(
    documents: Sequence[Any], ask_constrained: AskConstrained
) -> dict[str, Callable[..., Any]]:
    """The per-item helpers bound to this REPL's documents and its constrained sub-calls.

    `ask_constrained(prompts, labels, kind, choices)` answers each prompt with an allowed
    value of `kind` ("choice" among `choices`, "number", "yes_no", "span") or "unknown"."""

    def items(text: str | None = None) -> list[str]:
        """The collection's items: one per non-empty line of `text` (default: every
        document's lines)."""
        bodies = [str(d.text) for d in documents] if text is None else [str(text)]
        lines = (line.strip() for body in bodies for line in body.split("\n"))
        return [line for line in lines if line]

    def ask(
        collection: Sequence[Any] | str, question: str, kind: str, choices: list[str]
    ) -> list[str]:
        pieces = items(collection) if isinstance(collection, str) else list(collection)
        texts = [item_text(x) for x in pieces]
        prompts = [f"{question}\n\nItem: {t}\n\nAnswer:" for t in texts]
        labels = [t[:60] for t in texts]
        return ask_constrained(prompts, labels, kind, choices) if prompts else []

    def classify(
        collection: Sequence[Any] | str, labels: Sequence[str], question: str | None = None
    ) -> list[str]:
        """One of `labels` for each item (or "unknown"); `question` says what to decide."""
        names = [" ".join(str(x).split()) for x in labels]
        names = list(dict.fromkeys(n for n in names if n))
        if not names:
            raise ValueError("classify needs at least one label")
        asked = question or "Which of these labels fits the item best"
        prompt = f"{asked.rstrip('?. ')}? Labels: {', '.join(names)}. Reply with one label."
        return ask(collection, prompt, "choice", names)

    def ask_yes_no(collection: Sequence[Any] | str, question: str) -> list[str]:
        """ "yes", "no" (or "unknown") for each item."""
        return ask(collection, f"{str(question).rstrip()} Reply yes or no.", "yes_no", [])

    def ask_number(collection: Sequence[Any] | str, question: str) -> list[int | None]:
        """A whole number for each item (None when unknown)."""
        replies = ask(collection, f"{str(question).rstrip()} Reply with a number.", "number", [])
        return [int(r) if r != UNKNOWN else None for r in replies]

    def extract(collection: Sequence[Any] | str, question: str) -> list[str]:
        """A short span copied from each item (or "unknown" when the item does not hold it)."""
        pieces = items(collection) if isinstance(collection, str) else list(collection)
        prompt = f"{str(question).rstrip()} Copy the words from the item."
        replies = ask(pieces, prompt, "span", [])
        texts = [item_text(x).lower() for x in pieces]
        return [r if r.lower() in t else UNKNOWN for r, t in zip(replies, texts, strict=True)]

    return {
        "items": items,
        "classify": classify,
        "ask_yes_no": ask_yes_no,
        "ask_number": ask_number,
        "extract": extract,
        "tally": tally,
        "count_pairs": count_pairs,
    }
