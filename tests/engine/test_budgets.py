"""Every budget: when one runs out the engine asks once for the best answer (status budget)."""

from replay_run import Replayed, look, replay

from rlm_desktop.engine.events import FinalAnswer, SubcallFinished, SubcallStarted

FINAL_REQUEST = "Reply now with one line FINAL(...)"


def final_requests(run: Replayed) -> int:
    """How many model calls were the engine's request for the best answer."""
    return sum(FINAL_REQUEST in r.messages[-1]["content"] for r in run.backend.requests)


def test_max_iterations_asks_once_for_the_best_answer() -> None:
    run = replay([look(), look(), "FINAL(42)"], max_iterations=2)
    assert (run.result.status, run.result.answer) == ("budget", "42")
    assert (run.backend.calls, final_requests(run)) == (3, 1)
    last = run.prompt_of_call(2)
    assert "turn limit (2 turns)" in last and "one line FINAL(...)" in last
    assert "Turn 3 of 2" not in last


def test_best_answer_without_final_uses_the_reply_text() -> None:
    run = replay([look(), "It is probably 42."], max_iterations=1)
    assert (run.result.status, run.result.answer) == ("budget", "It is probably 42.")


def test_consecutive_errors() -> None:
    responses = [look("1/0"), look("1/0"), "FINAL(gave up)"]
    run = replay(responses, max_consecutive_errors=2)
    assert (run.result.status, run.result.answer) == ("budget", "gave up")
    assert "2 failed turns in a row" in run.prompt_of_call(2)
    assert (run.backend.calls, final_requests(run)) == (3, 1)


def test_turns_without_code_or_final_count_as_failed_turns() -> None:
    responses = ["Hmm.", "Let me think.", "Still thinking.", "FINAL(unsure)"]
    run = replay(responses, max_consecutive_errors=3)
    assert (run.result.status, run.result.answer) == ("budget", "unsure")
    assert (run.backend.calls, final_requests(run)) == (4, 1)


def test_a_good_turn_resets_the_error_count() -> None:
    responses = [look("1/0"), look("x = 1"), look("1/0"), "FINAL(42)"]
    run = replay(responses, max_consecutive_errors=2)
    assert (run.result.status, run.result.answer) == ("ok", "42")


def test_wall_time_budget() -> None:
    """The first turn must end inside the 2 s budget (sandbox start and a quick cell: about
    0.2 s on an idle 2-core machine, 10x margin for a loaded one); the second turn's cell
    sleeps past it whatever the start-up took."""
    quick, slow = look("x = 1"), look("import time\ntime.sleep(2.0)")
    run = replay([quick, slow, "FINAL(late)", "FINAL(never used)"], max_seconds=2.0)
    assert (run.result.status, run.result.answer) == ("budget", "late")
    assert "time limit (2 s)" in run.prompt_of_call(run.backend.calls - 1)
    assert (run.backend.calls, final_requests(run)) == (3, 1)


def test_total_token_budget() -> None:
    run = replay([look(), "FINAL(42)", "FINAL(never used)"], max_total_tokens=1)
    assert (run.result.status, run.result.answer) == ("budget", "42")
    assert "token limit (1 tokens)" in run.prompt_of_call(1)
    assert (run.backend.calls, final_requests(run)) == (2, 1)
    finals = [e for e in run.events if isinstance(e, FinalAnswer)]
    assert [(e.answer, e.status) for e in finals] == [("42", "budget")]


def test_a_spent_budget_stops_the_sub_calls_of_a_running_cell() -> None:
    """The first turn must start inside the 2 s budget (sandbox start: about 0.2 s on an idle
    2-core machine, 10x margin for a loaded one); its cell sleeps past it."""
    code = "import time\ntime.sleep(2.2)\nprint(llm_query_batched(['a?', 'b?', 'c?']))"
    run = replay([look(code), "FINAL(best so far)", "unused", "unused"], max_seconds=2.0)
    assert (run.result.status, run.result.answer) == ("budget", "best so far")
    assert run.result.subcalls == 0 and run.backend.calls == 2
    fed_back = run.prompt_of_call(1)
    assert "llm_query refused: the run has reached the time limit (2 s)" in fed_back
    assert FINAL_REQUEST in fed_back


def test_a_child_rlm_out_of_turns_answers_its_best_and_the_parent_goes_on() -> None:
    responses = [
        look("print(rlm_query('Which number?', context))"),
        look("print(1)"),
        look("print(2)"),
        "FINAL(child's best: 42)",
        "FINAL(42)",
    ]
    run = replay(responses, max_iterations=2)
    assert (run.result.status, run.result.answer) == ("ok", "42")
    assert final_requests(run) == 1 and "turn limit (2 turns)" in run.prompt_of_call(3)
    child = next(e for e in run.events if isinstance(e, SubcallFinished))
    assert (child.status, child.result) == ("budget", "child's best: 42")
    assert "child's best: 42" in run.prompt_of_call(4)
    node = next(n for n in run.result.tree.walk() if n.kind == "subcall")
    assert node.status == "budget"


def test_max_depth_degrades_rlm_query_to_a_plain_call() -> None:
    code = "print(rlm_query('What is the number?', 'The number is 5.'))"
    run = replay([look(code), "plain reply: 5", "FINAL(5)"], max_depth=0)
    assert run.result.answer == "5"
    started = [e for e in run.events if isinstance(e, SubcallStarted)]
    finished = [e for e in run.events if isinstance(e, SubcallFinished)]
    assert [e.kind for e in started] == ["rlm_query"]
    assert "depth limit" in finished[0].note
    # a plain call: the model saw the question and the sub-context in one user message
    leaf = run.backend.requests[1].messages
    assert len(leaf) == 1 and "The number is 5." in leaf[0]["content"]
