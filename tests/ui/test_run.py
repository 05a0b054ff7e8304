"""A replay run through the real engine and sandbox fills the side pane's tree with the right
shape and statuses, shows the final answer, the progress line and the run statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.qtbot import QtBot

from rlm_desktop.documents.model import Context
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.store.settings import Budgets, Settings
from rlm_desktop.ui.tree_model import NODE_ID_ROLE, RunTreeModel
from tests.ui.conftest import DEMO, MakeWindow, ask, wait_documents, wait_model

QUESTION = "What is the magic number?"


def shape(model: RunTreeModel, node_id: str | None = None) -> tuple[str, str, list[object]]:
    node = model.get(node_id or model.root_id or "")
    assert node is not None
    return (node.kind, node.status, [shape(model, c) for c in node.children])


def rows(model: RunTreeModel, parent: QModelIndex | None = None) -> list[object]:
    """The model's rows as (node id, children) — what a view would show."""
    parent = parent or QModelIndex()
    out: list[object] = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        out.append((index.data(NODE_ID_ROLE), rows(model, index)))
    return out


def tree_rows(model: RunTreeModel, node_id: str) -> tuple[str, list[object]]:
    node = model.get(node_id)
    assert node is not None
    return (node_id, [tree_rows(model, c) for c in node.children])


def test_demo_run_fills_the_tree_and_shows_the_answer(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    responses = json.loads((DEMO / "demo.json").read_text())["responses"]
    window = make_window(responses=responses, files=[str(DEMO / "a.txt"), str(DEMO / "b.txt")])
    tester = QAbstractItemModelTester(
        window.tree_model, QAbstractItemModelTester.FailureReportingMode.Fatal
    )
    resets: list[int] = []
    window.tree_model.modelReset.connect(lambda: resets.append(1))
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    lines: list[str] = []
    window.runs.progress.connect(lines.append)

    outcome = ask(qtbot, window, QUESTION)

    assert outcome.status == "ok"
    assert window.answer.answer == "42"
    assert "42" in window.answer.text.toPlainText()
    assert window.answer.copy_button.isEnabled()
    window.answer.copy_button.click()
    assert QGuiApplication.clipboard().text() == "42"
    # the demo works 42 out as 17 + 25: no passage says it, so it is not called found
    assert window.answer.banner.text().startswith("Unverified answer")
    tree = window.tree_model
    done = "done"
    cell = ("cell", done, [])
    leaf = ("subcall", done, [])
    child = ("subcall", done, [("iteration", done, [cell]), ("iteration", done, [])])
    assert shape(tree) == (
        "run",
        done,
        [
            ("iteration", done, [cell]),
            ("iteration", done, [("cell", done, [child])]),
            ("iteration", done, [("cell", done, [leaf, leaf])]),
            ("iteration", done, []),
        ],
    )
    assert rows(window.tree_model) == [tree_rows(tree, tree.root_id or "")]
    assert len(resets) == 1  # one reset when the run started; rows were inserted as it went
    # the demo works 42 out (17 + 25): no passage says it, so it is never called "found"
    assert window.ask_panel.progress.text() == "Unverified answer."
    # first and last lines; a replay this fast may end before the line's pace (LINES_S) shows a
    # step line: test_progress_line_says_what_is_happening_in_plain_words paces its run for those
    assert lines[0] == "Starting…" and lines[-1] == "Unverified answer."
    for index, node in walk(window.tree_model):
        assert index.data(Qt.ItemDataRole.DecorationRole).cacheKey() == (
            window.icons.get("done").cacheKey()
        )
        time_text = window.tree_model.index(index.row(), 2, index.parent()).data()
        assert time_text.endswith(" s") or time_text.endswith(" ms"), (node.label, time_text)
        if node.kind == "iteration":  # each model turn shows its tokens
            assert window.tree_model.index(index.row(), 1, index.parent()).data()
    stats = window.ask_panel.stats.text()
    assert "6 steps" in stats and "3 helper questions" in stats and "tokens/s" in stats
    assert window.actions.ask.isEnabled() and not window.actions.stop.isEnabled()
    root = window.tree_model.index(0, 0)
    assert root.data() == "Your question: “What is the magic number?” — answered"
    plain = [window.tree_model.label(node) for _, node in walk(window.tree_model)]
    assert plain == [
        "Your question: “What is the magic number?” — answered",
        "Step 1: the model chose to search the documents",
        "Searched all documents for 'magic number' → 3 matches (a.txt, line 3 and 2 more)",
        "Step 2: the model chose to hand work to a helper run",
        "Handed part of the documents to a helper run",
        "Helper run: “Which values does this appendix list?” → Value A is 17 and Value B is 25",
        "Step 1: the model chose to search the documents",
        "Searched the part it was given for 'Value' → 3 matches (the text, line 3 and 2 more)",
        "Step 2: the model wrote the answer",
        "Step 3: the model chose to ask the helper",
        "Asked the helper 2 questions",
        "Asked the helper: “What is Value A? Reply with the number …” → 17",
        "Asked the helper: “What is Value B? Reply with the number …” → 25",
        "Step 4: the model wrote the answer",
    ]
    window.actions.code_steps.setChecked(True)  # View ▸ Show code steps: technical labels
    assert root.data().startswith("Question: ")
    assert window.side.details.tabs.isVisible()
    window.actions.code_steps.setChecked(False)
    assert root.data().startswith("Your question: ")
    assert window.tree_model.index(0, 1).data()  # tokens
    assert window.tree_model.index(0, 2).data().endswith(" s")  # time
    assert window.side.details.node_id == tree.root_id  # following ends on the answer
    assert "42" in window.side.details.words.toPlainText()
    del tester


def walk(model: RunTreeModel, parent: QModelIndex | None = None) -> Iterator[tuple]:
    """(index, node) for every row, depth first."""
    parent = parent or QModelIndex()
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        yield index, model.node(index)
        yield from walk(model, index)


def test_the_answer_is_formatted_text(qtbot: QtBot, make_window: MakeWindow) -> None:
    answer = "The **total** is 42:\n\n- a is 17\n- b is 25\n\n<b>raw html</b>"
    window = make_window(responses=["Looking.\n```repl\nx = 42\n```", f"FINAL({answer})"])
    wait_model(qtbot, window)
    assert ask(qtbot, window, QUESTION).status == "ok"
    document = window.answer.text.document()
    assert document.toPlainText().startswith("The total is 42:")  # markup rendered, not shown
    bold = QTextCursor(document)
    bold.setPosition(document.toPlainText().index("total") + 1)
    assert bold.charFormat().fontWeight() > 400
    assert document.begin().next().textList() is not None  # a real list
    assert "<b>raw html</b>" in document.toPlainText()  # HTML in an answer stays text
    window.answer.copy_button.click()
    assert QGuiApplication.clipboard().text() == answer  # the copy is the answer as written


def test_progress_line_says_what_is_happening_in_plain_words(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    reply = "it says nothing much about that part at all " * 4  # each helper takes a while
    turn = "I will ask. " * 20 + "\n```repl\nr = llm_query_batched(['a', 'b', 'c'])\nprint(r)\n```"
    window = make_window(
        responses=[turn, reply, reply, reply, "FINAL(done)"], token_delay_s=0.01, files=[str(docs)]
    )
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    lines: list[str] = []
    label = window.ask_panel.progress
    window.runs.progress.connect(lambda line: lines.append(label.text()))  # what was on screen
    assert ask(qtbot, window, QUESTION).status == "ok"
    assert "Step 1: the model is thinking…" in lines
    # the line changes at most every LINES_S (a fast run changed it on every tick)
    asking = [x for x in lines if x.startswith("Asking the model helper questions, ")]
    assert asking and all(x.endswith(" of 3…") for x in asking)
    assert lines[-1] == "Unverified answer."  # "done" is in no document


def test_failed_run_keeps_what_was_done_and_says_why(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(
        responses=["Let me look.\n```repl\nprint(grep('magic'))\n```"], files=[str(docs)]
    )
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    outcome = ask(qtbot, window, QUESTION)
    assert outcome.status == "error"
    assert "ran out of recorded responses" in (outcome.error or "")
    assert window.answer.banner.isVisible()
    assert "ran out of recorded responses" in window.answer.banner.text()
    assert window.ask_panel.progress.text().startswith("The run failed")
    root = window.tree_model.get(window.tree_model.root_id or "")
    assert root is not None and root.status == "error"
    error_icon = window.icons.get("error").cacheKey()
    assert window.tree_model.index(0, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() == (
        error_icon
    )
    assert window.tree_model.rowCount(window.tree_model.index(0, 0)) >= 1
    assert len(window.docs_model.rows) == 2  # the documents stay


def test_ask_without_a_question_or_model_explains(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window(backend="llama", own_model=True)  # none chosen: the first-run card
    window.ask()
    assert window.ask_panel.progress.text() == "Type a question first."
    window.ask_panel.question.setPlainText("Anything?")
    window.ask()
    assert window.ask_panel.progress.text() == "Choose a model first."
    assert window.setup_card.isVisible()


@pytest.mark.model
def test_a_real_model_run_in_the_window(
    qtbot: QtBot, make_window: MakeWindow, demo_model: Path, docs: Path
) -> None:
    """The whole stack at once: the demo model through llama.cpp on the engine thread, the
    real sandbox, and the window's tree, streaming text, answer and statistics."""
    settings = Settings(last_model=str(demo_model), budgets=Budgets(max_iterations=3))
    window = make_window(backend="llama", settings=settings, files=[str(docs)])
    qtbot.waitUntil(lambda: window.host.info is not None, timeout=60_000)
    wait_documents(qtbot, window)
    streamed: list[str] = []
    window.side.details.words.textChanged.connect(
        lambda: streamed.append(window.side.details.words.toPlainText())
    )

    outcome = ask(qtbot, window, "What is the archive key of Project Cormorant?", 120_000)

    assert outcome.status in ("ok", "budget"), outcome.error
    assert outcome.answer and window.answer.answer == outcome.answer
    model = window.tree_model
    turns = [n for n in model.walk() if n.parent_id == model.root_id]
    assert turns and all(t.kind == "iteration" and t.status == "done" for t in turns)
    first = model.get(turns[0].children[0])
    assert first is not None and first.kind == "cell"  # the first turn looked first
    assert window.tree_model.index(0, 1).data()  # tokens on the run's row
    assert any(text.strip() for text in streamed)  # the model's words appeared as it went
    stats = window.ask_panel.stats.text()
    assert "step" in stats and "tokens/s" in stats
    assert window.actions.ask.isEnabled() and not window.actions.stop.isEnabled()


def test_a_run_that_cannot_start_ends_with_its_terminal_event(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """No model loaded: the run's job fails before the engine starts, and the window learns it
    from the synthetic RunFailed + RunFinished, the one way any run ends."""
    window = make_window(backend="llama", own_model=True)
    lines: list[str] = []
    window.runs.progress.connect(lines.append)
    with qtbot.waitSignal(window.runs.finished, timeout=10_000) as blocker:
        window.runs.start("Anything?", Context(), EngineConfig())
    outcome = blocker.args[0]
    assert outcome.status == "error" and outcome.answer == ""
    assert outcome.error == "No model is loaded: choose a model first."
    assert f"The run could not start: {outcome.error}" in lines
    assert window.tree_model.root_id is None and window.tree_model.rowCount() == 0
    assert not window.runs.running
