"""Deterministic, varied filler prose for the accuracy tasks (seeded; no downloaded data)."""

from __future__ import annotations

import random

SUBJECTS = [
    "The committee",
    "Our northern office",
    "The night shift",
    "A visiting engineer",
    "The finance team",
    "Most volunteers",
    "The old lighthouse keeper",
    "The garden club",
    "A local baker",
    "The river ferry crew",
    "The museum curator",
    "Several students",
    "The town council",
    "The weather station",
    "A retired pilot",
    "The library staff",
]
VERBS = [
    "reviewed",
    "postponed",
    "celebrated",
    "questioned",
    "repainted",
    "catalogued",
    "measured",
    "rearranged",
    "discussed",
    "photographed",
    "repaired",
    "described",
    "inspected",
    "forgot about",
    "praised",
    "timed",
]
OBJECTS = [
    "the spring schedule",
    "a crate of apples",
    "the broken fence",
    "the annual report",
    "a map of the harbour",
    "the choir rehearsal",
    "the coffee machine",
    "an old bicycle",
    "the quarterly budget",
    "a set of blue lanterns",
    "the tide tables",
    "the new parking rules",
    "a box of letters",
    "the roof of the barn",
    "the chess tournament",
    "a pile of timber",
]
TAILS = [
    "before lunch",
    "after a long debate",
    "without much fuss",
    "during the storm",
    "for the third time this year",
    "while it rained",
    "at the end of the week",
    "with great care",
    "as usual",
    "earlier than planned",
    "despite the noise",
    "in the east wing",
    "on a quiet Tuesday",
    "under the old oak",
    "by candlelight",
]
ASIDES = [
    "Nobody seemed surprised.",
    "It took longer than expected.",
    "Everyone agreed it was fine.",
    "The minutes do not say why.",
    "Photos were taken for the archive.",
    "A second meeting was arranged.",
    "The results were filed in the usual folder.",
    "Tea was served afterwards.",
    "Some details remain unclear.",
]


def sentence(rng: random.Random) -> str:
    s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."
    if rng.random() < 0.25:
        s += " " + rng.choice(ASIDES)
    return s


def paragraph(rng: random.Random, sentences: tuple[int, int] = (3, 7)) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def prose(rng: random.Random, chars: int) -> str:
    """About `chars` characters of paragraphs (never more), one paragraph per line."""
    parts: list[str] = []
    size = 0
    while size < chars:
        p = paragraph(rng)
        parts.append(p)
        size += len(p) + 1
    text = "\n".join(parts)
    return text[:chars]
