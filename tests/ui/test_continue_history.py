"""A conversation from the history can be continued in the window (issue 15): Continue in the
history panel reads its documents again off the GUI thread (a warning when one changed), and
the next question is a follow-up in it (an earlier variable is still there, the run is kept in
the same conversation). And the history can be turned off and on from the window, with a
plain line on what off means."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from rlm_desktop.store.history import HistoryStore
from rlm_desktop.store.settings import load_settings
from rlm_desktop.ui.main_window import MainWindow
from tests.ui.conftest import MakeWindow, ask, wait_documents, wait_model
from tests.ui.test_thread import cell_output, look, wait_recorded

FIRST = [look("magic = 6 * 7\nprint(magic)"), "FINAL(The magic number is 42.)"]
FOLLOW_UP = [look("print(magic * 2, len(documents))"), "FINAL(Twice is 84.)"]


def first_conversation(qtbot: QtBot, make_window: MakeWindow, docs: Path) -> int:
    """One question asked in a window on a.txt, recorded; the window closed; its id."""
    window = make_window(responses=FIRST, files=[str(docs / "a.txt")])
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    assert ask(qtbot, window, "What is the magic number?").status == "ok"
    wait_recorded(qtbot, window)
    cid = window.thread_view.conversation_id
    assert cid is not None
    window.close()
    return cid


def continue_from_history(qtbot: QtBot, window: MainWindow, cid: int) -> None:
    wait_model(qtbot, window)
    window.actions.show_history.trigger()
    panel = window.conversation.panel
    assert panel.select(cid)
    assert panel.continue_button.isEnabled() and panel.continue_button.toolTip()
    panel.continue_button.click()
    assert window.thread_view.readonly  # shown at once; the documents are read meanwhile
    qtbot.waitUntil(lambda: not window.thread_view.readonly, timeout=20_000)


def test_continue_a_conversation_from_the_history(
    qtbot: QtBot, make_window: MakeWindow, docs: Path, tmp_path: Path
) -> None:
    cid = first_conversation(qtbot, make_window, docs)
    other = tmp_path / "other.txt"
    other.write_text("Nothing about numbers.\n")
    window = make_window(responses=FOLLOW_UP, files=[str(other)])  # other documents loaded
    wait_documents(qtbot, window)
    continue_from_history(qtbot, window, cid)
    assert [Path(r.path).name for r in window.docs_model.rows] == ["a.txt"]  # read again
    assert window.conversation.warning_box is None  # nothing changed: no warning
    assert "Continued" in window.thread_view.note.text()

    outcome = ask(qtbot, window, "And twice that?")
    assert outcome.answer == "Twice is 84."
    first, second = window.thread_view.turns
    assert first.question == "What is the magic number?"
    assert cell_output(second).split() == ["84", "1"]  # the earlier variable, in a new REPL
    wait_recorded(qtbot, window)
    assert second.conversation_id == cid  # kept in the same conversation
    with HistoryStore.open() as store:
        record = store.conversation(cid)
        assert record is not None
        assert [r.question for r in record.runs] == ["What is the magic number?", "And twice that?"]


def test_continuing_warns_when_a_document_changed(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    cid = first_conversation(qtbot, make_window, docs)
    (docs / "a.txt").write_text("The magic number is now 43.\n")
    window = make_window(responses=FOLLOW_UP)
    continue_from_history(qtbot, window, cid)
    box = window.conversation.warning_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "a.txt changed since this conversation read it" in box.text()
    box.close()
    assert ask(qtbot, window, "And twice that?").answer == "Twice is 84."


def test_the_history_can_be_turned_off_and_on_in_the_window(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=FIRST + FOLLOW_UP + FIRST, files=[str(docs / "a.txt")])
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    window.actions.show_history.trigger()
    panel = window.conversation.panel
    assert panel.keep.isChecked() and panel.keep.isVisible()
    assert "not written to this computer" in panel.keep_note.text()  # what off means
    assert ask(qtbot, window, "What is the magic number?").status == "ok"
    wait_recorded(qtbot, window)
    cid = window.thread_view.conversation_id

    panel.keep.click()  # off: from the next question on, nothing is written
    assert not load_settings().history  # kept in the settings
    assert "off" in panel.message.text()
    assert ask(qtbot, window, "And twice that?").status == "ok"
    qtbot.wait(300)
    with HistoryStore.open() as store:
        record = store.conversation(cid)
        assert record is not None and len(record.runs) == 1

    panel.keep.click()  # on again
    assert load_settings().history
    assert ask(qtbot, window, "What is the magic number?").status == "ok"
    last = window.thread_view.turns[-1]
    qtbot.waitUntil(lambda: last.run_id is not None, timeout=10_000)
    assert window.thread_view.turns[1].run_id is None  # asked while it was off
    with HistoryStore.open() as store:
        record = store.conversation(cid)
        assert record is not None and len(record.runs) == 2
