"""REPL helpers that let a small model do real work in one line (stdlib only, runs in the worker).

`grep` is forgiving: case-insensitive, all words in any order, results ranked. `chunks`,
`map_query` and `ask_each_document` fan a question out over pieces with `llm_query_batched`.
They are ordinary functions: a large model may ignore them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlm_desktop.sandbox.peritem import PER_ITEM_NAMES, AskConstrained, make_per_item

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "where",
        "when",
        "how",
        "why",
        "does",
        "do",
        "did",
        "is",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "from",
        "as",
        "into",
        "about",
        "there",
        "their",
        "them",
        "they",
        "than",
        "then",
        "any",
        "all",
        "some",
    ]
)
HELPER_NAMES = ("grep", "chunks", "map_query", "ask_each_document", *PER_ITEM_NAMES)
CITE = "cite"  # in the REPL with any helper; named in the large prompt only
_REGEX_CHARS = set("\\[](){}|^$*+?")
LINE_SNIPPET = 300
CITE_CHARS = 1000


@dataclass
class GrepMatch:
    document: str
    line: int  # 1-based line number within the document (within the page when paged)
    text: str
    score: float
    # where the line is: 1-based page of a paged document (PDF; None when it has no pages),
    # character offsets in the document's text (not printed: the model's prompt does not grow)
    page: int | None = None
    start: int = field(default=-1, repr=False)
    end: int = field(default=-1, repr=False)

    def __str__(self) -> str:
        # The location on a line of its own: a small model copying its answer from the
        # matched line then stops at the line's end (measured with the 135M demo model;
        # "doc:line: text" got the location copied into answers, and "text  (doc, line)"
        # made it ramble on past the answer).
        page = f"page {self.page}, " if self.page else ""
        return f"{self.document}, {page}line {self.line}:\n{self.text}"


class GrepResults(list["GrepMatch"]):
    """A list of `GrepMatch` that prints one match per line."""

    def __str__(self) -> str:
        if not self:
            return "(no matching lines)"
        return "\n".join(str(m) for m in self)

    __repr__ = __str__


def _words(pattern: str) -> list[str]:
    words = re.findall(r"[\w][\w.-]*", pattern.lower())
    keep = [w.strip(".-") for w in words if w not in STOPWORDS]
    keep = [w[:-2] if w.endswith("'s") else w for w in keep if w]
    return list(dict.fromkeys(keep)) or [w for w in words if w]


def _snippet(line: str, needle: str) -> str:
    line = line.strip()
    if len(line) <= LINE_SNIPPET:
        return line
    pos = max(0, line.lower().find(needle.lower()) - LINE_SNIPPET // 3)
    return ("…" if pos else "") + line[pos : pos + LINE_SNIPPET] + "…"


def _numbered_lines(body: str, starts: list[int]) -> Iterator[tuple[int, int, int, str]]:
    """(line number, page, offset, line) for each line; with page starts, lines count within
    the page (page 0: the document has no pages)."""
    page, page_line, offset = 0, 0, 0
    for line in body.split("\n"):
        while page < len(starts) and starts[page] <= offset:
            page, page_line = page + 1, 0
        page_line += 1
        yield page_line, page, offset, line
        offset += len(line) + 1


def _word_rx(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])")


def _pair_rx(first: str, second: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![a-z0-9]){re.escape(first)}(?:'s)?[^a-z0-9]+{re.escape(second)}(?![a-z0-9])"
    )


def _line_scorer(pattern: str) -> tuple[Callable[[str], float], str]:
    """A scoring function for one line (0 = no match) and a needle for snippets.

    Words count 1 when found as whole words and 0.5 inside longer words; each pair of the
    pattern's words found side by side in the same order adds 0.5; the whole phrase adds 1.
    A line needs at least half of the words.
    """
    if set(pattern) & _REGEX_CHARS:
        try:
            rx = re.compile(pattern, re.IGNORECASE)
        except re.error:
            rx = None
        if rx is not None:
            return (lambda line: 1.0 if rx.search(line) else 0.0), pattern
    phrase = pattern.lower().strip()
    words = _words(pattern)
    whole = [(w, _word_rx(w)) for w in words]
    pairs = [_pair_rx(a, b) for a, b in itertools.pairwise(words)]
    need = max(1, -(-len(words) // 2))  # at least half the words, rounded up

    def score(line: str) -> float:
        low = line.lower()
        present = [w for w in words if w in low]
        if len(present) < need:
            return 0.0
        total = sum(1.0 if rx.search(low) else 0.5 for w, rx in whole if w in low)
        total += 0.5 * sum(1 for rx in pairs if rx.search(low))
        return total + (1.0 if phrase and phrase in low else 0.0)

    return score, (words[0] if words else pattern)


def make_helpers(
    documents: Sequence[Any],
    get_context: Callable[[], str],
    ask_batch: Callable[[list[str], list[str]], list[str]],
    chunk_chars: int,
    grep_results: int = 20,
    ask_constrained: AskConstrained | None = None,
) -> dict[str, Callable[..., Any]]:
    """Build the helper functions bound to this REPL's documents and sub-call bridge.

    `ask_batch(prompts, labels)` is `llm_query_batched` with a label per prompt (what it is
    about), which the window's progress line shows; `ask_constrained` the same with a
    constraint on the answers (the per-item helpers, `peritem`)."""

    def grep(pattern: str, text: str | None = None, max_results: int | None = None) -> GrepResults:
        """Lines matching `pattern` (regex or words in any order), best first, with doc:line."""
        score, needle = _line_scorer(str(pattern))
        sources = (
            [("text", text, [])]
            if text is not None
            else [(d.name, d.text, list(getattr(d, "pages", []) or [])) for d in documents]
        )
        found: list[GrepMatch] = []
        for name, body, starts in sources:
            for number, page, at, line in _numbered_lines(str(body), starts):
                s = score(line)
                if s > 0:
                    snippet = _snippet(line, needle)
                    found.append(
                        GrepMatch(name, number, snippet, s, page or None, at, at + len(line))
                    )
        found.sort(key=lambda m: -m.score)  # stable: document order within a score
        return GrepResults(found[: max(1, int(max_results or grep_results))])

    def chunks(text: str | None = None, size: int | None = None) -> list[str]:
        """Split text (default: the whole context) into pieces of about `size` characters."""
        body = get_context() if text is None else str(text)
        size = max(200, int(size or chunk_chars))
        pieces, start = [], 0
        while start < len(body):
            end = min(len(body), start + size)
            if end < len(body):
                cut = body.rfind("\n", start + size // 2, end)
                end = cut + 1 if cut != -1 else end
            pieces.append(body[start:end])
            start = end
        return pieces

    def ask_parts(question: str, text: str | None, size: int | None, about: str) -> list[str]:
        parts = chunks(text, size)
        prompts = [
            f"{question}\n\nText:\n{part}\n\nAnswer briefly from the text only. "
            "If the text does not say, answer NONE."
            for part in parts
        ]
        return ask_batch(prompts, [about] * len(prompts))

    def map_query(
        question: str, text: str | None = None, chunk_chars: int | None = None
    ) -> list[str]:
        """Ask `question` about every chunk of the text (batched); one answer per chunk."""
        about = "the documents" if text is None else "the text"
        return ask_parts(question, text, chunk_chars, about)

    def ask_each_document(question: str) -> dict[str, str]:
        """Ask `question` about each document separately; returns {document name: answer}."""
        answers: dict[str, str] = {}
        for doc in documents:
            replies = ask_parts(question, doc.text, None, str(doc.name))
            useful = [r for r in replies if r.strip().upper().strip(".") != "NONE"]
            answers[doc.name] = " | ".join(useful) if useful else "NONE"
        return answers

    cited: list[str] = []

    def cite(source: Any) -> None:
        """Name a passage as a source of your answer: a grep hit (or a list of them) or the
        document's exact words. Prints 'Cited source N: "…"'; the app checks each quote."""
        if isinstance(source, (list, tuple)):
            for item in source:
                cite(item)
            return
        if isinstance(source, GrepMatch):
            quote, where = source.text.strip("… "), f" ({source.document}, line {source.line})"
        else:
            quote, where = str(source), ""
        quote = " ".join(quote.split())[:CITE_CHARS]
        cited.append(quote)
        shown = quote.replace('"', '\\"')
        print(f'Cited source {len(cited)}: "{shown}"{where}')

    def refused(prompts: list[str], labels: list[str], kind: str, choices: list[str]) -> list[str]:
        raise RuntimeError("per-item sub-calls are not available here")

    return {
        "cite": cite,
        "grep": grep,
        "chunks": chunks,
        "map_query": map_query,
        "ask_each_document": ask_each_document,
        **make_per_item(documents, ask_constrained or refused),
    }
