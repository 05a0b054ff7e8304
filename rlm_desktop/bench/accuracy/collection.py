"""Whole-collection task families whose items are worded anew each time (not a dozen fixed
sentences), generated from a seed:

- topics (OOLONG-like): support messages about one of four topics (billing, delivery, account,
  praise), which must be inferred from the wording; "how many are about T?" (scored
  0.75^|error|, as OOLONG scores numbers);
- pairs (OOLONG-Pairs-like): member notes that each imply one sport (tennis, rowing, chess,
  cycling); "how many pairs of members play the same sport?" (scored by relative error:
  max(0, 1 - |error| / answer), since pair counts run to hundreds).

Each topic (sport) has its own phrase banks, disjoint from the others', so the ground truth
can be re-derived from the text alone (tests/bench/test_accuracy_collection.py does).
"""

from __future__ import annotations

import random

from rlm_desktop.bench.accuracy.task import Task
from rlm_desktop.documents.model import Document

NAMES = ["Ana", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena"]
# topic -> (openings, details, closings): a message is one of each, so wording varies widely.
TOPICS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "billing": (
        ["I was charged twice", "My invoice shows the wrong amount", "You billed my card again"],
        [
            "for the March subscription",
            "although I cancelled the plan",
            "and the receipt lists a fee I never agreed to",
            "after the price went up without notice",
        ],
        ["Please fix the charge.", "I want the money back on my card.", "Send a corrected bill."],
    ),
    "delivery": (
        ["My parcel still has not arrived", "The courier never came", "The package went missing"],
        [
            "although tracking said it was out for the van",
            "and the depot will not answer",
            "two weeks after the promised date",
            "and the box was left at the wrong house",
        ],
        ["Where is my order?", "Please send it again.", "I am tired of waiting at home."],
    ),
    "account": (
        ["I cannot log in", "My password reset email never comes", "The app locked me out"],
        [
            "since the last update",
            "even with the right username",
            "after three wrong codes",
            "and the two-step code expires at once",
        ],
        ["Please unlock my profile.", "How do I get back in?", "I need access today."],
    ),
    "praise": (
        ["Thank you so much", "Brilliant service", "I just wanted to say well done"],
        [
            "the team was kind and quick",
            "everything worked on the first try",
            "your helper on the phone was patient",
            "it is the best shop I have used",
        ],
        ["Keep it up!", "I will tell my friends.", "Five stars from me."],
    ),
}
SPORTS: dict[str, list[str]] = {
    "tennis": [
        "practised serves on the clay court",
        "restrung a racket before the club doubles",
        "lost a tie-break at the net on Sunday",
        "booked the indoor court for a singles match",
    ],
    "rowing": [
        "was out on the river at dawn with the eight",
        "set a new time on the ergometer",
        "carried the scull down to the boathouse",
        "coxed the four through the regatta heats",
    ],
    "chess": [
        "studied endgames with the rook and pawn",
        "won a blitz game with a queen sacrifice",
        "played the Sicilian at the weekend tournament",
        "analysed an opening with the club's board",
    ],
    "cycling": [
        "rode eighty kilometres over the hill pass",
        "fixed a puncture on the road bike",
        "joined the peloton for the Sunday sportive",
        "climbed the col in the lowest gear",
    ],
}


def _message(rng: random.Random, topic: str) -> str:
    openings, details, closings = TOPICS[topic]
    text = f"{rng.choice(openings)} {rng.choice(details)}."
    return text + (f" {rng.choice(closings)}" if rng.random() < 0.7 else "")


def topics(items: int, seed: int) -> Task:
    rng = random.Random(f"topics-{items}-{seed}")
    kinds = list(TOPICS)
    asked = kinds[seed % len(kinds)]
    labels = rng.choices(kinds, weights=(0.35, 0.3, 0.2, 0.15), k=items)
    lines = [
        f"Message {i + 1} from {rng.choice(NAMES)}: {_message(rng, label)}"
        for i, label in enumerate(labels)
    ]
    doc = Document(name="messages.txt", text="\n".join(lines))
    about = {
        "billing": "billing (a wrong or double charge)",
        "delivery": "delivery (a late or lost parcel)",
        "account": "account access (a log-in problem)",
        "praise": "praise (a thank-you)",
    }[asked]
    question = (
        f"Each message is about billing, delivery, account access or praise. How many of the "
        f"messages are about {about}? Reply with a number."
    )
    answer = str(labels.count(asked))
    size, chars = f"{items} items", len(doc.text)
    return Task("topics", size, chars, question, answer, [doc], "count", seed)


def same_pairs(labels: list[str]) -> int:
    """Pairs of items with the same label."""
    return sum(n * (n - 1) // 2 for n in (labels.count(x) for x in set(labels)))


def pairs(items: int, seed: int) -> Task:
    rng = random.Random(f"pairs-{items}-{seed}")
    sports = list(SPORTS)
    labels = [rng.choice(sports) for _ in range(items)]
    lines = [
        f"Note {i + 1}: member {rng.choice(NAMES)} {rng.choice(SPORTS[sport])}."
        for i, sport in enumerate(labels)
    ]
    doc = Document(name="club-notes.txt", text="\n".join(lines))
    question = (
        "Each note is about one member, who plays one sport: tennis, rowing, chess or cycling. "
        "How many pairs of notes are about the same sport? Reply with a number."
    )
    answer = str(same_pairs(labels))
    size, chars = f"{items} items", len(doc.text)
    return Task("pairs", size, chars, question, answer, [doc], "ratio", seed)
