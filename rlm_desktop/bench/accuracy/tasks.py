"""The accuracy suite's task families, generated from a seed:

- needle: one fact in 8k–512k characters of prose, split across 1–4 documents;
- lookup: one fact among 20–100 short memos with near-miss distractors;
- aggregate: hundreds of short items whose labels must be inferred, then counted (OOLONG-style;
  scored 0.75^|error|);
- rank: the same kind of items, ranked: which label is the most common (scored exactly);
- topics and pairs (`collection`): items worded anew each time, four labels; a count of one
  label, and a count of the pairs of items that share a label.
"""

from __future__ import annotations

import random

from rlm_desktop.bench.accuracy.collection import pairs, topics
from rlm_desktop.bench.accuracy.prose import paragraph, prose
from rlm_desktop.bench.accuracy.task import Task
from rlm_desktop.documents.model import Document

__all__ = ["FAMILIES", "Task", "suite"]

PLACES = ["Juniper", "Harbour", "Meridian", "Falcon", "Granite", "Willow", "Copper", "Saffron"]
BIRDS = [
    "Cormorant",
    "Heron",
    "Kestrel",
    "Plover",
    "Sandpiper",
    "Osprey",
    "Lapwing",
    "Curlew",
    "Merlin",
    "Avocet",
    "Dunlin",
    "Gannet",
    "Puffin",
    "Shrike",
    "Warbler",
    "Wren",
]


def _code(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    first, second = rng.choice(letters), rng.choice(letters)
    return f"{first}{rng.randint(100, 999)}-{second}{rng.randint(10, 99)}"


def _split(lines: list[str], parts: int) -> list[str]:
    """Cut the lines into `parts` documents of about equal size, never inside a line."""
    size = -(-len(lines) // parts)
    return ["\n".join(lines[i : i + size]) for i in range(0, len(lines), size)]


def needle(chars: int, seed: int) -> Task:
    rng = random.Random(f"needle-{chars}-{seed}")
    place, code = rng.choice(PLACES), _code(rng)
    fact = f"The access code for the {place} vault is {code}."
    body = prose(rng, chars - len(fact) - 2)
    lines = body.split("\n")
    at = rng.randint(len(lines) // 10, max(len(lines) // 10, len(lines) - 1))
    lines.insert(at, fact)
    parts = _split(lines, rng.randint(1, 4))
    docs = [Document(name=f"notes-{i + 1}.txt", text=p) for i, p in enumerate(parts)]
    label = f"{chars // 1000}k"
    question = f"What is the access code for the {place} vault?"
    return Task("needle", label, chars, question, code, docs, seed=seed, gold=fact)


def _near_misses(name: str) -> list[str]:
    return [name[:-1], name + "s", name[0] + name[2:], "Great " + name]


def lookup(count: int, seed: int) -> Task:
    rng = random.Random(f"lookup-{count}-{seed}")
    target = rng.choice(BIRDS)
    others = [b for b in BIRDS if b != target]
    names = _near_misses(target) + [rng.choice(others) + f" {i}" for i in range(count)]
    names = names[: count - 1]
    key = _code(rng)
    memos = [(f"Project {target}", key)]
    memos += [(f"Project {n}", _code(rng)) for n in names]
    rng.shuffle(memos)
    docs = []
    for i, (project, k) in enumerate(memos):
        text = (
            f"Memo {i + 1}: status of {project}.\n{paragraph(rng, (2, 4))}\n"
            f"{project}'s archive key is {k}.\n{paragraph(rng, (1, 3))}"
        )
        docs.append(Document(name=f"memo-{i + 1:03d}.txt", text=text))
    question = f"What is the archive key of Project {target}?"
    chars = sum(len(d.text) for d in docs)
    gold = f"Project {target}'s archive key is {key}."
    return Task("lookup", f"{count} docs", chars, question, key, docs, seed=seed, gold=gold)


COMPLAINTS: dict[str, list[str]] = {
    "delivery": [
        "The parcel turned up two weeks after the promised date.",
        "My order sat in a depot for ten days before anyone moved it.",
        "The courier left the box in the rain and never rang the bell.",
        "Tracking said delivered, but nothing arrived until Friday.",
    ],
    "quality": [
        "The handle snapped off the first time I used it.",
        "After one wash the colours ran and the seams came apart.",
        "The screen flickers whenever the room gets warm.",
        "It smelled of burnt plastic straight out of the box.",
    ],
    "praise": [
        "Lovely product, exactly as pictured, would buy again.",
        "Works perfectly and the instructions were clear.",
        "Great value; my whole family uses it every day.",
        "Five stars, it exceeded what I hoped for.",
    ],
}


def aggregate(items: int, seed: int) -> Task:
    rng = random.Random(f"aggregate-{items}-{seed}")
    labels = [rng.choice(list(COMPLAINTS)) for _ in range(items)]
    lines = [f"Review {i + 1}: {rng.choice(COMPLAINTS[label])}" for i, label in enumerate(labels)]
    doc = Document(name="reviews.txt", text="\n".join(lines))
    question = (
        "How many of the reviews complain about late or failed delivery? Reply with a number."
    )
    answer = str(labels.count("delivery"))
    return Task(
        "aggregate", f"{items} items", len(doc.text), question, answer, [doc], "count", seed
    )


def rank(items: int, seed: int) -> Task:
    rng = random.Random(f"rank-{items}-{seed}")
    kinds = list(COMPLAINTS)
    winner = kinds.pop((seed + items // 100) % len(COMPLAINTS))  # varies: guessing one fails
    rng.shuffle(kinds)
    kinds.insert(0, winner)
    weights = (0.5, 0.3, 0.2)  # a clear winner, so the answer is never a tie
    labels = rng.choices(kinds, weights=weights, k=items)
    while sorted(map(labels.count, kinds))[-1] == sorted(map(labels.count, kinds))[-2]:
        labels[rng.randrange(items)] = kinds[0]
    lines = [f"Review {i + 1}: {rng.choice(COMPLAINTS[label])}" for i, label in enumerate(labels)]
    doc = Document(name="reviews.txt", text="\n".join(lines))
    question = (
        "Which kind of review is the most common: delivery complaints, quality complaints or "
        "praise? Reply with one word: delivery, quality or praise."
    )
    answer = max(kinds, key=labels.count)
    size, chars = f"{items} items", len(doc.text)
    return Task("rank", size, chars, question, answer, [doc], "choice", seed, tuple(kinds))


FAMILIES = ("needle", "lookup", "aggregate", "rank", "topics", "pairs")


def suite(quick: bool, families: set[str] | None = None, seeds: int = 2) -> list[Task]:
    """The tasks of a run: the quick subset (one seed, smaller sizes) or the full suite."""
    wanted = families or set(FAMILIES)
    if quick:
        plan = {
            "needle": [lambda s: needle(8_000, s), lambda s: needle(128_000, s)],
            "lookup": [lambda s: lookup(20, s)],
            "aggregate": [lambda s: aggregate(100, s)],
            "rank": [lambda s: rank(100, s)],
            "topics": [lambda s: topics(60, s)],
            "pairs": [lambda s: pairs(12, s)],
        }
        seeds = 1
    else:
        plan = {
            "needle": [lambda s, n=n: needle(n, s) for n in (8_000, 32_000, 128_000, 512_000)],
            "lookup": [lambda s, n=n: lookup(n, s) for n in (20, 100)],
            "aggregate": [lambda s, n=n: aggregate(n, s) for n in (100, 300)],
            "rank": [lambda s, n=n: rank(n, s) for n in (100, 300)],
            "topics": [lambda s, n=n: topics(n, s) for n in (100, 300)],
            "pairs": [lambda s, n=n: pairs(n, s) for n in (20, 60)],
        }
    return [
        make(seed) for fam in plan if fam in wanted for make in plan[fam] for seed in range(seeds)
    ]
