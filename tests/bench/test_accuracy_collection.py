"""The topics and pairs families: their ground truth, re-derived here from the documents' text
alone with keyword rules written independently of the generator, matches the task's answer;
the wording varies (not a dozen fixed sentences); scoring of pair counts is relative."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from rlm_desktop.bench.accuracy.collection import pairs, topics
from rlm_desktop.bench.accuracy.methods import score
from rlm_desktop.bench.accuracy.tasks import FAMILIES, suite

TOPIC_WORDS = {
    "billing": r"charged|invoice|billed",
    "delivery": r"parcel|courier|package",
    "account": r"log in|password|locked me out",
    "praise": r"thank you|brilliant service|well done",
}
SPORT_WORDS = {
    "tennis": r"serves|racket|tie-break|singles",
    "rowing": r"river|ergometer|scull|coxed",
    "chess": r"endgames|blitz|sicilian|opening",
    "cycling": r"kilometres|puncture|peloton|col ",
}


def _label(line: str, words: dict[str, str]) -> str:
    found = [k for k, rx in words.items() if re.search(rx, line.lower())]
    assert len(found) == 1, (line, found)
    return found[0]


@pytest.mark.parametrize(("items", "seed"), [(100, 0), (300, 1), (60, 2), (300, 3)])
def test_topics_ground_truth_from_the_text(items: int, seed: int) -> None:
    task = topics(items, seed)
    lines = task.documents[0].text.split("\n")
    assert len(lines) == items
    counts = Counter(_label(line, TOPIC_WORDS) for line in lines)
    asked = re.search(r"are about (\w+)", task.question)
    assert asked is not None
    assert task.answer == str(counts[asked.group(1)])
    bodies = {line.split(": ", 1)[1] for line in lines}
    assert len(bodies) >= min(items, 100) // 2  # worded anew: many distinct messages
    assert len(set(counts)) == 4


@pytest.mark.parametrize(("items", "seed"), [(20, 0), (60, 1), (40, 5)])
def test_pairs_ground_truth_from_the_text(items: int, seed: int) -> None:
    task = pairs(items, seed)
    lines = task.documents[0].text.split("\n")
    labels = [_label(line, SPORT_WORDS) for line in lines]
    same = sum(
        1 for i in range(len(labels)) for j in range(i + 1, len(labels)) if labels[i] == labels[j]
    )
    assert task.answer == str(same)
    assert score(task, f"There are {same} pairs.") == 1.0
    assert score(task, str(same * 2)) == 0.0 and 0.4 < score(task, str(same // 2)) <= 0.5
    assert score(task, "many") == 0.0


def test_the_new_families_are_in_the_suite() -> None:
    assert {"topics", "pairs"} <= set(FAMILIES)
    quick = {t.family: t.size for t in suite(True, {"topics", "pairs"})}
    assert quick == {"topics": "60 items", "pairs": "12 items"}
    assert {t.size for t in suite(False, {"topics"}, seeds=1)} == {"100 items", "300 items"}
