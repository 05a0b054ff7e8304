"""The side pane: the code view highlights, the tree collapses and expands (mouse and keys),
and following the running step stops when the user picks another one."""

from __future__ import annotations

import itertools
import json
import time

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from rlm_desktop.ui.code_view import CodeView
from rlm_desktop.ui.run_controller import ROWS_S
from tests.ui.conftest import DEMO, MakeWindow, ask, wait_documents, wait_model

CODE = "def total(values):\n    # add them up\n    return sum(int(v) for v in values) + 42\n"


def colours(view: CodeView) -> dict[str, str]:
    """Each character's foreground colour, by the word it belongs to."""
    seen: dict[str, str] = {}
    doc = view.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            text = fragment.text().strip()
            if text:
                seen.setdefault(text, fragment.charFormat().foreground().color().name())
            it += 1
        block = block.next()
    return seen


def test_code_view_highlights_python(qtbot: QtBot) -> None:
    view = CodeView()
    qtbot.addWidget(view)
    view.set_code(CODE)
    assert view.toPlainText() == CODE
    seen = colours(view)
    assert seen["def"] != seen["total"]  # keyword and name differ
    assert seen["# add them up"] not in (seen["def"], seen["total"])  # comments differ too
    assert seen["42"] != seen["total"]
    assert len(set(seen.values())) >= 4
    cursor = QTextCursor(view.document())
    cursor.setPosition(1)
    assert cursor.charFormat().fontWeight() > 400  # "def" is bold in the default style


def _finished_demo(qtbot: QtBot, make_window: MakeWindow) -> object:
    responses = json.loads((DEMO / "demo.json").read_text())["responses"]
    window = make_window(responses=responses, files=[str(DEMO / "a.txt"), str(DEMO / "b.txt")])
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    assert ask(qtbot, window, "What is the magic number?").status == "ok"
    return window


def test_selecting_a_cell_shows_its_highlighted_code_and_output(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = _finished_demo(qtbot, make_window)
    side = window.side  # type: ignore[attr-defined]
    model = side.model
    first_turn = model.index(0, 0, model.index(0, 0))
    cell = model.index(0, 0, first_turn)
    side.tree.setCurrentIndex(cell)
    assert side.details.tabs.currentIndex() == 1
    assert "grep('magic number')" in side.details.code.toPlainText()
    assert len(set(colours(side.details.code).values())) >= 2
    assert "The magic number is the sum" in side.details.output.toPlainText()
    assert not side.follow.isChecked()  # the user picked a step: following stops
    side.tree.setCurrentIndex(first_turn)
    assert side.details.tabs.currentIndex() == 0
    assert "search both documents" in side.details.words.toPlainText()


def test_tree_collapses_and_expands(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = _finished_demo(qtbot, make_window)
    side = window.side  # type: ignore[attr-defined]
    tree, model = side.tree, side.model
    root = model.index(0, 0)
    turn = model.index(0, 0, root)
    side.collapse_all.click()
    assert not tree.isExpanded(root)
    assert tree.visualRect(turn).isEmpty()  # hidden under its collapsed parent
    side.expand_all.click()
    assert tree.isExpanded(root) and tree.isExpanded(turn)
    assert not tree.visualRect(model.index(0, 0, turn)).isEmpty()

    tree.setFocus()
    tree.setCurrentIndex(root)
    qtbot.keyClick(tree, Qt.Key.Key_Left)
    assert not tree.isExpanded(root)
    qtbot.keyClick(tree, Qt.Key.Key_Right)
    assert tree.isExpanded(root)
    qtbot.keyClick(tree, Qt.Key.Key_Down)
    assert tree.currentIndex() == turn


def test_follow_tracks_the_running_step_until_the_user_clicks(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    turn = "Looking.\n```repl\nx = 1\n```"
    responses = [turn] * 6 + ["FINAL(done)"]
    window = make_window(responses=responses, token_delay_s=0.02)
    wait_model(qtbot, window)
    side = window.side
    window.ask_panel.question.setPlainText("Follow?")
    window.ask_panel.ask_button.click()
    model = window.tree_model

    def current_is_running() -> bool:
        node = side.model.node(side.tree.currentIndex())
        return node is not None and node.status == "running" and node.kind == "iteration"

    qtbot.waitUntil(current_is_running, timeout=10_000)
    assert side.follow.isChecked()
    root = side.model.index(0, 0)
    rect = side.tree.visualRect(root)
    qtbot.mouseClick(side.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert side.tree.currentIndex() == root
    assert not side.follow.isChecked()
    count = model.node_count()
    qtbot.waitUntil(lambda: model.node_count() > count + 2, timeout=10_000)
    assert side.tree.currentIndex() == root  # it no longer moves by itself
    side.follow.setChecked(True)  # back on: jumps to the running step
    assert side.tree.currentIndex() != root or not window.runs.running
    with qtbot.waitSignal(window.runs.finished, timeout=10_000):
        pass
    assert side.tree.currentIndex() == side.model.index(0, 0) != QModelIndex()


def test_code_view_follows_a_dark_palette(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    view = CodeView()
    qtbot.addWidget(view)
    view.set_code(CODE)
    light_colours = colours(view)
    dark = QPalette(light)
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#202124"), (roles.Base, "#17181a"), (roles.Text, "#eee")):
        dark.setColor(role, QColor(colour))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: view.palette().color(QPalette.ColorRole.Base).lightness() < 128)
        assert colours(view) != light_colours
        assert view.toPlainText() == CODE
    finally:
        app.setPalette(light)
    qtbot.waitUntil(lambda: view.palette().color(QPalette.ColorRole.Base).lightness() > 128)


def test_a_fast_run_inserts_rows_a_few_times_a_second_and_shows_every_step_at_the_end(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """Each row insert lays out and repaints the whole tree: a run adding steps on every tick
    gets them in batches at most every ROWS_S, and no step is missing once it has ended."""
    turn = "Asking.\n```repl\nanswers = llm_query_batched(list('abcdefghij'))\n```"
    responses = [turn, *["yes"] * 10] * 10 + ["FINAL(done)"]
    window = make_window(responses=responses, token_delay_s=0.01)
    wait_model(qtbot, window)
    model = window.tree_model
    inserts: list[float] = []
    model.rowsInserted.connect(lambda *_: inserts.append(time.monotonic()))
    started = time.monotonic()

    outcome = ask(qtbot, window, "Fast?", 60_000)

    seconds = time.monotonic() - started
    assert outcome.status == "ok"
    nodes = model.node_count()
    assert nodes > 40
    rows = sum(1 for n in model.walk() if model.index_of(n.id).isValid())
    assert rows == nodes  # every step is a row at the end
    # one insert per parent per batch: batches at most every ROWS_S (+ the last one), far
    # fewer inserts than steps
    batches = 1 + sum(1 for a, b in itertools.pairwise(inserts) if b - a > 0.01)
    assert batches <= seconds / ROWS_S + 2, (batches, seconds)
    assert len(inserts) < nodes
