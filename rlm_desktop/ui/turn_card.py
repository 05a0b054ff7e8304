"""One question of the conversation thread: `Turn` (what it holds: question, answer, status,
statistics, its ids in the history, its tree once shown) and `TurnCard` (the widget: the
question, the formatted answer, its numbered sources (a click opens the document at the
passage), the statistics line, and "Ask again" / "Edit and ask").
Clicking a card selects it; the window then shows its tree in the side pane.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from rlm_desktop.engine.tree import RunTree
from rlm_desktop.store.records import RunRecord
from rlm_desktop.ui.answer_view import AnswerView
from rlm_desktop.ui.format import breakable
from rlm_desktop.ui.run_stats import RunStats
from rlm_desktop.ui.sources_view import SourcesView


@dataclass(eq=False)
class Turn:
    question: str
    answer: str = ""
    status: str = "running"
    error: str | None = None
    stats: str = ""
    conversation_id: int | None = None  # None: not (yet) in the history
    run_id: int | None = None
    tree: RunTree | None = None  # None: not shown yet (read from the history when it is)
    can_ask_again: bool = True  # False: an imported run whose question is not known
    citations: list[dict[str, Any]] = field(default_factory=list)  # Citation.to_json()
    answer_verified: bool = False
    answer_note: str | None = None

    @classmethod
    def from_record(cls, run: RunRecord) -> Turn:
        stats = RunStats(
            seconds=run.seconds,
            turns=run.iterations,
            subcalls=run.subcalls,
            prompt_tokens=run.prompt_tokens,
            completion_tokens=run.completion_tokens,
            final=True,
        )
        return cls(
            run.question,
            run.answer,
            run.status,
            run.error,
            stats.line() if run.status != "running" else "",
            run.conversation_id,
            run.id,
            citations=list(run.citations),
            answer_verified=run.answer_verified,
            answer_note=run.answer_note,
        )


class TurnCard(QFrame):
    clicked = Signal(object)  # Turn
    ask_again = Signal(object)  # Turn
    edit = Signal(object)  # Turn
    open_source = Signal(dict)  # a citation the user clicked: open the document there

    def __init__(self, turn: Turn, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.turn = turn
        self.setObjectName("turn")
        self.setProperty("selected", False)
        self.setAccessibleName(f"Question {number}")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to see how this answer was found")
        self.question = QLabel(breakable(turn.question))  # a long web address wraps
        self.question.setObjectName("turnQuestion")
        self.question.setWordWrap(True)
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        self.question.setAccessibleName("Question")
        self.answer = AnswerView()
        self.answer.text.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self.answer.title.hide()  # the card is the answer's frame; Copy sits with the others
        self.sources = SourcesView()
        self.sources.setAccessibleName("Sources")
        self.sources.open_requested.connect(self.open_source)
        self.stats = QLabel(turn.stats)
        self.stats.setObjectName("statsLine")
        self.stats.setWordWrap(True)  # never wider than the thread: it wraps
        self.stats.setMinimumWidth(80)
        self.stats.setAccessibleName("Run statistics")
        self.again_button = QPushButton("Ask again")
        self.again_button.setToolTip("Ask this question again, on the same documents")
        self.again_button.setAccessibleName("Ask this question again")
        self.edit_button = QPushButton("Edit and ask…")
        self.edit_button.setToolTip("Put this question in the question box to change it first")
        self.edit_button.setAccessibleName("Edit this question, then ask it")
        self.again_button.clicked.connect(lambda: self.ask_again.emit(self.turn))
        self.edit_button.clicked.connect(lambda: self.edit.emit(self.turn))
        self.answer.text.selectionChanged.connect(self._select_from_text)
        self.answer.text.focused.connect(self._select_from_text)
        bottom = QHBoxLayout()
        bottom.addWidget(self.stats, 1)
        bottom.addWidget(self.answer.copy_button)
        bottom.addWidget(self.again_button)
        bottom.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.question)
        layout.addWidget(self.answer)
        layout.addWidget(self.sources)
        layout.addLayout(bottom)
        self.refresh()

    def refresh(self) -> None:
        """Show the turn as it is now."""
        turn = self.turn
        self.answer.show_answer(turn.answer, turn.status, turn.error)
        self.answer.set_verdict(turn.status, turn.answer, turn.answer_verified, turn.answer_note)
        if turn.status == "running":
            self.sources.hide()
        else:
            self.sources.set_sources(turn.citations, turn.answer, turn.answer_note)
        self.stats.setText(turn.stats)
        done = turn.status != "running" and turn.can_ask_again
        self.again_button.setVisible(done)
        self.edit_button.setVisible(done)

    def set_selected(self, selected: bool) -> None:
        if self.property("selected") == selected:
            return
        self.setProperty("selected", selected)
        self.style().unpolish(self)
        self.style().polish(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.turn)
        super().mousePressEvent(event)

    def _select_from_text(self) -> None:
        """Selecting text in an answer (or tabbing to it) selects its question too."""
        if not self.property("selected"):
            self.clicked.emit(self.turn)
