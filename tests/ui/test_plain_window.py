"""The window a non-programmer can work in (issue 19): each numbered defect found by using
it, with a test that failed before the fix, and the habits of the apps people know (Enter
asks, stop-the-run-first questions, the demo badge)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from rlm_desktop.llm.base import BackendInfo
from rlm_desktop.ui.main_window import MainWindow
from rlm_desktop.ui.model_choice import is_demo_model
from tests.ui.conftest import MakeWindow, ask, wait_documents, wait_model

FOUND = "Let me look.\n```repl\nprint(grep('magic number'))\n```"
SLOW_TURN = "I am still thinking about it " * 300 + "\n```repl\nprint(1)\n```"


def _start(qtbot: QtBot, window: MainWindow, question: str = "What is the magic number?") -> None:
    window.ask_panel.question.setPlainText(question)
    window.ask_panel.ask_button.click()
    qtbot.waitUntil(lambda: window.state.running, timeout=10_000)


def _answer(qtbot: QtBot, window: MainWindow, yes: bool) -> None:
    box = window.guard.box
    assert isinstance(box, QMessageBox) and box.isVisible()
    name = "confirmYes" if yes else "confirmNo"
    button = next(b for b in box.buttons() if b.objectName() == name)
    button.click()


def test_defect_2_the_window_does_not_widen_itself_during_a_run(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=[SLOW_TURN, "FINAL(1)"], token_delay_s=0.01)
    wait_model(qtbot, window)
    qtbot.waitUntil(lambda: "checking" not in window.status.sandbox.text(), timeout=20_000)
    window.resize(1024, 640)
    window.splitter.setSizes([330, 694])  # a wide side pane: the left side is narrow
    qtbot.wait(50)
    assert window.width() == 1024
    before = window.minimumSizeHint().width()
    _start(qtbot, window, "A question long enough to make a long progress line? " * 6)
    qtbot.waitUntil(lambda: "thinking" in window.side.details.words.toPlainText(), timeout=10_000)
    qtbot.wait(300)
    assert window.width() == 1024
    assert window.minimumSizeHint().width() <= before  # a run never widens the window
    assert window.minimumSizeHint().width() <= 1024
    assert window.minimumSizeHint().height() <= 640
    window.stop()
    qtbot.waitUntil(lambda: not window.state.running, timeout=5_000)


def test_defect_2_a_real_models_status_line_does_not_widen_the_window(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """Reproduced under Xvfb with the demo model: the status bar's lines (the model's file name
    and how fast it is, memory) asked for more than 1024 px, so the window widened itself when
    they changed during a run, and a window manager would not let it be made narrower."""
    window = make_window(responses=["FINAL(x)"])
    wait_model(qtbot, window)
    window.resize(1024, 640)
    qtbot.wait(50)
    slow = BackendInfo("llama.cpp", "Qwen2.5-Coder-14B-Instruct-Q4_K_M.gguf", n_params=14 * 10**9)
    window.status.set_model(slow)
    window.status.memory.setText("Memory: 12.5 GB used, 3.2 GB free")
    qtbot.wait(100)
    assert window.width() == 1024
    assert window.minimumSizeHint().width() <= 1024
    line = window.status.model.text()
    assert line.startswith("Model: Qwen2.5-Coder-14B") and "slow on this computer" in line
    assert window.status.model.accessibleDescription() == line  # the whole line is kept


def test_the_history_panel_fits_beside_the_window_at_1024_px(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    """Found under Xvfb: opening View ▸ History at 1024 px widened the window (to 1112 px
    offscreen, 1218 under X), and it could not be made narrower while the panel was open."""
    window = make_window(responses=["FINAL(x)"], files=[str(docs)])
    wait_documents(qtbot, window)
    window.resize(1024, 640)
    qtbot.wait(50)
    window.actions.show_history.trigger()
    qtbot.wait(100)
    assert window.conversation.dock.isVisible()
    assert window.width() == 1024
    assert window.minimumSizeHint().width() <= 1024


def test_defect_3_after_stop_the_selected_step_and_the_answer_are_up_to_date(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=[FOUND, SLOW_TURN, "FINAL(x)"], token_delay_s=0.01)
    window.start(files=[str(docs)])
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    _start(qtbot, window)
    details = window.side.details
    qtbot.waitUntil(lambda: "still thinking" in details.words.toPlainText(), timeout=10_000)
    qtbot.wait(300)
    selected = details.node_id
    assert selected is not None and window.tree_model.get(selected).kind == "iteration"
    assert "running" in details.header.text()
    with qtbot.waitSignal(window.runs.finished, timeout=5_000):
        window.stop()
    node = window.tree_model.get(selected)
    assert node is not None and node.status == "cancelled" and node.seconds > 0.2
    if details.node_id == selected:  # still shown: shown as stopped, not as running
        assert "running" not in details.header.text()
    index = window.tree_model.index_of(selected, 2)
    assert index.data() not in ("", "0 ms", "0.0 s")  # its time is kept, not reset to 0
    # what the first step found is shown, not "No answer"
    assert "The magic number is 42." in window.answer.text.toPlainText()
    window.side.go_to(window.tree_model.root_id or "")
    assert "(not yet)" not in details.words.toPlainText()


def test_defect_4_clear_all_during_a_run_asks_to_stop_it_first(
    qtbot: QtBot, make_window: MakeWindow, docs: Path, tmp_path: Path
) -> None:
    window = make_window(responses=[SLOW_TURN, "FINAL(1)"], token_delay_s=0.01)
    window.start(files=[str(docs / "a.txt")])
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    _start(qtbot, window)
    # a file added during the run is for the next question
    window.add_documents([str(docs / "b.txt")])
    wait_documents(qtbot, window)
    b = next(r for r in window.docs_model.rows if r.name == "b.txt")
    assert b.status_text() == "Ready · for the next question"
    window.documents.clear_button.click()
    _answer(qtbot, window, yes=False)  # keep running: nothing changes
    assert len(window.docs_model.rows) == 2 and window.state.running
    window.documents.clear_button.click()
    with qtbot.waitSignal(window.runs.finished, timeout=5_000) as blocker:
        _answer(qtbot, window, yes=True)
    assert blocker.args[0].status == "cancelled"
    assert window.docs_model.rows == []
    assert window.ask_panel.progress.text() == "Stopped."


def test_defect_4_a_file_added_during_a_run_is_unmarked_when_it_ends(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=[SLOW_TURN, "FINAL(1)"], token_delay_s=0.005)
    wait_model(qtbot, window)
    _start(qtbot, window)
    window.add_documents([str(docs / "b.txt")])
    wait_documents(qtbot, window)
    assert window.docs_model.rows[0].later
    with qtbot.waitSignal(window.runs.finished, timeout=10_000):
        window.stop()
    assert window.docs_model.rows[0].status_text() == "Ready"


def test_defect_5_choose_a_model_first_goes_once_a_model_is_loaded(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(backend="llama", own_model=True)  # no model yet
    window.ask_panel.question.setPlainText("Anything?")
    window.ask()
    assert window.ask_panel.progress.text() == "Choose a model first."
    with qtbot.waitSignal(window.host.model_loaded, timeout=10_000):
        window.host.load("replay:" + str(_replay(Path(docs))), None)
    window.add_documents([str(docs / "a.txt")])
    wait_documents(qtbot, window)
    assert window.ask_panel.progress.text() == ""


def _replay(folder: Path) -> Path:
    from tests.ui.conftest import write_replay

    return write_replay(folder.parent, ["FINAL(x)"])


def test_defect_6_quitting_during_a_run_asks_first(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window(responses=[SLOW_TURN, "FINAL(1)"], token_delay_s=0.01)
    wait_model(qtbot, window)
    _start(qtbot, window)
    window.actions.quit.trigger()  # Ctrl+Q
    assert window.isVisible() and window.state.running
    assert window.guard.box is not None
    assert window.guard.box.windowTitle() == "Stop the run and quit?"
    _answer(qtbot, window, yes=False)
    assert window.isVisible() and window.state.running
    window.actions.quit.trigger()
    _answer(qtbot, window, yes=True)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert window.guard.quit_confirmed


def test_defect_9_enter_asks_and_shift_enter_adds_a_line(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window(responses=["Looking.\n```repl\nx = 7\n```", "FINAL(seven)"])
    wait_model(qtbot, window)
    question = window.ask_panel.question
    assert "Enter asks; Shift+Enter adds a line" in question.placeholderText()
    assert "Enter" in window.ask_panel.ask_button.toolTip()
    question.setFocus()
    qtbot.keyClicks(question, "How many")
    qtbot.keyClick(question, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(question, "exactly?")
    assert question.toPlainText() == "How many\nexactly?"
    assert not window.state.running
    with qtbot.waitSignal(window.runs.finished, timeout=20_000):
        qtbot.keyClick(question, Qt.Key.Key_Return)
    assert window.answer.answer == "seven"
    assert question.toPlainText() == "How many\nexactly?"  # Enter asked; no new line


def test_defect_10_folders_show_and_the_document_set_is_kept(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    first = make_window(responses=["FINAL(x)"], files=[str(docs)])
    wait_documents(qtbot, first)
    assert sorted(r.name for r in first.docs_model.rows) == ["docs/a.txt", "docs/b.txt"]
    first.splitter.setSizes([300, 200])  # the user drags the splitters
    first.left_split.setSizes([300, 200])
    first.left_split.splitterMoved.emit(300, 1)
    qtbot.wait(20)
    share = first.splitter.sizes()[0] / sum(first.splitter.sizes())
    answer_share = first.answer_space.share  # the conversation area's largest share
    first.close()
    second = make_window(responses=["FINAL(x)"])  # no files on the command line
    wait_documents(qtbot, second)
    assert sorted(Path(r.path).name for r in second.docs_model.rows) == ["a.txt", "b.txt"]
    sizes = second.splitter.sizes()
    assert abs(sizes[0] / sum(sizes) - share) < 0.05  # splitter positions remembered
    assert abs(second.answer_space.share - answer_share) < 0.01


def test_the_documents_list_gets_a_fair_share_of_the_height(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window(responses=["FINAL(x)"])
    window.resize(1024, 640)
    qtbot.wait(50)
    docs, lower = window.left_split.sizes()
    assert docs >= 0.35 * (docs + lower)


def test_remove_during_a_run_asks_to_stop_first(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=[SLOW_TURN, "FINAL(1)"], token_delay_s=0.01)
    window.start(files=[str(docs / "a.txt")])
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    _start(qtbot, window)
    window.documents.table.selectRow(0)
    window.documents.remove_button.click()
    assert window.guard.box is not None
    with qtbot.waitSignal(window.runs.finished, timeout=5_000):
        _answer(qtbot, window, yes=True)
    assert window.docs_model.rows == []


def test_code_steps_view_and_show_details(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window(responses=[FOUND, "FINAL(42)"])
    wait_model(qtbot, window)
    assert ask(qtbot, window, "What is the magic number?").status == "ok"
    cell = next(n for n in window.tree_model.walk() if n.kind == "cell")
    index = window.tree_model.index_of(cell.id)
    assert index.data() == "Searched all documents for 'magic number' → no match"
    window.side.go_to(cell.id)
    details = window.side.details
    assert not details.tabs.isVisible() and details.more.text() == "Show details"
    details.more.click()
    assert details.tabs.isVisible() and "grep('magic number')" in details.code.toPlainText()
    window.actions.code_steps.setChecked(True)
    assert index.data() == "Code 1: print(grep('magic number'))"


def test_the_demo_model_is_recognised() -> None:
    assert is_demo_model("/x/models/SmolLM2-135M-Instruct.Q4_1.gguf")
    assert is_demo_model("demo")
    assert not is_demo_model("/x/models/qwen.gguf") and not is_demo_model(None)


def test_help_pages_open(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window(responses=["FINAL(x)"])
    wait_model(qtbot, window)
    window.actions.getting_started.trigger()
    window.actions.shortcuts.trigger()
    window.actions.about_computer.trigger()
    from PySide6.QtWidgets import QDialog, QTextBrowser

    pages = {d.objectName(): d for d in window.findChildren(QDialog) if d.isVisible()}
    assert {"gettingStarted", "keyboardShortcuts", "aboutComputer"} <= set(pages)
    started = pages["gettingStarted"].findChild(QTextBrowser).toPlainText()
    assert "demo model" in started.lower() and "Enter" in started
    shortcuts = pages["keyboardShortcuts"].findChild(QTextBrowser).toPlainText()
    assert "Shift+Enter" in shortcuts
    about = pages["aboutComputer"].findChild(QTextBrowser).toPlainText()
    assert "Context window: 8,192 tokens" in about


def test_every_field_of_the_settings_dialogs_has_a_tooltip_in_words(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLabel

    from rlm_desktop.store.settings import Budgets, ModelOptions
    from rlm_desktop.ui.budgets_dialog import BudgetsDialog
    from rlm_desktop.ui.model_options_dialog import ModelOptionsDialog

    for dialog in (BudgetsDialog(Budgets()), ModelOptionsDialog(ModelOptions())):
        qtbot.addWidget(dialog)
        fields = dialog.findChildren(QAbstractSpinBox) + dialog.findChildren(QComboBox)
        assert fields and all(f.toolTip() for f in fields)
        words = " ".join(label.text() for label in dialog.findChildren(QLabel)).lower()
        assert "grammar" not in words and "nest" not in words and "turn" not in words
