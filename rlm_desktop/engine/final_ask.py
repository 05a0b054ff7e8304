"""The budget path of one RLM: a budget ran out (turns, time, tokens, failed turns in a row),
so the model is asked once for its best answer, under the FINAL-only grammar. An answer
copied from the prompt is refused and asked for once more; a second copy gives no answer
(never a false one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rlm_desktop.engine import grammar, prompts
from rlm_desktop.engine.events import FinalAnswer, IterationStarted
from rlm_desktop.engine.protocol import extract_code_blocks, find_final
from rlm_desktop.engine.shared import RunOutcome
from rlm_desktop.engine.status import Status

if TYPE_CHECKING:  # annotations only: the loop calls in here
    from rlm_desktop.engine.loop import RlmRun


def ask_final(run: RlmRun, reason: str, iterations: int) -> RunOutcome:
    """Ask `run`'s model for its best answer because of `reason`, after `iterations` turns."""
    request = prompts.final_request(reason, run.question)
    outcome = _ask_once(run, reason, iterations, request)
    if outcome.answer and run.echo.copied(outcome.answer):
        run.copies += 1
        if run.copies == 1:
            again = prompts.copied_answer_message(0, 0, None) + "\n" + request
            outcome = _ask_once(run, reason, outcome.iterations, again)
        if outcome.answer and run.echo.copied(outcome.answer):
            outcome = RunOutcome("", Status.BUDGET, outcome.iterations, prompts.NO_ANSWER_NOTE)
    run.shared.emit(
        FinalAnswer(run.node_id, run.parent_id, answer=outcome.answer, status=Status.BUDGET)
    )
    return outcome


def _ask_once(run: RlmRun, reason: str, iterations: int, request: str) -> RunOutcome:
    shared = run.shared
    node = shared.new_id()
    shared.iterations += 1
    shared.emit(IterationStarted(node, run.node_id, index=iterations, depth=run.depth))
    run.conversation.add_user(request)
    completion = run.generate(node, shared.config.final_max_tokens, grammar.FINAL_ONLY)
    _, prose = extract_code_blocks(completion.text)
    found = find_final(prose)
    answer = found.value if found and found.kind == "text" else prose.strip()
    if found is None and prose.lstrip().startswith("FINAL"):
        answer = ""  # only a placeholder such as FINAL(...): no answer
    if found and found.kind == "var":
        serve = run.subcalls.for_cell(node, run.sandbox.subcall_seconds)
        ok, value, _ = run.sandbox.get_var(found.value, shared.cancel, serve)
        answer = value if ok else found.value
    run.finished(node, completion, f"Budget: {reason}.")
    return RunOutcome(answer, Status.BUDGET, iterations + 1)  # ask_final says it
