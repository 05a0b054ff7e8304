"""Measuring the fuzzy-match threshold: `python -m rlm_desktop.bench.citation_threshold`.

Documents of seeded prose; true quotes are their sentences with OCR-style damage (a share of
letters changed, a word dropped); false quotes are sentences of the same generator that are
not in the documents. Prints the score percentiles of both: `locate.FUZZY_THRESHOLD` must sit
above every false quote's score and below nearly all true ones.
"""

from __future__ import annotations

import json
import random
import re
import sys

from rlm_desktop.verify import locate
from rlm_desktop.verify.normalise import normalise


def _damaged(sentence: str, rng: random.Random, rate: float) -> str:
    chars = list(sentence)
    for i, ch in enumerate(chars):
        if ch.isalpha() and rng.random() < rate:
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    words = "".join(chars).split()
    if len(words) > 8 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def best_score(docs: locate.DocumentSet, quote: str) -> float:
    """The best fuzzy score of a passage whose words hold the quote's words (0: none)."""
    needle = normalise(locate.clean_quote(quote)).text
    best = 0.0
    for i in range(len(docs.documents)):
        text = docs.norm(i).text
        for lo, hi in locate._windows(text, needle):
            found = locate.fuzzy_span(text, lo, hi, needle, threshold=0.0)  # every score
            best = max(best, found[0] if found else 0.0)
    return best


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s) <= 300]


def measure(quotes: int = 1200, seed: int = 7, rate: float = 0.01) -> dict[str, object]:
    from rlm_desktop.bench.accuracy.prose import prose
    from rlm_desktop.documents.model import Document

    rng = random.Random(seed)
    documents = [Document(f"d{i}", prose(random.Random(seed + i), 20_000)) for i in range(3)]
    docs = locate.DocumentSet(documents)
    mine = [s for d in documents for s in _sentences(d.text)]
    known = {normalise(s).text for s in mine}
    others = [
        s
        for s in _sentences(prose(random.Random(seed + 100), 400_000))
        if normalise(s).text not in known
    ]
    true = sorted(best_score(docs, _damaged(rng.choice(mine), rng, rate)) for _ in range(quotes))
    false = sorted(best_score(docs, rng.choice(others)) for _ in range(quotes))

    def pct(values: list[float], p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)

    return {
        "quotes": quotes,
        "damage_rate": rate,
        "true_p01": pct(true, 0.01),
        "true_p05": pct(true, 0.05),
        "true_median": pct(true, 0.5),
        "false_max": round(false[-1], 1),
        "false_p99": pct(false, 0.99),
        "false_median": pct(false, 0.5),
        "true_passing_words_p01": pct([t for t in true if t > 0] or [0.0], 0.01),
        "threshold": locate.FUZZY_THRESHOLD,
        "true_recall": round(sum(s >= locate.FUZZY_THRESHOLD for s in true) / len(true), 4),
        "false_accepted": sum(s >= locate.FUZZY_THRESHOLD for s in false),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1200
    print(json.dumps(measure(count), indent=2))
