"""A batch of helper questions that did not run as asked (smaller batches, one at a time) says
so: in the selected sub-call's details in the side pane, and once per batch in `ask -v`."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from rlm_desktop.engine import events as ev
from rlm_desktop.engine.narrate import narrate
from rlm_desktop.engine.tree import RunTree
from rlm_desktop.ui.node_details import NodeDetails

NOTE = "decoded in 2 smaller batches: 900 tokens of prompts and replies do not fit the 512"


def batch_tree() -> tuple[RunTree, list[str | None]]:
    tree = RunTree()
    lines: list[str | None] = []
    stream: list[ev.Event] = [
        ev.RunStarted("n1", None, question="How many?"),
        ev.IterationStarted("n2", "n1", index=0),
        ev.CellStarted("n3", "n2", code="llm_query_batched(['a', 'b'])"),
        ev.SubcallStarted("n4", "n3", kind="llm_query", prompt="a", batch_size=2),
        ev.SubcallStarted("n5", "n3", kind="llm_query", prompt="b", batch_index=1, batch_size=2),
        ev.SubcallFinished("n5", "n3", result="B", note=NOTE, completion_tokens=3),
        ev.SubcallFinished("n4", "n3", result="A", note=NOTE, completion_tokens=2),
    ]
    for event in stream:
        tree.apply(event)
        if isinstance(event, ev.SubcallFinished):
            lines.append(narrate(event, tree))
    return tree, lines


def test_the_note_is_narrated_once_per_batch() -> None:
    _tree, lines = batch_tree()
    assert lines == [f"Helper questions: {NOTE}.", None]


def test_the_side_pane_shows_the_note_of_a_sub_call(qtbot: QtBot) -> None:
    tree, _lines = batch_tree()
    details = NodeDetails()
    qtbot.addWidget(details)
    details.show_node(tree.nodes["n5"])
    assert NOTE in details.header.text()
    assert NOTE in details.words.toPlainText() and "Reply:\nB" in details.words.toPlainText()
    assert tree.to_dict()["children"][0]["children"][0]["children"][1]["note"] == NOTE
