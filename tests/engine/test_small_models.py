"""What makes small models follow the protocol: the small prompt, the grammar per turn, the
question repeated after each output, and a stuck model (re-running its code) asked to answer."""

from replay_run import look, replay

from rlm_desktop.engine import grammar
from rlm_desktop.engine.config import HelperChoice

SMALL = {"prompt_variant": "small", "grammar": "on"}


def test_small_prompt_is_short_with_worked_examples() -> None:
    run = replay([look(), "FINAL(42)"], **SMALL)
    system = run.backend.requests[0].messages[0]["content"]
    assert "Example 1:" in system and "Example 2:" in system
    assert len(system) < 2000
    assert 'grep("some words")' in system


def test_examples_and_helpers_can_be_left_out_of_the_prompt() -> None:
    run = replay(
        [look("print(context[:10])"), "FINAL(x)"], examples=0, helpers=HelperChoice.none(), **SMALL
    )
    system = run.backend.requests[0].messages[0]["content"]
    assert "Example" not in system and "grep(" not in system and "map_query" not in system
    assert "print(context[:1000])" in system


def test_first_turn_greps_words_of_the_question_then_code_or_final() -> None:
    run = replay([look(), "FINAL(42)"], **SMALL)
    first = run.backend.requests[0].grammar or ""
    assert '"magic" | "number"' in first and "grep(" in first and "print(" not in first
    assert run.backend.requests[1].grammar == grammar.TURN


def test_first_turn_without_helpers_is_any_code_block() -> None:
    run = replay([look("print(context[:10])"), "FINAL(42)"], helpers=HelperChoice.none(), **SMALL)
    assert run.backend.requests[0].grammar == grammar.CODE_ONLY


def test_large_models_get_no_grammar_by_default() -> None:
    run = replay([look(), "FINAL(42)"])
    assert all(r.grammar is None for r in run.backend.requests)


def test_feedback_repeats_the_question_for_small_models() -> None:
    run = replay([look(), "FINAL(42)"], max_iterations=4, **SMALL)
    tail = run.prompt_of_call(1)
    assert tail.endswith("Turn 2 of 4. Question: What is the magic number?\nAnswer:")


def test_a_small_model_rerunning_its_code_is_asked_for_the_answer() -> None:
    same = look()
    run = replay([same, same, "FINAL(42)"], **SMALL)
    assert (run.result.status, run.result.answer, run.result.iterations) == ("ok", "42", 2)
    assert run.backend.requests[2].grammar == grammar.FINAL_ONLY
    cells = [n for n in run.result.tree.walk() if n.kind == "cell"]
    assert len(cells) == 1  # the repeated code was not run again


def test_grep_shows_one_line_for_small_models_unless_asked() -> None:
    text = "\n".join(f"line {i} mentions the harbour" for i in range(30))
    from rlm_desktop.documents.model import Context, Document

    ctx = Context([Document(name="h.txt", text=text)])
    code = "print(len(grep('harbour')), len(grep('harbour', max_results=12)))"
    run = replay([look(code), "FINAL(x)"], context=ctx, **SMALL)
    assert "1 12" in run.prompt_of_call(1)
    run = replay([look(code), "FINAL(x)"], context=ctx)
    assert "20 12" in run.prompt_of_call(1)


def test_a_placeholder_answer_to_the_final_request_is_no_answer() -> None:
    run = replay([look(), "FINAL(your best answer)"], max_iterations=1, **SMALL)
    assert (run.result.status, run.result.answer) == ("budget", "")
