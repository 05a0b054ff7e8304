"""Citation figures of an accuracy run, on the families with one gold passage (needle,
lookup):

- citation recall: of the right answers, the share whose verified citations include the gold
  passage (a span overlapping it);
- false verification: citations marked verified whose span does not hold their quote
  (re-checked here on the span alone: normalised containment, or the fuzzy rule); must be 0;
- how often right and wrong answers were marked verified.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz

from rlm_desktop.bench.accuracy.methods import Outcome
from rlm_desktop.bench.accuracy.tasks import Task
from rlm_desktop.verify.facts import FactText, key_facts
from rlm_desktop.verify.locate import FUZZY_THRESHOLD
from rlm_desktop.verify.normalise import normalise

CITED_FAMILIES = ("needle", "lookup")


def gold_span(task: Task) -> tuple[str, int, int] | None:
    for doc in task.documents:
        at = doc.text.find(task.gold)
        if task.gold and at != -1:
            return doc.name, at, at + len(task.gold)
    return None


def span_holds_quote(task: Task, citation: dict[str, Any]) -> bool:
    """Whether the citation's span really holds the words it was verified for."""
    doc = next((d for d in task.documents if d.name == citation.get("document")), None)
    start, end = citation.get("start"), citation.get("end")
    if doc is None or start is None or end is None:
        return False
    span = doc.text[start:end]
    words = citation.get("cited") or citation.get("quote") or ""
    have, want = normalise(span).text, normalise(words).text
    if want and want in have:
        return True
    numbers = [f for f in key_facts(words) if f.kind == "number"]
    text = FactText(span)
    return fuzz.ratio(want, have) >= FUZZY_THRESHOLD and all(text.has(f) for f in numbers)


def _has_gold(task: Task, citations: list[dict[str, Any]]) -> bool:
    gold = gold_span(task)
    if gold is None:
        return False
    name, lo, hi = gold
    return any(
        c.get("verified")
        and c.get("document") == name
        and c.get("start") is not None
        and c["start"] < hi
        and c["end"] > lo
        for c in citations
    )


def citation_figures(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for method in ("rlm", "rlm_nosub"):
        runs = [o for o in outcomes if o.method == method and o.task.family in CITED_FAMILIES]
        if not runs:
            continue
        right = [o for o in runs if o.score >= 1.0]
        wrong = [o for o in runs if o.score < 1.0 and o.answer.strip()]
        verified = [(o.task, c) for o in runs for c in o.citations if c.get("verified")]
        false = sum(not span_holds_quote(task, c) for task, c in verified)
        figures[method] = {
            "runs": len(runs),
            "right_answers": len(right),
            "citation_recall": round(
                sum(_has_gold(o.task, o.citations) for o in right) / len(right), 3
            )
            if right
            else 0.0,
            "verified_citations": len(verified),
            "false_verifications": false,
            "right_marked_verified": sum(o.answer_verified for o in right),
            "wrong_answers": len(wrong),
            "wrong_marked_verified": sum(o.answer_verified for o in wrong),
        }
    return figures
