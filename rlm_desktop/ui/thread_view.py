"""The conversation thread: every question of the conversation as a card (question, formatted
answer, statistics), newest at the bottom, with a header saying what is shown (the
conversation going on, one opened from the history, an imported trace: both read-only) and
"New conversation". The window decides what selecting a card does (its tree in the side
pane); the thread only shows which one is selected.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rlm_desktop.ui.answer_view import AnswerView
from rlm_desktop.ui.turn_card import Turn, TurnCard

EMPTY = (
    "<p><b>Ask a question about your documents.</b></p>"
    "<p>Each answer appears here with how long it took. Ask a follow-up and it continues the "
    "same conversation: the model still has what it worked out before. "
    "<i>New conversation</i> (Ctrl+N) starts afresh.</p>"
)
STYLE = """
QFrame#turn { border: 1px solid palette(midlight); border-radius: 8px; background: palette(base); }
QFrame#turn[selected="true"] { border: 2px solid palette(highlight); }
QLabel#turnQuestion { font-weight: 600; font-size: 11pt; }
QLabel#threadNote { color: palette(placeholder-text); }
QLabel#threadEmpty { color: palette(placeholder-text); padding: 16px; }
QLabel#banner[status="interrupted"] {
    background: rgba(217, 138, 28, 0.20); border-radius: 6px; padding: 6px 8px;
}
"""


class ThreadView(QWidget):
    clicked = Signal(object)  # Turn: the user clicked its card
    ask_again = Signal(object)  # Turn
    edit = Signal(object)  # Turn
    open_source = Signal(dict)  # a clicked citation

    def __init__(self, new_conversation: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(STYLE)
        self.cards: list[TurnCard] = []
        self.selected: TurnCard | None = None
        self.readonly = False  # showing a recorded conversation or an imported trace
        self._blank = AnswerView()  # `answer` before any question
        title = QLabel("Conversation")
        title.setObjectName("sectionTitle")
        self.note = QLabel()
        self.note.setObjectName("threadNote")
        self.note.setWordWrap(True)  # a long note wraps instead of widening the window
        self.note.setAccessibleName("What the conversation shows")
        self.new_button = QToolButton()
        self.new_button.setDefaultAction(new_conversation)
        self.new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.new_button.setAccessibleName("Start a new conversation")
        self.empty = QLabel(EMPTY)
        self.empty.setObjectName("threadEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.column = _Column()  # never wider than the thread: a card cannot push it wider
        self.column.setObjectName("threadColumn")
        self.cards_layout = QVBoxLayout(self.column)
        self.cards_layout.setContentsMargins(2, 2, 8, 2)
        self.cards_layout.setSpacing(10)
        self.cards_layout.addWidget(self.empty)
        self.cards_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.column)
        self.scroll.setAccessibleName("Conversation")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addWidget(self.note, 1)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)

    # --- what is shown ----------------------------------------------------------------------
    @property
    def turns(self) -> list[Turn]:
        return [card.turn for card in self.cards]

    @property
    def current(self) -> Turn | None:
        return self.selected.turn if self.selected else None

    @property
    def answer(self) -> AnswerView:
        """The selected question's answer (an empty one before any question)."""
        return self.selected.answer if self.selected else self._blank

    @property
    def conversation_id(self) -> int | None:
        return next((t.conversation_id for t in self.turns if t.conversation_id), None)

    def clear(self, note: str = "", readonly: bool = False) -> None:
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.deleteLater()
        self.cards, self.selected = [], None
        self.readonly = readonly
        self.note.setText(note)
        self.empty.setVisible(True)

    def show_turns(self, turns: list[Turn], note: str) -> None:
        """A recorded conversation or an imported trace, read-only; the last one selected."""
        self.clear(note, readonly=True)
        for turn in turns:
            self._add(turn)
        if self.cards:
            self.select(self.cards[-1].turn)
            self.scroll_to(self.cards[-1])

    def begin(self, question: str) -> Turn:
        """A new question of the conversation, running; selected and scrolled to."""
        turn = Turn(question)
        card = self._add(turn)
        self.select(turn)
        self.scroll_to(card)
        return turn

    def update_turn(self, turn: Turn) -> None:
        card = self.card(turn)
        if card is not None:
            card.refresh()

    def live_stats(self, line: str) -> None:
        """The running question's statistics line, as the run goes."""
        card = self.cards[-1] if self.cards else None
        if card is not None and card.turn.status == "running":
            card.stats.setText(line)

    def select(self, turn: Turn) -> None:
        for card in self.cards:
            card.set_selected(card.turn is turn)
            if card.turn is turn:
                self.selected = card

    def card(self, turn: Turn) -> TurnCard | None:
        return next((c for c in self.cards if c.turn is turn), None)

    def scroll_to(self, card: TurnCard) -> None:
        """Show `card` (after the layout has placed it); a card taller than the thread shows
        from its question."""

        def show() -> None:
            self.scroll.ensureWidgetVisible(card, 0, 0)
            bar = self.scroll.verticalScrollBar()
            top = max(card.y() - self.cards_layout.spacing(), 0)
            if bar.value() > top:
                bar.setValue(top)

        QTimer.singleShot(0, show)

    def _add(self, turn: Turn) -> TurnCard:
        card = TurnCard(turn, len(self.cards) + 1)
        card.clicked.connect(self.clicked)
        card.ask_again.connect(self.ask_again)
        card.edit.connect(self.edit)
        card.open_source.connect(self.open_source)
        self.cards_layout.insertWidget(len(self.cards) + 1, card)
        self.cards.append(card)
        self.empty.setVisible(False)
        return card


class _Column(QWidget):
    """The thread's column of cards: as wide as the thread shows, whatever a card asks for."""

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())
