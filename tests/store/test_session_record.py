"""The record of earlier questions a follow-up's prompt starts with, and what a REPL restart
(documents added) keeps."""

from __future__ import annotations

from store_helpers import DOCS, look

from rlm_desktop.documents.model import Document
from rlm_desktop.engine.session import ConversationSession, EarlierTurn, Variable, earlier_record
from rlm_desktop.llm.replay import ReplayBackend


def test_the_record_keeps_the_latest_questions_within_its_budget() -> None:
    turns = [EarlierTurn(f"Question number {i}?", "An answer " * 30, "ok") for i in range(40)]
    text = earlier_record(turns, [Variable("rows", "list", "[1]")], [], [], DOCS, 2000)
    assert len(text) < 2600
    assert "Question number 39?" in text and "Question number 0?" not in text
    assert "older questions left out" in text and "Variables in the REPL: rows." in text


def test_plain_values_survive_documents_added_and_functions_are_named_as_gone() -> None:
    backend = ReplayBackend(
        [
            look("rows = [1, 2, 3]\nlabel = 'birds'\ndef double(x):\n    return 2 * x\nprint(1)"),
            "FINAL(ok)",
            look("print(rows, label, len(documents))"),
            "FINAL(done)",
        ]
    )
    with ConversationSession(backend, None, DOCS) as session:
        session.ask("First?")
        assert {v.name: v.value for v in session.variables} == {
            "rows": "[1, 2, 3]",
            "label": "'birds'",
            "double": None,
        }
        session.add_documents([Document(name="c.txt", text="Third.")])
        result = session.ask("Second?")
    cell = result.tree.to_dict()["children"][0]["children"][0]
    assert cell["output"].strip() == "[1, 2, 3] birds 3"
    prompt = backend.requests[2].messages[1]["content"]
    assert "could not be kept and are gone: double" in prompt
    assert "Variables in the REPL: rows, label." in prompt
