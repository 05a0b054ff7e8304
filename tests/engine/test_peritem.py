"""The per-item helpers on recorded answers (real engine, real sandbox process): answers are
only ever allowed values (anything else becomes "unknown" on a backend without grammar),
repeated items are asked once, a second ask is served from the run's cache, and both are
counted in the run's statistics (`ask --json` fields, the `RunFinished` event)."""

from __future__ import annotations

import pytest

from rlm_desktop.engine import grammar, plan
from rlm_desktop.engine.constrained import grammar_for, normalise
from rlm_desktop.engine.events import RunFinished, SubcallStarted
from rlm_desktop.sandbox.messages import BadRequest, Constraint, RequestLimits, parse_request
from tests.engine.replay_run import look, replay

ITEMS = '["Review 1: It came late.", "Review 2: It came late.", "Review 3: It broke.", "ok"]'
LABELS = '["delivery", "quality", "praise"]'


def test_answers_are_normalised_deduplicated_cached_and_counted() -> None:
    code = (
        f"xs = {ITEMS}\n"
        f"print(classify(xs, {LABELS}))\n"
        f"print(classify(xs, {LABELS}))\n"
        'print(ask_yes_no(xs[:1], "Late?"), ask_number(xs[2:], "How many?"))'
    )
    leaf = ["Delivery.", "I think it is about quality", "bananas", "Yes, it was", "none", "12"]
    run = replay([look(code), *leaf, "FINAL(delivery)"], prompt_variant="large")
    out = run.prompt_of_call(len(leaf) + 1)
    line = "['delivery', 'delivery', 'quality', 'unknown']"
    assert out.count(line) == 2, out  # the second classify asked nothing: all cached
    assert "['yes'] [None, 12]" in out
    asked = [e for e in run.events if isinstance(e, SubcallStarted)]
    assert len(asked) == 6  # 3 distinct items, then 1 yes/no and 2 numbers (distinct)
    assert "Item: It came late." in asked[0].prompt  # the ordinal is not part of the item
    stats = run.result.to_json()
    assert (stats["repeats_skipped"], stats["cached_answers"]) == (2, 3)
    assert stats["subcalls"] == 6
    finished = next(e for e in run.events if isinstance(e, RunFinished))
    assert (finished.repeats_skipped, finished.cached_answers) == (2, 3)
    # the host sent each leaf call its grammar (a backend without one gets the check instead)
    grammars = [r.grammar for r in run.backend.requests[1:7]]
    choice = grammar_for(Constraint("choice", ("delivery", "quality", "praise")))
    number = grammar_for(Constraint("number"))
    assert grammars == [choice] * 3 + [grammar_for(Constraint("yes_no")), number, number]


def test_extract_keeps_only_spans_of_the_item_and_tally_counts() -> None:
    code = (
        'xs = ["The key is K-7.", "Nothing here."]\n'
        'print(extract(xs, "What is the key?"))\n'
        'print(tally(["b", "a", "b", "unknown"]), count_pairs(["a", "a", "a", "b", "unknown"]))'
    )
    run = replay([look(code), "K-7", "Z-99", "FINAL(K-7)"], prompt_variant="large")
    out = run.prompt_of_call(3)
    assert "['K-7', 'unknown']" in out  # "Z-99" is not in its item
    assert "b: 2\na: 1\nunknown: 1\n4 items in all; the most common: b 3" in out


def test_without_subcalls_the_per_item_helpers_refuse() -> None:
    code = f'print(classify(["x"], {LABELS}))'
    run = replay([look(code), "FINAL(x)"], prompt_variant="large", subcalls=False)
    assert "llm_query is not available in this run" in run.prompt_of_call(1)


@pytest.mark.parametrize(
    ("kind", "choices", "reply", "allowed"),
    [
        ("choice", ("red", "blue"), "  Blue. ", "blue"),
        ("choice", ("red", "blue"), "red or blue", "unknown"),
        ("number", (), "about 1,204 items", "1204"),
        ("number", (), "many", "unknown"),
        ("yes_no", (), "No, it is not.", "no"),
        ("yes_no", (), "maybe", "unknown"),
        ("span", (), "NONE", "unknown"),
    ],
)
def test_normalise_maps_to_an_allowed_value(
    kind: str, choices: tuple[str, ...], reply: str, allowed: str
) -> None:
    assert normalise(Constraint(kind, choices), reply) == allowed


def test_a_bad_constraint_is_refused_before_the_engine_sees_it() -> None:
    limits = RequestLimits()
    base = {"kind": "llm_query", "prompts": ["p"], "labels": [""]}
    for bad in ({"kind": "poem"}, {"kind": "choice", "choices": []}, {"kind": "choice"}, "x"):
        with pytest.raises(BadRequest):
            parse_request({**base, "constraint": bad}, limits)
    ok = parse_request({**base, "constraint": {"kind": "choice", "choices": ["a", " a "]}}, limits)
    assert ok.constraint == Constraint("choice", ("a",))  # type: ignore[union-attr]


QUESTIONS = [
    ("How many of the reviews complain about late delivery?", "plan"),
    ("Which kind of review is the most common: delivery, quality or praise?", "plan"),
    ("List all the members who play chess.", "plan"),
    ("How many pairs of notes are about the same sport: tennis, rowing or chess?", "plan"),
    ("What is the access code for the Harbour vault?", "lookup"),
    ("Who signed the Baker contract?", "lookup"),
    ("When does the Elm Street library open?", "lookup"),
]


@pytest.mark.parametrize(("question", "kind"), QUESTIONS)
def test_the_first_turn_is_a_plan_for_whole_collection_questions(question: str, kind: str) -> None:
    assert plan.first_turn(question, can_plan=True).kind == kind
    assert plan.first_turn(question, can_plan=False).kind == "lookup"


def test_plan_code_prints_an_answer_shaped_result() -> None:
    labels = "classify(items(), ['delivery', 'quality', 'praise'])"
    rank = "Which is the most common: delivery complaints, quality complaints or praise? "
    rank += "Reply with one word: delivery, quality or praise."
    assert plan.plan_code(rank) == f"FINAL(tally({labels}).most_common())"
    count = "How many of the reviews complain about late or failed delivery? Reply with a number."
    assert plan.plan_code(count) == (
        'FINAL(ask_yes_no(items(), "Does this review complain about late or failed '
        'delivery?").count("yes"))'
    )
    topic = "Each is about delivery, quality or praise. How many are about quality problems?"
    assert plan.plan_code(topic) == f"FINAL({labels}.count('quality'))"
    pairs = "How many pairs of notes share a sport: tennis, rowing or chess?"
    sports = "['tennis', 'rowing', 'chess']"
    assert plan.plan_code(pairs) == f"FINAL(count_pairs(classify(items(), {sports})))"


def test_the_small_first_turn_grammar_follows_the_question() -> None:
    how_many = "How many of the lines are about the magic number?"
    small = {"prompt_variant": "small", "grammar": "on"}
    run = replay([look(), "FINAL(1)"], **small)  # "What is the magic number?": a lookup
    assert run.backend.requests[0].grammar == grammar.first_look("What is the magic number?")
    from rlm_desktop.documents.model import Context, Document
    from rlm_desktop.engine.config import EngineConfig
    from rlm_desktop.engine.engine import RlmEngine
    from rlm_desktop.llm.replay import ReplayBackend

    ctx = Context([Document(name="a.txt", text="The magic number is 42.\nOther.")])
    code = plan.plan_code(how_many)
    for subcalls, want in ((True, plan.plan_grammar(code)), (False, grammar.first_look(how_many))):
        backend = ReplayBackend([look(code), "yes", "no", "FINAL(7)"])
        config = EngineConfig(subcalls=subcalls, **small)  # type: ignore[arg-type]
        result = RlmEngine(backend, config).run(how_many, ctx)
        assert backend.requests[0].grammar == want
        if subcalls:  # the plan answers with its count in the first turn (items() looks)
            assert (result.answer, result.iterations, result.subcalls) == ("1", 1, 2)
    off = ReplayBackend([look(), "FINAL(1)"])
    RlmEngine(off, EngineConfig(plan_first=False, **small)).run(how_many, ctx)  # type: ignore[arg-type]
    assert off.requests[0].grammar == grammar.first_look(how_many)
