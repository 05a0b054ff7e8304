"""Where the text the model's code saw came from: spans of the documents found in a cell's
output or a sub-call's prompt, kept on the host in the run's record (never sent to the model).

Lines of the seen text are looked up in an index of the documents' lines (grep prints whole
lines; slices and chunks of `context` are runs of whole lines with cut ends, found by search).
A grep hit's "name, line N:" header names the line directly. `context` offsets map to a
document and an offset through the join layout (`context_starts`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass
from typing import Any

from rlm_desktop.documents.model import Context, boundary_line
from rlm_desktop.verify.locate import line_of, page_of

MIN_LINE_CHARS = 12
MAX_SEEN_LINES = 4000
MAX_SEARCHES = 40  # cut lines looked for by search, per text
MAX_SPANS = 200
_HIT_HEADER = re.compile(r"^(.+), line (\d+):$")
_CUT = " \t…"
_SENTENCE_BREAK = re.compile(r"(?<=[.?!:;])\s+")
MAX_PIECES = 8


@dataclass
class SourceSpan:
    """A stretch of one document: character offsets in its text, page and line of the start."""

    document: str
    index: int
    start: int
    end: int
    page: int | None = None
    line: int = 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceSpan:
        return cls(**data)


def context_starts(context: Context) -> list[int]:
    """Where each document's text starts in `context.text` (the join's layout)."""
    docs = context.documents
    if len(docs) == 1:
        return [0]
    starts, at = [], 0
    for i, d in enumerate(docs, start=1):
        at += len(boundary_line(i, len(docs), d.name)) + 1
        starts.append(at)
        at += len(d.text) + 2
    return starts


class ProvenanceIndex:
    """The documents' lines, indexed once per run."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.starts = context_starts(context)
        self._lines: dict[str, list[tuple[int, int]]] | None = None
        self._by_name = {d.name: i for i, d in enumerate(context.documents)}

    def _index(self) -> dict[str, list[tuple[int, int]]]:
        if self._lines is None:
            lines: dict[str, list[tuple[int, int]]] = {}
            for i, doc in enumerate(self.context.documents):
                at = 0
                for line in doc.text.split("\n"):
                    key = line.strip()
                    if len(key) >= MIN_LINE_CHARS:
                        spots = lines.setdefault(key, [])
                        if len(spots) < 4:
                            spots.append((i, at + line.index(key[0])))
                    at += len(line) + 1
            self._lines = lines
        return self._lines

    def span(self, index: int, start: int, end: int) -> SourceSpan:
        doc = self.context.documents[index]
        return SourceSpan(
            doc.name, index, start, end, page_of(doc, start), line_of(doc.text, start)
        )

    def from_context(self, start: int, end: int) -> SourceSpan | None:
        """The document span of context.text[start:end] (None when it starts on a boundary
        line, outside every document's text)."""
        i = bisect.bisect_right(self.starts, start) - 1
        if i < 0:
            return None
        doc_start = start - self.starts[i]
        if doc_start > len(self.context.documents[i].text):
            return None
        doc_end = min(len(self.context.documents[i].text), end - self.starts[i])
        return self.span(i, doc_start, doc_end)

    def line_span(self, name: str, number: int) -> SourceSpan | None:
        index = self._by_name.get(name)
        if index is None:
            return None
        text = self.context.documents[index].text
        start = 0
        for _ in range(number - 1):
            start = text.find("\n", start) + 1
            if start == 0:
                return None
        end = text.find("\n", start)
        return self.span(index, start, len(text) if end == -1 else end)

    def passages(self, seen: str) -> list[SourceSpan]:
        """The document spans whose text appears in `seen`, merged, in document order."""
        if not seen or not self.context.documents:
            return []
        index = self._index()
        found: list[tuple[int, int, int]] = []
        searches = 0
        for raw in seen.split("\n")[:MAX_SEEN_LINES]:
            header = _HIT_HEADER.match(raw.strip())
            if header:
                hit = self.line_span(header.group(1), int(header.group(2)))
                if hit is not None:
                    found.append((hit.index, hit.start, hit.end))
                continue
            key = raw.strip().strip(_CUT)
            if len(key) < MIN_LINE_CHARS:
                continue
            spots = index.get(key)
            if spots:
                found.extend((i, at, at + len(key)) for i, at in spots[:1])
                continue
            # a cut line, or document text after a question on the same line: the whole
            # line, else each sentence of it
            for piece in [key, *_SENTENCE_BREAK.split(key)][: 1 + MAX_PIECES]:
                if len(piece) < MIN_LINE_CHARS or searches >= MAX_SEARCHES:
                    continue
                searches += 1
                spot = self._search(piece)
                if spot is not None:
                    found.append(spot)
                    if piece is key:
                        break
        return [self.span(i, s, e) for i, s, e in self._merged(found)][:MAX_SPANS]

    def _search(self, piece: str) -> tuple[int, int, int] | None:
        for i, doc in enumerate(self.context.documents):
            at = doc.text.find(piece)
            if at != -1:
                return i, at, at + len(piece)
        return None

    def _merged(self, found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        merged: list[tuple[int, int, int]] = []
        for i, s, e in sorted(set(found)):
            if merged and merged[-1][0] == i:
                pi, ps, pe = merged[-1]
                gap = self.context.documents[i].text[pe:s] if s > pe else ""
                if s <= pe or not gap.strip():
                    merged[-1] = (pi, ps, max(pe, e))
                    continue
            merged.append((i, s, e))
        return merged
