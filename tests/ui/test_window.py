"""The window as a whole: the command line's files and --ask, the status bar, keyboard
shortcuts and focus order, and an accessible name on every control."""

from __future__ import annotations

import argparse
import json
import re

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QHeaderView,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from rlm_desktop.llm.base import BackendInfo
from rlm_desktop.store.paths import log_dir
from rlm_desktop.ui.app import run_app
from rlm_desktop.ui.main_window import MainWindow
from rlm_desktop.ui.status_bar import StatusBar
from tests.ui.conftest import DEMO, MakeWindow, wait_documents, wait_model, write_replay

CONTROLS = (
    QAbstractButton,
    QAbstractItemView,
    QPlainTextEdit,
    QTextEdit,
    QAbstractSpinBox,
    QTabWidget,
)


def test_every_control_has_an_accessible_name(make_window: MakeWindow) -> None:
    window = make_window(backend="llama", own_model=True)  # the first-run card is shown too
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r} {getattr(w, 'text', lambda: '')()!r}"
        for w in window.findChildren(QWidget)
        if isinstance(w, CONTROLS)
        and not isinstance(w, QHeaderView)
        and not w.objectName().startswith("qt_")
        and w.parent() is not None
        and type(w.parent()).__name__ not in ("QTabBar", "QAbstractSpinBox")
        and not w.accessibleName()
    ]
    assert unnamed == []


def test_keyboard_ask_and_focus_order(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window(responses=["Looking.\n```repl\nx = 7\n```", "FINAL(seven)"])
    wait_model(qtbot, window)
    question = window.ask_panel.question
    question.setFocus()
    qtbot.keyClicks(question, "How many?")
    with qtbot.waitSignal(window.runs.finished, timeout=20_000):
        qtbot.keyClick(question, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.answer.answer == "seven"
    assert question.toPlainText() == "How many?"  # Ctrl+Enter asked, it did not type a newline
    question.setFocus()
    qtbot.keyClick(question, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.ask_panel.ask_button
    # the status bar in plain words, the technical details in tooltips
    assert window.status.privacy.text() == "Private: runs on this computer"
    assert re.fullmatch(r"Protected: \d of 5 safety layers", window.status.sandbox.text())
    assert "(process)" in window.status.sandbox.toolTip()
    assert window.status.model.text() == "Model: test recording · a recording"
    assert "Context window: 8,192 tokens" in window.status.model.toolTip()
    assert "Runs on: CPU only" in window.status.model.toolTip()
    assert window.status.memory.text().startswith("Memory: ")


def test_run_app_opens_files_and_asks(qtbot: QtBot) -> None:
    responses = json.loads((DEMO / "demo.json").read_text())["responses"]
    replay = write_replay(log_dir(ensure=True), responses)
    args = argparse.Namespace(
        files=[str(DEMO / "a.txt"), str(DEMO / "b.txt")],
        model=None,
        backend=f"replay:{replay}",
        ask="What is the magic number?",
    )
    seen: dict[str, object] = {}

    def watch() -> None:
        windows = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible()  # earlier tests' windows are closed
        ]
        if windows and windows[0].answer.answer:
            seen["answer"] = windows[0].answer.answer
            seen["documents"] = len(windows[0].docs_model.rows)
            windows[0].close()
        else:
            QTimer.singleShot(50, watch)

    QTimer.singleShot(50, watch)
    assert run_app(args) == 0
    assert seen == {"answer": "42", "documents": 2}
    log_text = (log_dir() / "rlm-desktop.log").read_text()
    assert "log started" in log_text and "window closed" in log_text


def test_files_on_the_command_line_and_ask_wait_for_reading(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    responses = json.loads((DEMO / "demo.json").read_text())["responses"]
    window = make_window(responses=responses, files=[str(DEMO)])
    window.ask_panel.question.setPlainText("What is the magic number?")
    with qtbot.waitSignal(window.runs.finished, timeout=20_000) as blocker:
        window.ask()  # documents and model still loading: the run waits for them
    assert blocker.args[0].status == "ok"
    wait_documents(qtbot, window)
    assert window.answer.answer == "42"


def test_help_opens_the_log_folder(make_window: MakeWindow, monkeypatch: object) -> None:
    opened: list[str] = []
    monkeypatch.setattr(  # type: ignore[attr-defined]
        QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True
    )
    window = make_window(backend="llama", own_model=True)
    window.actions.open_log.trigger()
    assert opened == [str(log_dir())]
    assert log_dir().is_dir()


def test_status_icons_are_crisp_on_high_dpi_screens(make_window: MakeWindow) -> None:
    window = make_window(backend="llama", own_model=True)
    for status in ("running", "done", "error", "cancelled", "budget", "warning"):
        pixmap = window.icons.get(status).pixmap(QSize(16, 16), 2.0)
        assert (pixmap.width(), pixmap.devicePixelRatio()) == (32, 2.0)  # drawn at 2x


def test_status_bar_says_in_words_and_keeps_details_in_tooltips(qtbot: QtBot) -> None:
    bar = StatusBar()
    qtbot.addWidget(bar)
    assert bar.model.text() == "No model" and bar.sandbox.text() == "Protection: checking…"
    assert bar.privacy.text() == "Private: runs on this computer"
    gpu = BackendInfo(
        name="llama.cpp",
        model="Qwen-7B",
        context_window=16384,
        device="cuda",
        gpu_layers=20,
        notes=["20 of 28 layers fit in free GPU memory"],
    )
    bar.set_model(gpu)
    assert bar.model.text() == "Model: Qwen-7B · fast on this computer (uses the graphics card)"
    assert "Context window: 16,384 tokens" in bar.model.toolTip()
    assert "Runs on: GPU (cuda): 20 layers" in bar.model.toolTip()
    assert "20 of 28 layers fit" in bar.model.toolTip()
    cpu = BackendInfo(name="llama.cpp", model="m", device="cuda", gpu_layers=0, n_params=7 * 10**9)
    bar.set_model(cpu)
    assert bar.model.text() == "Model: m · slow on this computer (runs on the processor)"
    assert "Runs on: CPU only" in bar.model.toolTip()
    bar.set_model(BackendInfo(name="llama.cpp", model="s", n_params=135 * 10**6))
    assert bar.model.text() == "Model: s · fast on this computer"
    bar.set_model(None, loading="big.gguf")
    assert bar.model.text() == "Loading model: big.gguf…"
    bar.set_sandbox(["process", "rlimits", "audit-hook"])
    assert bar.sandbox.text() == "Protected: 3 of 5 safety layers"
    assert "Not available on this computer: seccomp, landlock" in bar.sandbox.toolTip()
    bar.set_sandbox(["process", "rlimits", "audit-hook", "seccomp", "landlock"])
    assert bar.sandbox.text() == "Protected: 5 of 5 safety layers"
