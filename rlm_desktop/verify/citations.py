"""An answer's sources: the quotes the model cited (`cite()` in the REPL, or "Source:" lines in
FINAL), each located in the documents, and, when none of them supports the answer, the
passages the run read that hold the answer's key facts, best first.

`check_answer` gives the citations, whether a verified one supports the answer, and the
warning for an answer whose key facts are in no document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rlm_desktop.verify.facts import (
    PAGE_LINE,
    DocumentFacts,
    Fact,
    FactText,
    content_words,
    key_facts,
)
from rlm_desktop.verify.locate import DocumentSet, HasText, clean_quote, page_of
from rlm_desktop.verify.provenance import SourceSpan

NOT_FOUND_NOTE = "Not found in your documents: check this answer."
NO_FIGURE_NOTE = "The question asks for a figure, and this answer gives none: check it."
# "How many…", "What is the total…", "What was Value A?": a question whose answer is a figure
_FIGURE_QUESTION = re.compile(
    r"\bhow (?:many|much)\b|\bwhat(?:'s|\s+(?:is|was|are|were))\s+(?:the\s+)?(?:\w+\s+)?"
    r"(?:values?|numbers?|totals?|amounts?|sum|prices?|costs?|percentage|count)\b",
    re.I,
)
CITE_MARK = "Cited source "  # what `cite()` prints: 'Cited source N: "quote" (where)'
_CITE_LINE = re.compile(r'^Cited source \d+: "(.*)"(?: \(.*\))?$')
_SOURCE_LINE = re.compile(r"^\s*(?:sources?|quote|citation)\s*\d*\s*[:：]\s*(.+)$", re.I)
_QUOTED = re.compile(r"[\"“]([^\"”]{6,})[\"”]")
MAX_ATTACHED = 3
MAX_QUOTE_CHARS = 400
MAX_CANDIDATE_LINES = 20_000
MAX_SEARCH_HITS = 50  # per fact and document
MIN_WORD_SHARE = 0.8  # answers without figures: share of their words a passage must hold


@dataclass
class Citation:
    quote: str
    verified: bool
    document: str | None = None
    page: int | None = None
    start: int | None = None
    end: int | None = None
    match: str = "not found"  # "exact" | "normalised" | "fuzzy" | "not found"
    origin: str = "cite"  # "cite" | "final" (named by the model) | "read" | "search" (attached)
    supports: bool = False  # the passage holds the answer's key facts
    cited: str | None = None  # the model's own words, when they differ from `quote`

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "page": self.page,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "verified": self.verified,
            "match": self.match,
            "origin": self.origin,
            "supports": self.supports,
            "cited": self.cited,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Citation:
        values: dict[str, Any] = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**values)


@dataclass
class AnswerCheck:
    citations: list[Citation] = field(default_factory=list)
    answer_verified: bool = False
    note: str | None = None  # NOT_FOUND_NOTE, or why there is no answer
    missing: list[str] = field(default_factory=list)  # key facts found in no document


def cited_quotes(outputs: Iterable[str]) -> list[str]:
    """The quotes `cite()` printed in the cells' outputs, in order."""
    found = []
    for output in outputs:
        for line in output.split("\n"):
            m = _CITE_LINE.match(line.strip())
            if m:
                found.append(m.group(1).replace('\\"', '"'))
    return found


def final_quotes(answer: str) -> list[str]:
    """Quotes on "Source: "…"" lines of the answer (the large prompt's way to cite)."""
    found = []
    for line in answer.split("\n"):
        m = _SOURCE_LINE.match(line)
        if m:
            quoted = _QUOTED.findall(m.group(1))
            found.extend(quoted or [m.group(1)])
    return [q for q in found if clean_quote(q)]


def asks_for_figure(question: str) -> bool:
    """Whether the question asks for a figure: an answer without one is not the answer found,
    however well a passage backs its words."""
    return bool(_FIGURE_QUESTION.search(question))


def answer_body(answer: str) -> str:
    """The answer without its "Source:" lines."""
    return "\n".join(line for line in answer.split("\n") if not _SOURCE_LINE.match(line))


def _supports(facts: list[Fact], words: list[str], passage: str) -> bool:
    """Whether the passage backs the answer: every figure or code of the answer; for an
    answer without one, every name and nearly all its words (measured with Gemma 3 270M: "The
    Copper vault is not in use." is not backed by "The access code for the Copper vault is
    N555-P90.", though the name is there)."""
    text = FactText(passage)
    numbers = [f for f in facts if f.kind == "number"]
    if numbers:
        return all(text.backs(f) for f in numbers)
    if not all(text.has(f) for f in facts):
        return False
    if not words:
        return bool(facts)
    return sum(text.has_word(w) for w in words) / len(words) >= MIN_WORD_SHARE


def _score(facts: list[Fact], words: list[str], line: str) -> float:
    text = FactText(line)
    score = sum((3.0 if f.kind != "name" else 1.0) for f in facts if text.has(f))
    if facts and score == 0:
        return 0.0
    if words:
        share = sum(text.has_word(w) for w in words) / len(words)
        if not facts and share < MIN_WORD_SHARE:
            return 0.0
        score += share
    return score


def _lines(doc: HasText, start: int, end: int) -> Iterable[tuple[int, int]]:
    """The (start, end) of each non-empty line of doc.text touching [start, end)."""
    text = doc.text
    at = text.rfind("\n", 0, start) + 1
    while at < max(end, at + 1) and at < len(text):
        stop = text.find("\n", at)
        stop = len(text) if stop == -1 else stop
        line = text[at:stop]
        if line.strip() and not PAGE_LINE.match(line):
            lead = len(line) - len(line.lstrip())
            yield at + lead, at + len(line.rstrip())
        at = stop + 1


_SENTENCE = re.compile(r"\S.*?(?:[.!?](?=\s|$)|$)")


def _pieces(doc: HasText, start: int, end: int) -> Iterable[tuple[int, int]]:
    """The lines touching [start, end); a long line (a paragraph) as its sentences."""
    for lo, hi in _lines(doc, start, end):
        if hi - lo <= MAX_QUOTE_CHARS:
            yield lo, hi
            continue
        for m in _SENTENCE.finditer(doc.text, lo, hi):
            yield m.start(), m.end()


def _anchors(facts: list[Fact]) -> list[str]:
    """Each fact's first run of letters or digits, lower-cased."""
    runs = [re.search(r"[^\W_]+", f.text.lower()) for f in facts]
    return list(dict.fromkeys(m.group(0) for m in runs if m))


def _trimmed(text: str, facts: list[Fact]) -> tuple[int, int]:
    """The part of a long line to quote: around its first key fact."""
    if len(text) <= MAX_QUOTE_CHARS:
        return 0, len(text)
    low = text.lower()
    at = min((low.find(f.text.lower()) for f in facts if f.text.lower() in low), default=0)
    lo = max(0, at - MAX_QUOTE_CHARS // 3)
    return lo, min(len(text), lo + MAX_QUOTE_CHARS)


class Checker:
    """Checks one run's answer against the run's documents."""

    def __init__(self, documents: list[HasText]) -> None:
        self.documents = documents
        self.docs = DocumentSet(documents)
        self._facts: dict[int, DocumentFacts] = {}

    def _doc_facts(self, index: int) -> DocumentFacts:
        if index not in self._facts:
            self._facts[index] = DocumentFacts(self.documents[index].text)
        return self._facts[index]

    def verify(self, quote: str, origin: str) -> Citation:
        where = self.docs.locate(quote)
        if where is None:
            return Citation(clean_quote(quote), False, origin=origin)
        doc = self.documents[where.document]
        found = doc.text[where.start : where.end]
        return Citation(
            found,
            True,
            doc.name,
            page_of(doc, where.start),
            where.start,
            where.end,
            where.match,
            origin,
            cited=None if found == quote else clean_quote(quote),
        )

    def passage(self, index: int, start: int, end: int, origin: str, facts: list[Fact]) -> Citation:
        doc = self.documents[index]
        lo, hi = _trimmed(doc.text[start:end], facts)
        start, end = start + lo, start + hi
        text = doc.text[start:end]
        return Citation(text, True, doc.name, page_of(doc, start), start, end, "exact", origin)

    def _fact_lines(self, facts: list[Fact]) -> list[tuple[int, int, int]]:
        """Where the facts' first words occur in the documents (figures first)."""
        spots: list[tuple[int, int, int]] = []
        ordered = sorted(facts, key=lambda f: f.kind == "name")
        for index in range(len(self.documents)):
            low = self._doc_facts(index).low
            for anchor in _anchors(ordered):
                at, found = low.find(anchor), 0
                while at != -1 and found < MAX_SEARCH_HITS:
                    spots.append((index, at, at + len(anchor)))
                    at, found = low.find(anchor, at + 1), found + 1
        return spots

    @staticmethod
    def _backing(attached: list[Citation], facts: list[Fact], words: list[str]) -> list[Citation]:
        """The attached passages, marked: those that back the answer when any does, else
        only the closest one (what the run read nearest to the answer, for the user to judge)."""
        for c in attached:
            c.supports = _supports(facts, words, c.quote)
        backing = [c for c in attached if c.supports]
        return backing or attached[:1]

    def attach(
        self,
        spans: Iterable[tuple[int, int, int]],
        facts: list[Fact],
        words: list[str],
        origin: str,
    ) -> list[Citation]:
        """The best lines of the spans for the answer (at most MAX_ATTACHED)."""
        scored: dict[tuple[int, int, int], float] = {}
        anchors = _anchors(facts) if facts else words
        seen = 0
        for index, start, end in spans:
            for lo, hi in _pieces(self.documents[index], start, end):
                seen += 1
                if seen > MAX_CANDIDATE_LINES:
                    break
                key = (index, lo, hi)
                line = self.documents[index].text[lo:hi]
                if key in scored or not any(a in line.lower() for a in anchors):
                    continue  # a cheap look first: no fact's first word, no match
                scored[key] = _score(facts, words, line)
        best = sorted((k for k, s in scored.items() if s > 0), key=lambda k: -scored[k])
        return [self.passage(i, s, e, origin, facts) for i, s, e in best[:MAX_ATTACHED]]

    def check(
        self,
        answer: str,
        quotes: list[tuple[str, str]],
        read: list[SourceSpan],
        question: str = "",
    ) -> AnswerCheck:
        """`quotes`: (quote, origin) the model named; `read`: the spans the run saw; an answer
        to a `question` asking for a figure is verified only when it gives one."""
        body = answer_body(answer)
        if not body.strip():
            return AnswerCheck()
        facts = key_facts(body)
        words = content_words(body)
        citations = [self.verify(q, origin) for q, origin in quotes]
        for c in citations:  # a verified citation's quote is the document's own text
            c.supports = c.verified and _supports(facts, words, c.quote)
        if not any(c.supports for c in citations):
            spans = [(s.index, s.start, s.end) for s in read if s.index < len(self.documents)]
            attached = self._backing(self.attach(spans, facts, words, "read"), facts, words)
            if not any(c.supports for c in attached) and facts:
                found = self.attach(self._fact_lines(facts), facts, words, "search")
                found = self._backing(found, facts, words)
                if any(c.supports for c in found) or not attached:
                    attached = found
            citations += attached
        missing = [
            f.text
            for f in facts
            if not any(self._doc_facts(i).has(f) for i in range(len(self.documents)))
        ]
        flagged = bool(facts) and (
            len(missing) == len(facts)
            or any(f.kind == "number" and f.text in missing for f in facts)
        )
        verified = not flagged and any(c.verified and c.supports for c in citations)
        note = NOT_FOUND_NOTE if flagged else None
        if verified and asks_for_figure(question) and not any(f.kind == "number" for f in facts):
            verified, note = False, NO_FIGURE_NOTE
        return AnswerCheck(citations, verified, note, missing)


def sources_text(citations: list[Citation], note: str | None, quote_chars: int = 200) -> str:
    """The sources as lines for a terminal: the warning, then one numbered line each."""
    lines = [note] if note else []
    if citations:
        lines.append("Sources:")
    for n, c in enumerate(citations, start=1):
        quote = " ".join(c.quote.split())
        if len(quote) > quote_chars:
            quote = quote[: quote_chars - 1] + "…"
        where = c.document or "?"
        if c.page is not None:
            where += f", page {c.page}"
        state = "verified" if c.verified else "not found in the documents"
        lines.append(f'  [{n}] {where}: "{quote}" ({state})')
    return "\n".join(lines)


ANSWER_FOUND = "Answer found"
UNVERIFIED = "Unverified answer"


def verdict(answer: str, answer_verified: bool) -> str:
    """What the window's answer box says: "Answer found" only for an answer with a verified
    source that supports it."""
    if not answer.strip():
        return "No answer"
    return ANSWER_FOUND if answer_verified else UNVERIFIED


def matching_words(answer: str, passage: str) -> list[tuple[int, int]]:
    """Spans of `passage` holding the answer's key facts or meaningful words, for
    highlighting them in the sources list."""
    wanted = [f.text for f in key_facts(answer_body(answer))]
    wanted += [w for w in content_words(answer_body(answer)) if len(w) > 3]
    spans: list[tuple[int, int]] = []
    low = passage.lower()
    for word in sorted(set(wanted), key=len, reverse=True):
        for m in re.finditer(rf"(?<!\w){re.escape(word.lower())}(?!\w)", low):
            if all(m.end() <= s or m.start() >= e for s, e in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)
