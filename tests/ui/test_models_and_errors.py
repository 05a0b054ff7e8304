"""First run without a model, a bad model file, and the unexpected-error dialog: the user gets
one plain line or a dialog with the log's location, never a crash, and what is on screen stays.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from rlm_desktop.store.paths import log_dir
from rlm_desktop.store.settings import load_settings
from rlm_desktop.ui.app import open_window
from rlm_desktop.ui.crash import CrashReporter, setup_logging
from rlm_desktop.ui.model_choice import DEMO_BLURB, demo_model_path, find_demo_model
from rlm_desktop.ui.status_bar import StatusBar
from tests.netguard import no_network
from tests.ui.conftest import MakeWindow, ask, wait_documents, wait_model
from tests.ui.test_drop_documents import drop


def test_a_start_with_no_model_chosen_loads_the_demo_model_by_itself(
    make_window: MakeWindow, demo_model: Path
) -> None:
    """No `--model`, no last model, only the bundled demo model here: the app starts on it
    (`make run` on a fresh machine), instead of showing the first-run card."""
    with no_network() as attempts:  # the start's look-ups are local
        window = make_window(backend="llama")
    assert attempts == []
    assert window.status.model.text() == f"Loading model: {demo_model.name}…"
    assert not window.setup_card.isVisible()
    assert window.state.phase == "loading"


@pytest.mark.model
def test_the_demo_start_shows_the_badge_and_keeps_the_other_choices_a_click_away(
    qtbot: QtBot, make_window: MakeWindow, demo_model: Path
) -> None:
    window = make_window(backend="llama")
    with qtbot.waitSignal(window.host.model_loaded, timeout=60_000):
        pass  # the demo model loads by itself
    assert window.host.spec == ("llama", str(demo_model))
    assert window.demo_badge.isVisible()
    assert window.demo_badge.text() == "Demo model: answers are often wrong"
    assert not window.setup_card.isVisible()
    window.demo_badge.choose_button.click()  # "Choose a better model…": the card's choices
    card = window.setup_card
    assert card.isVisible() and card.file_button.isVisible() and not window.demo_badge.isVisible()
    assert card.download_button.isVisible() == window.actions.has_manager
    card.not_now.click()  # the demo model stays; its badge comes back
    assert not card.isVisible() and window.demo_badge.isVisible()
    assert window.host.spec == ("llama", str(demo_model))


def test_first_run_offers_the_demo_a_file_and_the_download(make_window: MakeWindow) -> None:
    """A model of one's own is installed but none chosen: the user chooses."""
    window = make_window(backend="llama", own_model=True)
    card = window.setup_card
    assert card.isVisible()
    assert card.demo_button.isEnabled() == (demo_model_path() is not None)
    assert "tiny" in DEMO_BLURB.lower()
    assert card.file_button.isVisible()
    assert card.download_button.isVisible() == window.actions.has_manager
    assert window.status.model.text() == "No model"


def test_a_bad_model_file_keeps_the_working_model_and_says_what_to_do(
    qtbot: QtBot, make_window: MakeWindow, docs: Path, tmp_path: Path
) -> None:
    """Defect 1: opening a bad .gguf dropped the working model ("No model")."""
    bad = tmp_path / "broken-model.gguf"
    bad.write_bytes(b"GGUF but not really" * 10)
    window = make_window(responses=["FINAL(x)"], files=[str(docs)])
    wait_documents(qtbot, window)
    qtbot.waitUntil(lambda: window.host.info is not None)
    failed: list[str] = []
    window.host.model_failed.connect(failed.append)
    drop(window, [bad])
    qtbot.wait(200)
    line = window.ask_panel.progress.text()
    assert line == (
        "broken-model.gguf is not a model the app can read (it may be damaged or not a GGUF "
        "file). Your current model is still loaded."
    )
    assert failed == [] and window.host.info is not None
    assert window.status.model.text().startswith("Model: test recording")
    assert not window.setup_card.isVisible()
    assert window.state.phase == "ready"
    assert len(window.docs_model.rows) == 2  # the documents stay


def test_a_bad_model_file_without_a_model_gives_one_line_not_a_crash(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    bad = tmp_path / "broken-model.gguf"
    bad.write_bytes(b"GGUF but not really" * 10)
    window = make_window(backend="llama", own_model=True)
    with qtbot.waitSignal(window.host.model_failed, timeout=20_000) as blocker:
        drop(window, [bad])
    message = blocker.args[0]
    assert message and "\n" not in message
    assert window.setup_card.isVisible()
    assert window.setup_card.message.text() == (
        "This file is not a model the app can read (it may be damaged or not a GGUF file). "
        "Choose another: the demo model, a .gguf file, or Models ▸ Manage models…"
    )
    assert window.status.model.text() == "No model"


def test_unexpected_error_shows_a_dialog_with_the_log(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=["Look.\n```repl\nx = 1\n```", "FINAL(kept)"], files=[str(docs)])
    wait_documents(qtbot, window)
    wait_model(qtbot, window)
    assert ask(qtbot, window, "Anything?").status == "ok"
    logs = setup_logging(log_dir(ensure=True))
    try:
        reporter = CrashReporter(logs.file)
        reporter.window = window
        try:
            raise RuntimeError("something broke")
        except RuntimeError:
            reporter.handle(*sys.exc_info())  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        dialog = reporter.dialog
        assert dialog is not None
        assert str(logs.file) in dialog.informativeText()
        assert "RuntimeError: something broke" in dialog.informativeText()
        assert "still here" in dialog.text()
        assert "something broke" in logs.file.read_text()
        assert window.isVisible() and len(window.docs_model.rows) == 2
        assert window.answer.answer == "kept"  # the run so far stays on screen
        assert window.tree_model.rowCount() == 1 and window.tree_model.root_id is not None
        dialog.close()
    finally:
        logs.close()
    assert (log_dir() / "native-crashes.log").exists()  # faulthandler's file


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_reaches_the_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    reporter = CrashReporter(tmp_path / "app.log")
    restore = reporter.install()
    try:

        def broken() -> None:
            raise ValueError("bad slot")

        QTimer.singleShot(0, broken)
        qtbot.waitUntil(lambda: reporter.count == 1)
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        assert reporter.dialog is not None
        assert "ValueError: bad slot" in reporter.dialog.informativeText()
        reporter.dialog.close()
    finally:
        restore()
    assert sys.excepthook is not reporter.handle


@pytest.mark.model
def test_the_demo_model_button_loads_the_bundled_model(
    qtbot: QtBot, make_window: MakeWindow, demo_model: Path
) -> None:
    window = make_window(backend="llama", own_model=True)
    with qtbot.waitSignal(window.host.model_loaded, timeout=60_000):
        window.setup_card.demo_button.click()
    assert not window.setup_card.isVisible()
    assert "SmolLM2" in window.status.model.text()
    assert "on this computer" in window.status.model.text()
    assert "Runs on: " in window.status.model.toolTip()
    assert window.demo_badge.isVisible()  # the demo model says it is one
    assert window.demo_badge.text() == "Demo model: answers are often wrong"
    assert window.settings.last_model == str(demo_model.resolve())
    window.close()
    again = make_window(backend="llama", settings=load_settings())  # the next launch
    assert not again.setup_card.isVisible()
    with qtbot.waitSignal(again.host.model_loaded, timeout=60_000):
        pass  # the last model loads by itself
    assert again.host.spec == ("llama", str(demo_model.resolve()))


def test_model_on_the_command_line_is_loaded_and_a_bad_one_explained(
    qtbot: QtBot, docs: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "not-a-model.gguf"
    bad.write_bytes(b"GGUF" + bytes(64))
    args = argparse.Namespace(files=[str(docs)], model=str(bad), backend=None, ask=None)
    window = open_window(args)
    qtbot.addWidget(window)
    try:
        assert window.status.model.text() == f"Loading model: {bad.name}…"
        with qtbot.waitSignal(window.host.model_failed, timeout=20_000) as failed:
            pass
        assert failed.args[0] and "\n" not in failed.args[0]
        assert window.setup_card.isVisible()
        assert window.setup_card.message.text().startswith("This file is not a model the app")
        wait_documents(qtbot, window)
        assert len(window.docs_model.rows) == 2
        assert window.settings.last_model is None  # a model that failed is not remembered
    finally:
        window.close()


@pytest.mark.model
def test_a_dropped_gguf_is_loaded_as_the_model(
    qtbot: QtBot, make_window: MakeWindow, demo_model: Path
) -> None:
    window = make_window(backend="llama", own_model=True)
    assert window.setup_card.isVisible()
    with qtbot.waitSignal(window.host.model_loaded, timeout=60_000):
        drop(window, [demo_model])
    assert not window.setup_card.isVisible()
    assert window.docs_model.rows == []  # a model file is not a document
    assert window.status.model.text().startswith("Model: ")
    assert window.host.spec == ("llama", str(demo_model))


def test_the_log_file_rotates(tmp_path: Path) -> None:
    logs = setup_logging(tmp_path)
    try:
        noisy = logging.getLogger("rlm_desktop.test")
        for i in range(6000):
            noisy.info("line %d %s", i, "x" * 200)
    finally:
        logs.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "rlm-desktop.log" in names and "rlm-desktop.log.1" in names
    assert len([n for n in names if n.startswith("rlm-desktop.log")]) <= 4  # 1 MB × 4 at most
    assert all(p.stat().st_size <= 1 << 20 for p in tmp_path.glob("rlm-desktop.log*"))
    assert "native-crashes.log" in names


def test_a_broken_model_library_is_logged_and_shown_not_swallowed(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "catalog.json"
    broken.write_text('{"models": [', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="rlm_desktop.ui.model_choice"):
        demo = find_demo_model(broken)
    assert demo.problem.startswith("The installed models could not be read: ")
    assert str(broken) in demo.problem
    assert any("demo model lookup failed" in r.getMessage() for r in caplog.records)
    assert demo.path == demo_model_path()  # the known file is still found (or not) as before
    assert find_demo_model().problem == ""  # the real catalogue reads fine
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show_problem(demo.problem)
    assert bar.currentMessage() == demo.problem
