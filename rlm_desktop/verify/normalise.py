"""Text normalised for matching quotes against documents, with a map back to the original.

Lower case, Unicode compatibility forms (ligatures, typographic quotes and dashes), every run
of whitespace one space, and hyphens inside words dropped, so that a PDF's "agree-\\nment" and
"long-\\nterm" match "agreement" and "long-term" (both sides get the same treatment).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_SAME = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\ufffe": "-",
        "\u00a0": " ",
    }
)
_DROP = {"\u00ad", "\u200b", "\ufeff", "\x00"}


@dataclass
class Normalised:
    """`text` normalised; `origin[i]` is the index in the original of `text[i]`, and
    `origin[len(text)]` the original's length."""

    text: str
    origin: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised span [start, end)."""
        if end <= start:
            return self.origin[start], self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1


def _fold(ch: str) -> str:
    ch = ch.translate(_SAME)
    if ch.isascii():
        return ch.lower()
    return unicodedata.normalize("NFKC", ch).translate(_SAME).lower()


def normalise(text: str) -> Normalised:
    out: list[str] = []
    origin: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch in _DROP:
            i += 1
            continue
        if ch.isspace():
            j = i
            while j < n and (text[j].isspace() or text[j] in _DROP):
                j += 1
            if out and out[-1] != " ":
                out.append(" ")
                origin.append(i)
            i = j
            continue
        folded = _fold(ch)
        if folded == "-" and out and out[-1].isalpha():
            # a hyphen inside a word, or at a line's end before the word goes on: dropped
            j = i + 1
            while j < n and text[j] in " \t\r\n\u00a0":
                j += 1
            broke = "\n" in text[i + 1 : j]
            if j < n and text[j].isalpha() and (j == i + 1 or broke):
                i = j
                continue
        for piece in folded:
            out.append(piece)
            origin.append(i)
        i += 1
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    origin.append(n)
    return Normalised("".join(out), origin)
