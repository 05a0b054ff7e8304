"""The question box with Ask and Stop, the plain-language progress line and the run's
statistics. Enter asks and Shift+Enter adds a line (as in chat apps); Ctrl+Enter also asks and
Esc stops (window-wide actions; the buttons here trigger the same actions).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

PLACEHOLDER = (
    "Ask a question about your documents, for example: "
    "“Which contracts renew automatically, and when?” "
    "(Enter asks; Shift+Enter adds a line)"
)
HINTS = ("Choose a model first.", "Type a question first.")  # cleared once they no longer apply


class AskPanel(QWidget):
    def __init__(self, ask: QAction, stop: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Question")
        title.setObjectName("sectionTitle")
        self.question = QPlainTextEdit()
        self.question.setPlaceholderText(PLACEHOLDER)
        self.question.setAccessibleName("Question")
        self.question.setAccessibleDescription(
            "Type your question, then press Enter to ask (Shift+Enter adds a line)"
        )
        self.question.setTabChangesFocus(True)
        self.question.setAcceptDrops(False)
        self.question.setFixedHeight(self.question.fontMetrics().lineSpacing() * 4 + 14)
        self.ask_button = QPushButton("Ask")
        self.ask_button.setObjectName("askButton")
        self.ask_button.setAccessibleName("Ask the question")
        self.ask_button.setToolTip("Ask the question (Enter, or Ctrl+Enter from anywhere)")
        self.ask_button.clicked.connect(ask.trigger)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setAccessibleName("Stop the run")
        self.stop_button.setToolTip("Stop (Esc)")
        self.stop_button.clicked.connect(stop.trigger)
        ask.enabledChanged.connect(self.ask_button.setEnabled)
        stop.enabledChanged.connect(self.stop_button.setEnabled)
        self.ask_button.setEnabled(ask.isEnabled())
        self.stop_button.setEnabled(stop.isEnabled())
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(90)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName("Working")
        self.busy.hide()
        self.progress = QLabel("")
        self.progress.setAccessibleName("Progress")
        self.progress.setWordWrap(True)
        self.stats = QLabel("")
        self.stats.setObjectName("statsLine")
        self.stats.setAccessibleName("Run statistics")
        self.stats.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stats.setWordWrap(True)  # a long line wraps rather than widening the window
        self.stats.setMinimumWidth(1)
        self.progress.setMinimumWidth(1)

        buttons = QVBoxLayout()
        buttons.addWidget(self.ask_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.question, 1)
        row.addLayout(buttons)
        status = QHBoxLayout()
        status.addWidget(self.busy)
        status.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addLayout(status)
        layout.addWidget(self.stats)

    def text(self) -> str:
        return self.question.toPlainText().strip()

    def clear_hint(self) -> None:
        """Drop a hint such as "Choose a model first." once it no longer applies."""
        if self.progress.text() in HINTS:
            self.progress.setText("")

    def set_running(self, running: bool) -> None:
        self.busy.setVisible(running)
