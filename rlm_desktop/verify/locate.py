"""Finding a quote in the documents: exact, then normalised, then fuzzy (rapidfuzz).

Fuzzy matches count only above `FUZZY_THRESHOLD` (measured by `threshold.measure`, see there)
and only when every number or code in the quote is in the matched passage as written, so a
quote with a changed figure is never "verified" by its resemblance to the real sentence.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from rlm_desktop.verify.facts import FactText, key_facts
from rlm_desktop.verify.normalise import Normalised, normalise

# Measured with `python -m rlm_desktop.bench.citation_threshold` (seeded prose; 1 200 true and 1 200
# false quotes a run). False quotes are sentences of the same generator that are not in the
# documents, most one word away from a real one: partial_ratio alone scored them up to 97, so a
# match must also hold the quote's words (`words_hold`); with it no false quote matched at any
# score. The passage, from the quote's first word to its last, is then scored whole with
# `fuzz.ratio`: true quotes with a word left out score 89.9 at the 1st percentile (all 1 200
# found), 89.3 with 1% of their letters changed as well (78.6% found: a typo in a word under
# six letters is not forgiven). The threshold sits below those.
FUZZY_THRESHOLD = 85.0
MIN_FUZZY_CHARS = 16  # shorter quotes must match exactly or normalised
MAX_WINDOWS = 40
TYPO_MIN_LETTERS = 6  # shorter words must be exact
ANCHOR_WORDS = 3
_WORD = re.compile(r"[a-z0-9]+")
_TRIM = " \t\r\n\"'“”‘’«»…"
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


class HasText(Protocol):
    name: str
    text: str
    pages: list[int]


@dataclass
class Located:
    document: int  # index in the documents
    start: int  # character offsets in that document's text
    end: int
    match: str  # "exact" | "normalised" | "fuzzy"
    score: float = 100.0


def page_of(doc: HasText, offset: int) -> int | None:
    """The 1-based page holding `offset`, or None for a document without pages."""
    if not doc.pages:
        return None
    return max(1, bisect.bisect_right(doc.pages, offset))


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def clean_quote(quote: str) -> str:
    """A quote without the marks and ellipses around it."""
    quote = quote.strip().strip(_TRIM)
    while quote.startswith("..."):
        quote = quote[3:].strip(_TRIM)
    while quote.endswith("..."):
        quote = quote[:-3].strip(_TRIM)
    return quote


class DocumentSet:
    """The run's documents, normalised on first need, for locating quotes."""

    def __init__(self, documents: list[HasText]) -> None:
        self.documents = documents
        self._norm: dict[int, Normalised] = {}

    def norm(self, index: int) -> Normalised:
        if index not in self._norm:
            self._norm[index] = normalise(self.documents[index].text)
        return self._norm[index]

    def locate(self, quote: str) -> Located | None:
        quote = clean_quote(quote)
        if not quote:
            return None
        for i, doc in enumerate(self.documents):
            at = doc.text.find(quote)
            if at != -1:
                return Located(i, at, at + len(quote), "exact")
        needle = normalise(quote).text
        if len(needle) < 3:
            return None
        for i in range(len(self.documents)):
            norm = self.norm(i)
            at = norm.text.find(needle)
            if at != -1:
                start, end = norm.span(at, at + len(needle))
                return Located(i, start, end, "normalised")
        parts = [p for p in _ELLIPSIS.split(quote) if p.strip()]
        if len(parts) > 1:  # "first words … last words": each part, the span over all
            found = [self.locate(p) for p in parts]
            if all(found) and len({f.document for f in found if f}) == 1:
                first, last = found[0], found[-1]
                if first and last and first.start <= last.start:
                    score = min(f.score for f in found if f)
                    return Located(first.document, first.start, last.end, "fuzzy", score)
            return None
        if len(needle) < MIN_FUZZY_CHARS:
            return None
        return self._fuzzy(quote, needle)

    def _fuzzy(self, quote: str, needle: str) -> Located | None:
        numbers = [f for f in key_facts(quote) if f.kind == "number"]
        best: Located | None = None
        for i in range(len(self.documents)):
            norm = self.norm(i)
            for lo, hi in _windows(norm.text, needle):
                found = fuzzy_span(norm.text, lo, hi, needle)
                if found is None or (best is not None and found[0] <= best.score):
                    continue
                score, a, b = found
                start, end = norm.span(a, b)
                passage = FactText(self.documents[i].text[start:end])
                if all(passage.has(f) for f in numbers):
                    best = Located(i, start, end, "fuzzy", score)
        return best


def fuzzy_span(
    text: str, lo: int, hi: int, needle: str, threshold: float = FUZZY_THRESHOLD
) -> tuple[float, int, int] | None:
    """The best fuzzy match of `needle` in text[lo:hi]: (score, start, end) in `text`, or None
    below the threshold or when the passage does not hold the quote's words.

    partial_ratio aligns a stretch exactly as long as the quote, so a quote with a word left
    out is aligned short of its end: the passage runs from the quote's first word nearest the
    alignment's start to its last word nearest the alignment's end, and is scored whole."""
    got = fuzz.partial_ratio_alignment(needle, text[lo:hi])
    if got is None or got.score < threshold:
        return None
    a, b = lo + got.dest_start, lo + got.dest_end
    words = _WORD.findall(needle)
    if not words:
        return None
    slack = max(12, len(needle) // 5)
    start = _nearest(text, words[0], a, slack, end=False)
    end = _nearest(text, words[-1], b, slack, end=True)
    if start is None or end is None or end <= start:
        start, end = _word_bounds(text, a, b)
    passage = text[start:end]
    if not 0.7 * len(needle) <= len(passage) <= 1.3 * len(needle) + 10:
        return None
    score = float(fuzz.ratio(needle, passage))
    if score < threshold or not words_hold(needle, passage):
        return None
    return score, start, end


def _nearest(text: str, word: str, at: int, slack: int, end: bool) -> int | None:
    """Where `word` (whole) starts, or ends when `end`, nearest to `at`, within `slack`."""
    lo, hi = max(0, at - slack - len(word)), min(len(text), at + slack + len(word))
    rx = re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])")
    spots = [m.end() if end else m.start() for m in rx.finditer(text, lo, hi)]
    return min(spots, key=lambda p: abs(p - at)) if spots else None


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to whole words."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def words_hold(needle: str, passage: str) -> bool:
    """Every word of the quote is in the passage, exactly or, for words of six letters or
    more, with one letter changed, added or dropped: a quote with a word swapped for another
    ("repaired" for "repainted", "timed" for "tired") is not the passage."""
    have = set(_WORD.findall(passage))
    for word in set(_WORD.findall(needle)):
        if word in have:
            continue
        if len(word) < TYPO_MIN_LETTERS or not any(
            Levenshtein.distance(word, other, score_cutoff=1) <= 1 for other in have
        ):
            return False
    return True


def _windows(text: str, needle: str) -> list[tuple[int, int]]:
    """Stretches of `text` worth a fuzzy look: around the quote's rarest words there."""
    size = len(needle)
    if len(text) <= size * 3:
        return [(0, len(text))]
    counted = [(text.count(w), w) for w in set(re.findall(r"[a-z0-9]{4,}", needle))]
    anchors = sorted((n, w) for n, w in counted if n)[:ANCHOR_WORDS]
    spots: list[int] = []
    for _, word in anchors:
        start = 0
        while len(spots) < MAX_WINDOWS * ANCHOR_WORDS:
            at = text.find(word, start)
            if at == -1:
                break
            spots.append(at)
            start = at + 1
    spots.sort()
    windows: list[tuple[int, int]] = []
    for at in spots:
        lo, hi = max(0, at - size), min(len(text), at + size)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
    return windows[: MAX_WINDOWS * 2]
