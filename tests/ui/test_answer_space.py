"""The conversation area is as tall as its content (issue 19, "the answer area grows only with
its content"): a short answer leaves no large empty box (the documents list gets the height);
a long one grows the area up to its largest share, then scrolls; the share is the user's,
set by dragging the splitter, and kept between launches."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from pytestqt.qtbot import QtBot

from rlm_desktop.ui.main_window import MainWindow
from tests.ui.conftest import MakeWindow, ask, wait_documents, wait_model

LOOK = "Let me look.\n```repl\nprint(grep('magic number'))\n```"
SHORT = "FINAL(The magic number is 42.)"
LONG = "FINAL(" + " ".join(f"Clause {i} says the number is 42 in a long way." for i in range(80))
LONG += ")"


def empty_below(window: MainWindow) -> int:
    """Pixels of the conversation's visible area that show nothing."""
    scroll = window.thread_view.scroll
    layout = window.thread_view.column.layout()
    content = layout.totalHeightForWidth(scroll.viewport().width())
    return scroll.viewport().height() - content


def settle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.wait(100)  # the area fits once the layout has settled


def ready(qtbot: QtBot, make_window: MakeWindow, docs: Path, responses: list[str]) -> MainWindow:
    window = make_window(responses=responses, files=[str(docs / "a.txt")])
    window.resize(1280, 800)
    wait_model(qtbot, window)
    wait_documents(qtbot, window)
    return window


def test_a_short_answer_leaves_no_large_empty_area(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = ready(qtbot, make_window, docs, [LOOK, SHORT])
    assert ask(qtbot, window, "What is the magic number?").status == "ok"
    settle(qtbot, window)
    assert window.answer.answer == "The magic number is 42."
    line = window.fontMetrics().lineSpacing()
    assert empty_below(window) < 2 * line  # was about half of the conversation area
    docs_height, lower = window.left_split.sizes()
    assert docs_height > lower  # the documents list got the rest
    assert window.thread_view.scroll.verticalScrollBar().maximum() == 0  # all of it shows


def test_a_long_answer_grows_the_area_then_scrolls(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = ready(qtbot, make_window, docs, [LOOK, SHORT, LOOK, LONG])
    ask(qtbot, window, "What is the magic number?")
    settle(qtbot, window)
    short = window.left_split.sizes()[1]
    ask(qtbot, window, "Tell me everything.")
    settle(qtbot, window)
    docs_height, lower = window.left_split.sizes()
    assert lower > short  # it grew with its content
    share = window.answer_space.share
    assert abs(lower / (docs_height + lower) - share) < 0.03  # up to its largest share
    assert window.thread_view.scroll.verticalScrollBar().maximum() > 0  # and it scrolls
    assert empty_below(window) <= 0
    viewport = window.thread_view.scroll.viewport()
    top = window.thread_view.cards[-1].mapTo(viewport, QPoint(0, 0)).y()
    assert 0 <= top < viewport.height() // 2  # the new answer is shown, from its question


def test_the_largest_share_is_the_users_and_is_kept(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    first = ready(qtbot, make_window, docs, [LOOK, LONG])
    ask(qtbot, first, "Tell me everything.")
    settle(qtbot, first)
    total = sum(first.left_split.sizes())
    first.left_split.setSizes([total - 300, 300])  # the user drags the splitter down
    first.left_split.splitterMoved.emit(total - 300, 1)
    settle(qtbot, first)
    assert abs(first.left_split.sizes()[1] - 300) <= 3  # kept: the long answer scrolls
    share = first.answer_space.share
    first.close()
    second = make_window(responses=["FINAL(x)"])
    assert abs(second.answer_space.share - share) < 0.01


def test_a_long_web_address_in_a_question_wraps_inside_the_thread(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    """Found under Xvfb: a question holding a long web address made its card wider than the
    thread, so the cards were cut at the right (and shifted left after the next question)."""
    window = ready(qtbot, make_window, docs, [LOOK, SHORT])
    window.resize(1024, 640)
    address = "https://intranet.example.com/contracts/2024/supply/annex-" + "x" * 120
    assert ask(qtbot, window, f"What is the cap in {address}?").status == "ok"
    settle(qtbot, window)
    thread = window.thread_view
    viewport = thread.scroll.viewport()
    card = thread.cards[-1]
    assert thread.column.width() <= viewport.width()
    assert card.geometry().right() < viewport.width()  # not cut at the right
    label = card.question
    assert label.heightForWidth(label.width()) >= 3 * label.fontMetrics().lineSpacing()  # wraps
    assert thread.scroll.horizontalScrollBar().value() == 0
    assert window.width() == 1024


def test_a_follow_ups_answer_is_scrolled_into_view(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    """Seen under Xvfb at 1024 × 640: after a follow-up the thread still showed the end of
    the question before it; the new answer was below, out of sight."""
    window = ready(qtbot, make_window, docs, [LOOK, SHORT, LOOK, SHORT, LOOK, SHORT])
    window.resize(1024, 640)
    for question in ("What is the magic number?", "And again?", "Once more?"):
        assert ask(qtbot, window, question).status == "ok"
        settle(qtbot, window)
        viewport = window.thread_view.scroll.viewport()
        card = window.thread_view.cards[-1]
        top = card.mapTo(viewport, QPoint(0, 0)).y()
        assert 0 <= top < viewport.height() // 2, question  # from the new question on
