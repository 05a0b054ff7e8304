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

# Measured with `python -m rlm_desktop.verify.threshold` (seeded prose, 1 200 true and 1 200
# false quotes each run). False quotes are sentences of the same generator that are not in the
# documents (one word differs from a real one): partial_ratio alone scored them up to 97, so a
# fuzzy match must also pass `words_hold`; with it no false quote matched at any score. True
# quotes with a dropped word score 83.3 at the 1st percentile among those whose words hold
# (81.6 with 1% of letters changed as well): the threshold sits below both.
FUZZY_THRESHOLD = 80.0
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
                got = fuzz.partial_ratio_alignment(needle, norm.text[lo:hi])
                if got is None or got.score < FUZZY_THRESHOLD:
                    continue
                if best is not None and got.score <= best.score:
                    continue
                start, end = norm.span(lo + got.dest_start, lo + got.dest_end)
                passage = FactText(self.documents[i].text[start:end])
                aligned = aligned_words(norm.text, lo + got.dest_start, lo + got.dest_end)
                if all(passage.has(f) for f in numbers) and words_hold(needle, aligned):
                    best = Located(i, start, end, "fuzzy", float(got.score))
        return best


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


def aligned_words(text: str, start: int, end: int) -> str:
    """text[start:end] widened to whole words."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]


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
