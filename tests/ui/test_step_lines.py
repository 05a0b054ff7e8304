"""Long plain step lines in a narrow side pane (a 1024 px window) wrap onto more lines instead
of being cut, so the whole line can be read without hovering (issue 19)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QRect, Qt
from pytestqt.qtbot import QtBot

from rlm_desktop.ui.main_window import MainWindow
from tests.ui.conftest import MakeWindow, ask, wait_documents, wait_model

LONG_SEARCH = "I will search.\n```repl\nprint(grep('The magic number is'))\n```"
ANSWER = "FINAL(The magic number is 42.)"


def rows(window: MainWindow) -> list[QModelIndex]:
    model, found = window.tree_model, []
    pending = [model.index(r, 0) for r in range(model.rowCount())]
    while pending:
        index = pending.pop(0)
        found.append(index)
        pending += [model.index(r, 0, index) for r in range(model.rowCount(index))]
    return found


def cut_lines(window: MainWindow) -> list[str]:
    """The step lines shown (expanded) whose text does not fit in their row."""
    tree = window.side.tree
    metrics = tree.fontMetrics()
    icon = tree.iconSize().width() if tree.iconSize().isValid() else 16
    cut = []
    for index in rows(window):
        rect = tree.visualRect(index)
        if rect.isEmpty():
            continue  # collapsed away
        text = str(index.data())
        room = QRect(0, 0, rect.width() - icon - 16, 10_000)
        needed = metrics.boundingRect(room, int(Qt.TextFlag.TextWordWrap), text).height()
        if needed > rect.height():
            cut.append(text)
    return cut


def test_long_step_lines_wrap_at_1024_px(qtbot: QtBot, make_window: MakeWindow, docs: Path) -> None:
    window = make_window(responses=[LONG_SEARCH, ANSWER], files=[str(docs / "a.txt")])
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    window.resize(1024, 640)
    qtbot.wait(50)
    assert ask(qtbot, window, "What is the magic number in these documents?").status == "ok"
    window.side.tree.expandAll()
    qtbot.wait(200)  # the rows are laid out again once the resize settles
    tree = window.side.tree
    lines = [str(i.data()) for i in rows(window)]
    width = tree.header().sectionSize(0)
    assert any(tree.fontMetrics().horizontalAdvance(t) > width for t in lines)  # long ones
    assert cut_lines(window) == []
    # wider again: the rows follow the new width (fewer wrapped lines, never cut)
    heights = [tree.visualRect(i).height() for i in rows(window)]
    window.resize(1600, 800)
    qtbot.wait(300)
    assert cut_lines(window) == []
    assert sum(tree.visualRect(i).height() for i in rows(window)) <= sum(heights)


def test_lines_wrap_only_while_no_run_is_going_and_the_tree_is_not_huge(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """Rows of differing heights make each layout ask every row for its height (50–80 ms a
    layout while a run adds rows, `bench ui`): during a run the rows are all one line high,
    after it they wrap; a tree of more than WRAP_MAX_NODES steps keeps one line a row."""
    from rlm_desktop.bench.history import _big_run_events
    from rlm_desktop.engine.tree import RunTree
    from rlm_desktop.ui.step_lines import WRAP_MAX_NODES

    slow = "Thinking about it at length " * 20 + "\n```repl\nprint(1)\n```"
    window = make_window(responses=[slow, ANSWER], token_delay_s=0.01)
    wait_model(qtbot, window)
    tree, wrapped = window.side.tree, window.side.wrapped
    assert wrapped.wrapping and not tree.uniformRowHeights()
    window.ask_panel.question.setPlainText("What is the magic number?")
    window.ask_panel.ask_button.click()
    qtbot.waitUntil(lambda: window.tree_model.node_count() > 1, timeout=10_000)
    assert not wrapped.wrapping and tree.uniformRowHeights()
    qtbot.waitUntil(lambda: not window.runs.running, timeout=30_000)
    qtbot.waitUntil(lambda: wrapped.wrapping, timeout=1_000)  # a moment after the run's end
    assert not tree.uniformRowHeights()

    big = RunTree()
    for event in _big_run_events(WRAP_MAX_NODES + 100):
        big.apply(event)
    window.tree_model.load(big)
    assert window.tree_model.node_count() > WRAP_MAX_NODES
    assert not wrapped.wrapping and tree.uniformRowHeights()
