"""`bench accuracy`'s citation figures: recall of the gold passage on right answers, and false
verification (a verified span that does not hold its quote), on replayed runs."""

from __future__ import annotations

from rlm_desktop.bench.accuracy.citing import citation_figures, span_holds_quote
from rlm_desktop.bench.accuracy.methods import run_rlm
from rlm_desktop.bench.accuracy.tasks import lookup, needle
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.llm.replay import ReplayBackend


def test_a_right_answer_cites_the_gold_passage_and_nothing_is_falsely_verified() -> None:
    task = needle(8_000, 0)
    place = task.question.removeprefix("What is the access code for the ").split()[0]
    turns = [f"```repl\nprint(grep('{place} vault access code'))\n```", f"FINAL({task.answer})"]
    outcome = run_rlm(task, ReplayBackend(turns), EngineConfig(max_iterations=4), subcalls=True)
    assert outcome.score == 1.0 and outcome.answer_verified
    wrong_task = lookup(20, 0)
    wrong = run_rlm(
        wrong_task,
        ReplayBackend(["```repl\nprint(grep('archive key'))\n```", "FINAL(Q123-Z45)"]),
        EngineConfig(max_iterations=4),
        subcalls=True,
    )
    assert wrong.score == 0.0 and not wrong.answer_verified
    figures = citation_figures([outcome, wrong])["rlm"]
    assert figures["citation_recall"] == 1.0 and figures["right_answers"] == 1
    assert figures["false_verifications"] == 0 and figures["verified_citations"] >= 1
    assert (figures["wrong_answers"], figures["wrong_marked_verified"]) == (1, 0)


def test_a_span_that_does_not_hold_its_quote_counts_as_false() -> None:
    task = needle(8_000, 0)
    doc = next(d for d in task.documents if task.gold in d.text)
    at = doc.text.index(task.gold)
    right = {"document": doc.name, "start": at, "end": at + len(task.gold), "quote": task.gold}
    assert span_holds_quote(task, right)
    shifted = dict(right, start=at + 40, end=at + 40 + len(task.gold))
    assert not span_holds_quote(task, shifted)
