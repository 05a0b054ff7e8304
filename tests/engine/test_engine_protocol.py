"""The RLM loop's protocol with the replay backend and the real sandbox worker."""

from replay_run import look, replay

from rlm_desktop.engine.events import CellFinished


def test_final_as_text_after_looking() -> None:
    run = replay([look(), "FINAL(42)"])
    assert (run.result.status, run.result.answer, run.result.iterations) == ("ok", "42", 2)
    assert "a.txt, line 2:\nThe magic number is 42." in run.prompt_of_call(1)


def test_final_as_a_repl_function() -> None:
    code = "n = context.split('magic number is ')[1][:2]\nFINAL(f'The number is {n}')"
    run = replay([look(code)])
    assert (run.result.status, run.result.answer) == ("ok", "The number is 42")


def test_final_function_in_the_first_turn_without_looking_is_ignored() -> None:
    run = replay([look("n = 6 * 7\nFINAL(n)\nprint('after')"), look(), "FINAL(42)"])
    assert (run.result.status, run.result.answer, run.result.iterations) == ("ok", "42", 3)
    fed_back = run.prompt_of_call(1)
    assert "Your answer was ignored: you have not looked at the documents" in fed_back
    assert "after" in fed_back  # the cell ran to its end and its output is shown


def test_final_function_after_a_first_look_is_accepted_without_reading_again() -> None:
    run = replay([look(), look("FINAL(6 * 7)")])
    assert (run.result.status, run.result.answer) == ("ok", "42")


def test_final_var_of_an_existing_variable() -> None:
    run = replay([look("magic = 40 + 2"), "FINAL_VAR(magic)"])
    assert (run.result.status, run.result.answer) == ("ok", "42")


def test_final_var_in_the_same_turn_as_the_code_that_sets_it() -> None:
    run = replay(
        ["```repl\nmagic = 42 if 'magic number is 42' in context else 0\n```\nFINAL_VAR(magic)"]
    )
    assert (run.result.status, run.result.answer) == ("ok", "42")


def test_final_var_in_the_first_turn_without_looking_is_ignored() -> None:
    run = replay(["```repl\nmagic = 7\n```\nFINAL_VAR(magic)", look(), "FINAL_VAR(magic)"])
    assert (run.result.answer, run.result.iterations) == ("7", 3)
    assert "you have not looked at the documents" in run.prompt_of_call(1)


def test_final_var_of_a_missing_variable_is_fed_back_and_recovered() -> None:
    run = replay([look("magic = 42"), "FINAL_VAR(magik)", "FINAL_VAR(magic)"])
    assert (run.result.status, run.result.answer) == ("ok", "42")
    fed_back = run.prompt_of_call(2)
    assert "no variable named 'magik'" in fed_back and "magic" in fed_back


def test_final_var_function_with_missing_variable_raises_in_the_cell() -> None:
    run = replay([look("FINAL_VAR('nope')"), "FINAL(done)"])
    assert run.result.answer == "done"
    assert "NameError: FINAL_VAR: no variable named 'nope'" in run.prompt_of_call(1)


def test_final_in_prose_does_not_end_the_run() -> None:
    run = replay([look(), "I will then call FINAL(answer) once I have checked b.txt.", "FINAL(42)"])
    assert (run.result.answer, run.result.iterations) == ("42", 3)
    assert "neither a ```repl block nor a FINAL" in run.prompt_of_call(2)


def test_turn_zero_may_not_answer_before_looking() -> None:
    run = replay(["FINAL(7)", look(), "FINAL(42)"])
    assert (run.result.answer, run.result.iterations) == ("42", 3)
    assert "you have not looked at the documents" in run.prompt_of_call(1)


def test_text_final_written_alongside_code_is_ignored_until_output_is_seen() -> None:
    run = replay([look() + "\nFINAL(7)", "FINAL(42)"])
    assert run.result.answer == "42"
    assert "Your FINAL line was ignored" in run.prompt_of_call(1)


def test_code_error_is_fed_back_and_the_run_recovers() -> None:
    run = replay([look("print(undefined_name)"), look("print(len(context))"), "FINAL(ok)"])
    assert run.result.status == "ok"
    assert "NameError: name 'undefined_name' is not defined" in run.prompt_of_call(1)
    errors = [e.error for e in run.events if isinstance(e, CellFinished)]
    assert errors[0].startswith("NameError") and errors[1] is None


def test_turn_counter_in_every_user_turn() -> None:
    run = replay([look(), look(), "FINAL(42)"], max_iterations=5)
    assert "Turn 1 of 5." in run.backend.requests[0].messages[-1]["content"]
    assert "Turn 2 of 5." in run.prompt_of_call(1)
    assert "Turn 3 of 5." in run.prompt_of_call(2)


def test_last_expression_is_printed_when_nothing_was_printed() -> None:
    run = replay([look("x = 20\nx * 2 + 2"), look("print('hi')\n5"), "FINAL(42)"])
    assert "```\n42\n```" in run.prompt_of_call(1)
    second = run.prompt_of_call(2)
    assert "hi" in second and "5" not in second.split("```")[1]


def test_long_output_fed_back_is_truncated_with_a_notice() -> None:
    run = replay([look("print('x' * 50_000)"), "FINAL(done)"], feedback_chars=1000)
    fed_back = run.prompt_of_call(1)
    assert "characters truncated" in fed_back
    assert len(fed_back) < 2000


def test_cell_output_beyond_the_worker_cap_is_cut_with_a_notice() -> None:
    run = replay([look("print('y' * 5000)"), "FINAL(done)"], cell_output_chars=1000)
    cell = next(e for e in run.events if isinstance(e, CellFinished))
    assert cell.output.startswith("y" * 1000)
    assert "output truncated" in cell.output and "limit is 1,000" in cell.output


def test_documents_and_context_in_the_repl() -> None:
    code = "print(len(documents), documents[1].name, documents[0]['kind'])\nprint(context[:40])"
    run = replay([look(code), "FINAL(ok)"])
    out = run.prompt_of_call(1)
    assert "2 b.txt text" in out
    assert "===== DOCUMENT 1 of 2: a.txt =====" in out


def test_system_prompt_describes_the_documents_not_their_text() -> None:
    run = replay([look(), "FINAL(42)"])
    system = run.backend.requests[0].messages[0]["content"]
    assert "2 documents" in system and "a.txt" in system and "b.txt" in system
    assert "The magic number is 42" not in system


def test_running_out_of_replay_responses_is_a_clear_error() -> None:
    run = replay([look()])
    assert run.result.status == "error"
    assert "ran out of recorded responses" in (run.result.error or "")
