"""`Status`: one enum for runs, nodes and sub-calls, whose JSON words never change."""

import json

from replay_run import look, replay

from rlm_desktop.engine.events import FinalAnswer, RunFinished, SubcallFinished, event_from_json
from rlm_desktop.engine.status import Status


def test_the_json_words_are_the_contract() -> None:
    assert [s.value for s in Status] == [
        "running",
        "ok",
        "done",
        "budget",
        "error",
        "cancelled",
        "interrupted",
    ]
    event = RunFinished("n1", None, status=Status.BUDGET, answer="best")
    text = json.dumps(event.to_json())
    assert '"status": "budget"' in text
    back = event_from_json(json.loads(text))
    assert isinstance(back, RunFinished) and back.status is Status.BUDGET


def test_events_read_from_json_carry_members_not_strings() -> None:
    assert SubcallFinished("n2", "n1", result="x", status="budget").status is Status.BUDGET  # type: ignore[arg-type]
    assert FinalAnswer("n1", None, answer="42").status is Status.OK


def test_a_run_ok_is_a_done_node_and_the_json_tree_says_so() -> None:
    run = replay([look("print(llm_query('a?'))"), "sub answer", "FINAL(42)"])
    assert run.result.status is Status.OK and run.result.to_json()["status"] == "ok"
    tree = run.result.to_json()["tree"]
    assert tree["status"] == "done"
    assert {n.status for n in run.result.tree.walk()} == {Status.DONE}
    assert Status.OK.node_for() is Status.DONE and Status.BUDGET.node_for() is Status.BUDGET
