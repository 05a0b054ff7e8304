"""Stop (the button or Esc) ends a run within a second, even while the model's code is in
an endless loop inside the sandbox; the run ends as cancelled and keeps what it did."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from rlm_desktop.store.settings import Budgets, Settings
from tests.ui.conftest import MakeWindow, wait_model

LOOP = "Let me count.\n```repl\nwhile True:\n    pass\n```"


def _running_cell(window: object) -> bool:
    model = window.tree_model  # type: ignore[attr-defined]
    return any(  # a running cell that is a row of the tree already
        n.kind == "cell" and n.status == "running" and model.index_of(n.id).isValid()
        for n in model.walk()
    )


@pytest.mark.parametrize("how", ["button", "escape"])
def test_stop_during_an_endless_cell_ends_the_run_within_a_second(
    qtbot: QtBot, make_window: MakeWindow, how: str
) -> None:
    settings = Settings(budgets=Budgets(cell_timeout=600))
    window = make_window(responses=[LOOP, "FINAL(never)"], settings=settings)
    wait_model(qtbot, window)
    window.ask_panel.question.setPlainText("Count forever?")
    window.ask_panel.ask_button.click()
    qtbot.waitUntil(lambda: _running_cell(window), timeout=10_000)
    assert window.actions.stop.isEnabled()
    assert not window.actions.ask.isEnabled()

    cell = next(n.id for n in window.tree_model.walk() if n.kind == "cell")
    running = window.tree_model.index_of(cell)
    assert running.data(Qt.ItemDataRole.DecorationRole).cacheKey() == (
        window.icons.get("running").cacheKey()
    )
    window.activateWindow()  # Esc is a window shortcut: it needs the active window
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.runs.finished, timeout=5_000) as blocker:
        started = time.monotonic()
        if how == "button":
            window.ask_panel.stop_button.click()
        else:
            qtbot.keyClick(window.side.tree, Qt.Key.Key_Escape)  # focus anywhere in the window
    elapsed = time.monotonic() - started

    outcome = blocker.args[0]
    assert outcome.status == "cancelled"
    assert elapsed < 1.0, f"Stop took {elapsed:.2f} s"
    model = window.tree_model
    root = model.get(model.root_id or "")
    assert root is not None and root.status == "cancelled"
    assert [n.status for n in model.walk() if n.kind == "cell"] == ["cancelled"]
    assert running.data(Qt.ItemDataRole.DecorationRole).cacheKey() == (
        window.icons.get("cancelled").cacheKey()
    )
    assert window.answer.banner.isVisible() and "Stopped" in window.answer.banner.text()
    assert window.ask_panel.progress.text() == "Stopped."
    assert window.actions.ask.isEnabled()


def test_escape_stops_a_streaming_turn(qtbot: QtBot, make_window: MakeWindow) -> None:
    long_turn = "I am thinking about it " * 400 + "\n```repl\nprint(1)\n```"
    window = make_window(responses=[long_turn, "FINAL(1)"], token_delay_s=0.01)
    wait_model(qtbot, window)
    window.ask_panel.question.setPlainText("Think?")
    window.ask_panel.ask_button.click()
    qtbot.waitUntil(lambda: "thinking" in window.side.details.words.toPlainText(), timeout=10_000)
    with qtbot.waitSignal(window.runs.finished, timeout=3_000) as blocker:
        qtbot.keyClick(window.ask_panel.question, Qt.Key.Key_Escape)
    assert blocker.args[0].status == "cancelled"


def test_stop_drops_a_question_still_waiting_for_the_documents(
    qtbot: QtBot, make_window: MakeWindow, many_notes: Path
) -> None:
    folder = many_notes
    window = make_window(responses=["FINAL(never)"])
    wait_model(qtbot, window)
    window.add_documents([str(folder)])
    assert window.loader.busy
    window.ask_panel.question.setPlainText("Anything?")
    window.ask()
    assert window.ask_panel.progress.text() == "Waiting for the documents to be read…"
    assert window.actions.stop.isEnabled() and window.ask_panel.stop_button.isEnabled()
    window.ask_panel.stop_button.click()
    assert window.ask_panel.progress.text() == "Not asked: stopped while waiting."
    assert not window.actions.stop.isEnabled()
    qtbot.waitUntil(lambda: not window.loader.busy, timeout=20_000)
    assert not window.runs.running and window.tree_model.root_id is None  # never started


def test_stopping_is_said_until_the_run_has_stopped(qtbot: QtBot, make_window: MakeWindow) -> None:
    """After Stop the progress line says "Stopping…" until the run's end is shown: a step line
    held back by the line's pace (LINES_S) at the moment of the Stop is not shown after it,
    however long the stop takes (here the model's code is in an endless loop)."""
    settings = Settings(budgets=Budgets(cell_timeout=600))
    window = make_window(responses=[LOOP, "FINAL(never)"], settings=settings)
    wait_model(qtbot, window)
    label = window.ask_panel.progress
    shown: list[str] = []
    window.ask_panel.question.setPlainText("Count forever?")
    window.ask_panel.ask_button.click()
    qtbot.waitUntil(lambda: _running_cell(window), timeout=10_000)
    window.runs.progress.connect(lambda _line: shown.append(label.text()))
    runs = window.runs
    runs._line, runs._said_at = "Step 9: held back", 0.0  # a line waiting, its pace passed
    with qtbot.waitSignal(runs.finished, timeout=5_000):
        window.ask_panel.stop_button.click()
        runs._drain()  # a tick before the stopped run's events arrive
    assert shown[0] == "Stopping…"
    assert "Step 9: held back" not in shown, shown
