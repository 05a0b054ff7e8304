"""The conversation thread, through the real window, engine and sandbox on the replay backend:
a follow-up runs in the same REPL and sees documents added in between, every run is recorded
in the history, selecting an earlier question shows its tree, Ctrl+N starts afresh, "Ask
again" warns about a changed document, export writes the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from rlm_desktop.store.history import HistoryStore
from rlm_desktop.store.settings import Settings
from rlm_desktop.ui.main_window import MainWindow
from rlm_desktop.ui.turn_card import Turn
from tests.ui.conftest import MakeWindow, ask, wait_documents, wait_model


def look(code: str) -> str:
    return f"Let me look.\n```repl\n{code}\n```"


def cell_output(turn: Turn) -> str:
    assert turn.tree is not None
    cells = [n for n in turn.tree.walk() if n.kind == "cell"]
    return cells[0].output


def wait_recorded(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: all(t.run_id for t in window.thread_view.turns), timeout=10_000)


def ready(qtbot: QtBot, window: MainWindow) -> None:
    wait_model(qtbot, window)
    wait_documents(qtbot, window)


def test_a_follow_up_uses_the_first_questions_variable_and_a_document_added_since(
    qtbot: QtBot, make_window: MakeWindow, docs: Path, tmp_path: Path
) -> None:
    responses = [
        look("magic = 6 * 7\nprint(magic)"),
        "FINAL(42)",
        look("print(magic * 2, len(documents), 'Heron' in context)"),
        "FINAL(84)",
    ]
    window = make_window(responses=responses, files=[str(docs / "a.txt")])
    ready(qtbot, window)
    assert ask(qtbot, window, "What is the magic number?").status == "ok"
    extra = tmp_path / "c.txt"
    extra.write_text("The Heron file is blue.\n")
    window.add_documents([str(extra)])
    wait_documents(qtbot, window)

    assert ask(qtbot, window, "And twice that?").answer == "84"

    first, second = window.thread_view.turns
    assert (first.question, first.answer) == ("What is the magic number?", "42")
    assert second.answer == "84"
    assert cell_output(second).split() == ["84", "2", "True"]  # same REPL, the new document
    assert window.answer.answer == "84" and window.thread_view.current is second
    assert "step" in second.stats and "token" in second.stats
    card = window.thread_view.card(second)
    assert card is not None and card.stats.text() == second.stats
    # both recorded, in one conversation, as the window showed them
    wait_recorded(qtbot, window)
    assert first.conversation_id == second.conversation_id is not None
    with HistoryStore.open() as store:
        record = store.conversation(first.conversation_id)
        assert record is not None
        assert [(r.question, r.answer, r.status) for r in record.runs] == [
            ("What is the magic number?", "42", "ok"),
            ("And twice that?", "84", "ok"),
        ]
        assert [d.name for d in record.documents] == ["a.txt", "c.txt"]
        tree = store.load_tree(second.run_id or 0)
        assert len(tree.nodes) == len(second.tree.nodes if second.tree else {})


def test_selecting_an_earlier_question_shows_its_tree(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    responses = [look("print('first cell')"), "FINAL(one)"]
    responses += [look("print('second cell')"), "FINAL(two)"]
    window = make_window(responses=responses, files=[str(docs / "a.txt")])
    ready(qtbot, window)
    ask(qtbot, window, "First?")
    ask(qtbot, window, "Second?")
    first, second = window.thread_view.turns
    assert window.tree_model.tree is second.tree

    card = window.thread_view.card(first)
    assert card is not None
    qtbot.mouseClick(card.question, Qt.MouseButton.LeftButton)

    assert window.tree_model.tree is first.tree
    assert window.thread_view.current is first and card.property("selected") is True
    assert window.answer.answer == "one"
    shown = window.side.details.node_id
    assert shown == window.tree_model.root_id
    outputs = [n.output for n in window.tree_model.walk() if n.kind == "cell"]
    assert outputs == ["first cell\n"]
    assert window.side.tree.model().rowCount() == 1  # the root, as a row
    second_card = window.thread_view.card(second)
    assert second_card is not None
    qtbot.mouseClick(second_card.question, Qt.MouseButton.LeftButton)
    assert [n.output for n in window.tree_model.walk() if n.kind == "cell"] == ["second cell\n"]
    card.answer.text.setFocus()  # tabbing to an answer chooses its question too
    qtbot.waitUntil(lambda: window.thread_view.current is first, timeout=2000)
    assert window.tree_model.tree is first.tree


def test_new_conversation_starts_afresh(qtbot: QtBot, make_window: MakeWindow, docs: Path) -> None:
    responses = [look("magic = 42"), "FINAL(42)", look("print(magic)"), "FINAL(gone)"]
    window = make_window(responses=responses, files=[str(docs / "a.txt")])
    ready(qtbot, window)
    ask(qtbot, window, "Make a variable.")
    wait_recorded(qtbot, window)
    old = window.thread_view.conversation_id

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)

    assert window.thread_view.turns == [] and window.thread_view.empty.isVisible()
    assert window.tree_model.node_count() == 0
    ask(qtbot, window, "Is it still there?")
    (turn,) = window.thread_view.turns
    assert "NameError" in cell_output(turn)  # a new REPL
    wait_recorded(qtbot, window)
    assert turn.conversation_id not in (None, old)


def test_removing_a_document_starts_a_new_conversation(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    responses = [look("print(len(documents))"), "FINAL(two)"]
    responses += [look("print(len(documents))"), "FINAL(one)"]
    window = make_window(responses=responses, files=[str(docs / "a.txt"), str(docs / "b.txt")])
    ready(qtbot, window)
    ask(qtbot, window, "How many documents?")
    window.loader.remove([1])

    ask(qtbot, window, "And now?")

    (turn,) = window.thread_view.turns  # the REPL that had b.txt is gone with the old thread
    assert cell_output(turn).strip() == "1"
    assert "a document was removed" in window.thread_view.note.text()


def test_with_the_history_off_nothing_is_recorded(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=[look("x = 1"), "FINAL(42)"], settings=Settings(history=False))
    ready(qtbot, window)
    assert ask(qtbot, window, "Anything?").answer == "42"
    qtbot.wait(300)  # what the run recorded (nothing) has arrived
    (turn,) = window.thread_view.turns
    assert turn.run_id is None and window.conversation.store is None
    window.actions.show_history.trigger()
    assert "history is off" in window.conversation.panel.message.text()
    with HistoryStore.open() as store:
        assert store.conversations() == []


def test_ask_again_warns_when_a_document_changed(
    qtbot: QtBot, make_window: MakeWindow, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    responses = [look("print(context)"), "FINAL(42)", look("print(context)"), "FINAL(7)"]
    window = make_window(responses=responses, files=[str(docs / "a.txt")])
    ready(qtbot, window)
    ask(qtbot, window, "What is the magic number?")
    wait_recorded(qtbot, window)
    (docs / "a.txt").write_text("The magic number is 7 now.\n")
    warned: list[list[str]] = []
    answers = iter([False, True])

    def confirm(lines: list[str]) -> bool:
        warned.append(lines)
        return next(answers)

    monkeypatch.setattr(window.conversation, "confirm_changed", confirm)
    card = window.thread_view.cards[0]

    card.again_button.click()  # warned, and cancelled: nothing happens
    assert warned == [["a.txt changed since it was read"]]
    assert len(window.thread_view.turns) == 1 and not window.state.running

    with qtbot.waitSignal(window.runs.finished, timeout=20_000):
        window.thread_view.cards[0].again_button.click()
    assert len(warned) == 2
    (turn,) = window.thread_view.turns  # a new conversation, the document read again
    assert turn.question == "What is the magic number?" and turn.answer == "7"
    assert "The magic number is 7 now." in cell_output(turn)


def test_edit_and_ask_puts_the_question_in_the_box(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=[look("x = 1"), "FINAL(42)"], files=[str(docs / "a.txt")])
    ready(qtbot, window)
    ask(qtbot, window, "What is the magic number?")
    window.thread_view.cards[0].edit_button.click()
    assert window.ask_panel.question.toPlainText() == "What is the magic number?"
    assert not window.state.running and window.thread_view.turns == []


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_export_writes_the_conversation(
    qtbot: QtBot,
    make_window: MakeWindow,
    docs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    window = make_window(responses=[look("print('hello export')"), "FINAL(42)"])
    ready(qtbot, window)
    ask(qtbot, window, "Export me?")
    wait_recorded(qtbot, window)
    target = tmp_path / f"out.{fmt}"
    monkeypatch.setattr(window.conversation, "pick_export_path", lambda what, ident: (target, fmt))

    assert window.conversation.export(run_only=fmt == "json") == target

    text = target.read_text(encoding="utf-8")
    assert "Export me?" in text and "hello export" in text
    if fmt == "html":
        assert "<details" in text
