"""An answer's key facts (numbers, codes, names, quoted words) and whether a text holds them.

A fact is looked for in the normalised text (see `normalise`), as a whole token, with
thousands separators ignored ("250,000" = "250000" = "250 000").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rlm_desktop.verify.normalise import normalise

_TOKEN = re.compile(r"[^\W_](?:[\w.,:/'&-]*[^\W_])?")
_THOUSANDS = re.compile(r"(?<=\d)[, ](?=\d{3}(?!\d))")
NEAR_CHARS = 30
# the line the PDF reader puts before each page's text (`documents.pdf.PAGE_MARKER`)
PAGE_LINE = re.compile(r"(?m)^--- page \d+ of \d+ ---$")
_QUOTED = re.compile(r"[\"“]([^\"”]{3,80})[\"”]")
# Words that start sentences or fill answers, capitalised or not: never a name.
_COMMON_WORDS = """
a an the of to in on at for by with and or is are was were be been it its this that
these those there their they them he she his her we our you your i my me yes no not none
nothing answer answers question document documents text page line the total which what
who whom when where why how does do did if then than so as from into about all any some
each every per one two three four five six seven eight nine ten according also only just
final output based found shown says said here above below between after before during
under over mr mrs ms dr
"""
COMMON = frozenset(re.findall(r"\w+", _COMMON_WORDS))


@dataclass(frozen=True)
class Fact:
    text: str  # as written in the answer
    key: str  # normalised for matching
    kind: str  # "number" (has a digit: numbers, dates, codes) | "name" | "quote"
    near: tuple[str, ...] = ()  # a short bare number's neighbouring words in the answer

    @property
    def weak(self) -> bool:
        """A bare number of one to three digits: found by chance in page numbers, dates and
        headings, so it counts only beside one of its answer's words."""
        return self.kind == "number" and self.key.isdigit() and len(self.key) <= 3


def fact_key(text: str) -> str:
    return _THOUSANDS.sub("", normalise(text).text)


def key_facts(answer: str) -> list[Fact]:
    """Numbers and codes (anything with a digit), capitalised words that are not common
    words, and short quoted phrases; each once, in answer order."""
    facts: dict[str, Fact] = {}
    for m in _QUOTED.finditer(answer):
        key = fact_key(m.group(1))
        if key and key not in facts:
            facts[key] = Fact(m.group(1), key, "quote")
    for m in _TOKEN.finditer(answer):
        word = m.group(0).strip(".,:/'&-")
        if not word:
            continue
        if any(c.isdigit() for c in word):
            kind = "number"
        elif word[0].isupper() and word.lower() not in COMMON and len(word) > 1:
            kind = "name"
        else:
            continue
        key = fact_key(word)
        if key and key not in facts:
            facts[key] = Fact(word, key, kind, _neighbours(answer, m.start(), m.end()))
    found = list(facts.values())
    if found and answer.rstrip().endswith(found[-1].text):
        # an answer cut at the token limit mid-code ("… is D836-B37. … is D836-B"): its last
        # fact, a beginning of an earlier one, is that one cut short
        last = found[-1]
        if any(f.key.startswith(last.key) and f.key != last.key for f in found[:-1]):
            found.pop()
    return found


def _neighbours(answer: str, start: int, end: int) -> tuple[str, ...]:
    before = re.findall(r"[A-Za-z]+", answer[max(0, start - 40) : start])[-2:]
    after = re.findall(r"[A-Za-z]+", answer[end : end + 40])[:2]
    words = [w.lower() for w in (*before, *after)]
    return tuple(w for w in words if len(w) > 2 and w not in COMMON)


def content_words(text: str) -> list[str]:
    """The answer's words that carry meaning (for answers without key facts)."""
    words = re.findall(r"[a-z0-9]+", normalise(text).text)
    return [w for w in dict.fromkeys(words) if w not in COMMON and len(w) > 2]


@lru_cache(maxsize=4096)
def _fact_rx(key: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])")


class FactText:
    """A text prepared for fact look-ups (normalised once)."""

    def __init__(self, text: str) -> None:
        self.key = fact_key(text)

    def has(self, fact: Fact) -> bool:
        return _fact_rx(fact.key).search(self.key) is not None

    def backs(self, fact: Fact) -> bool:
        """`has`, and for a weak fact one of its answer's words within a few words of it."""
        if not fact.weak or not fact.near:
            return self.has(fact)
        for m in _fact_rx(fact.key).finditer(self.key):
            around = self.key[max(0, m.start() - NEAR_CHARS) : m.end() + NEAR_CHARS]
            if any(_fact_rx(w).search(around) for w in fact.near):
                return True
        return False

    def has_word(self, word: str) -> bool:
        return _fact_rx(word).search(self.key) is not None


_ANCHOR = re.compile(r"[^\W_]+")
ANCHOR_WINDOW = 160  # characters each side of an anchor that are normalised and searched
MAX_ANCHORS = 300


class DocumentFacts:
    """A whole document prepared for fact look-ups without normalising all of it: the fact's
    first run of letters or digits is found in the lower-cased text, and only the stretch
    around each find is normalised and searched (a 10 MB document stays fast)."""

    def __init__(self, text: str) -> None:
        # the reader's page lines are no document text: blanked, offsets kept
        self.text = PAGE_LINE.sub(lambda m: " " * len(m.group(0)), text)
        self.low = self.text.lower()

    def has(self, fact: Fact) -> bool:
        """The fact is in the document (a weak one beside one of its answer's words)."""
        anchor = _ANCHOR.search(fact.text.lower())
        if anchor is None:
            return False
        word = anchor.group(0)
        at, seen = self.low.find(word), 0
        while at != -1 and seen < MAX_ANCHORS:
            lo = max(0, at - ANCHOR_WINDOW)
            hi = at + len(fact.text) + ANCHOR_WINDOW
            if FactText(self.text[lo:hi]).backs(fact):
                return True
            at, seen = self.low.find(word, at + 1), seen + 1
        return False
