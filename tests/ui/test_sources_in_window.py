"""Sources under an answer in the real window (replay backend, real engine, sandbox and
verification): a supported answer says "Answer found" and lists its passage, a click opens the
document viewer at that passage; an invented answer says "Unverified answer"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from rlm_desktop.ui.main_window import MainWindow
from rlm_desktop.ui.turn_card import TurnCard
from tests.ui.conftest import MakeWindow, ask, wait_documents, wait_model


def look(code: str) -> str:
    return f"Let me look.\n```repl\n{code}\n```"


def asked(
    qtbot: QtBot, make_window: MakeWindow, docs: Path, final: str, grep: str, question: str
) -> tuple[MainWindow, TurnCard]:
    """A window over `docs` where the model greps, then answers `final`: the question's card."""
    window = make_window(responses=[look(f"print(grep({grep!r}))"), final], files=[str(docs)])
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    assert ask(qtbot, window, question).status == "ok"
    return window, window.thread_view.cards[-1]


def test_a_supported_answer_lists_its_source_and_opens_the_document_there(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window, card = asked(
        qtbot,
        make_window,
        docs,
        "FINAL(The archive key is K-7731.)",
        "archive key",
        "What is Cormorant's archive key?",
    )
    assert card.turn.answer_verified
    assert card.answer.banner.text().startswith("Answer found")
    assert window.ask_panel.progress.text() == "Answer found."
    assert card.sources.isVisibleTo(window) and card.sources.rows
    first = card.sources.citations[0]
    assert first["verified"] and "K-7731" in first["quote"]
    assert "b.txt" in card.sources.rows[0].text()

    card.sources.rows[0].linkActivated.emit("source:0")  # the user clicks the source
    viewer = window.sources.viewer
    assert viewer is not None and viewer.isVisible()
    assert viewer.document is not None and viewer.document.name.endswith("b.txt")
    assert "K-7731" in viewer.highlighted_text()
    viewer.close()

    # the documents list opens the viewer too
    index = window.docs_model.index(0, 0)
    window.documents.table.doubleClicked.emit(index)
    assert viewer.isVisible() and viewer.document is not None
    window.close()
    assert not viewer.isVisible()  # closed with the window: nothing is left open


def test_an_invented_answer_is_shown_as_unverified(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window, card = asked(
        qtbot,
        make_window,
        docs,
        "FINAL(The archive key is Q-1234.)",
        "archive key",
        "What is Cormorant's archive key?",
    )
    assert not card.turn.answer_verified
    assert card.answer.banner.text().startswith("Unverified answer")
    assert window.ask_panel.progress.text() == "Unverified answer."
    assert "Answer found" not in card.answer.banner.text()
    qtbot.keyClick(card, Qt.Key.Key_Escape)  # nothing to stop: no effect, no error
    window.close()


def test_an_answer_without_the_figure_asked_for_says_so_and_shows_the_passage(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window, card = asked(
        qtbot,
        make_window,
        docs,
        "FINAL(The magic number.)",
        "magic number",
        "What is the magic number?",
    )
    assert not card.turn.answer_verified
    banner = card.answer.banner.text()
    assert banner.startswith("Unverified answer: it does not give the figure your question")
    assert "no passage" not in banner  # a passage is there: it holds the figure
    assert card.sources.note.text().startswith("The question asks for a figure")
    assert "The magic number is 42." in card.sources.citations[0]["quote"]
    window.close()
