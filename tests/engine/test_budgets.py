"""Every budget: when one runs out the engine asks once for the best answer (status budget)."""

from replay_run import look, replay

from rlm_desktop.engine.events import SubcallFinished, SubcallStarted


def test_max_iterations_asks_once_for_the_best_answer() -> None:
    run = replay([look(), look(), "FINAL(42)"], max_iterations=2)
    assert (run.result.status, run.result.answer) == ("budget", "42")
    assert run.backend.calls == 3
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


def test_a_good_turn_resets_the_error_count() -> None:
    responses = [look("1/0"), look("x = 1"), look("1/0"), "FINAL(42)"]
    run = replay(responses, max_consecutive_errors=2)
    assert (run.result.status, run.result.answer) == ("ok", "42")


def test_wall_time_budget() -> None:
    slow = look("import time\ntime.sleep(0.3)")
    run = replay([slow, slow, "FINAL(late)", "FINAL(never used)"], max_seconds=0.5)
    assert (run.result.status, run.result.answer) == ("budget", "late")
    assert "time limit (0.5 s)" in run.prompt_of_call(run.backend.calls - 1)


def test_total_token_budget() -> None:
    run = replay([look(), look(), look(), "FINAL(42)"], max_total_tokens=900)
    assert run.result.status == "budget"
    assert "token limit (900 tokens)" in run.prompt_of_call(run.backend.calls - 1)
    assert run.backend.calls < 4 or run.result.answer == "42"


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
