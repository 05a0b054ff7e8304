"""One answer in the conversation thread: formatted text (Markdown), a banner when the run did
not end normally (stopped, out of budget, failed, interrupted by a crash), and a Copy button.
The text is as tall as its content (the thread scrolls, not each answer).
"""

from __future__ import annotations

from PySide6.QtCore import QSizeF, Qt, Signal
from PySide6.QtGui import QFocusEvent, QGuiApplication, QResizeEvent, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from rlm_desktop.ui.format import breakable
from rlm_desktop.verify.citations import NO_FIGURE_NOTE

MARKDOWN = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML  # raw HTML in an answer stays text
)
PLACEHOLDERS = {
    "ok": "The answer will appear here.",
    "running": "Working on it… the answer will appear here.",
    "interrupted": "No answer: the app stopped before the run found one.",
    "cancelled": "No answer: the run was stopped before it found one.",
    "error": "No answer: the run stopped with an error (see above).",
}
BANNERS = {
    "cancelled": "Stopped. Below is what was found before you stopped the run.",
    "budget": "The run reached one of its limits: this is its best answer so far.",
    "error": "The run stopped with an error",
    "interrupted": "The app stopped before this run ended: below is what it had found.",
}
MIN_LINES = 2


class AnswerView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.answer = ""
        self.title = title = QLabel("Answer")
        title.setObjectName("sectionTitle")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setAccessibleName("Copy the answer")
        self.copy_button.setToolTip("Copy the answer to the clipboard")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Run outcome")
        self.banner.hide()
        self.text = _FittingBrowser()
        self.text.setAccessibleName("Answer")
        self.text.setOpenExternalLinks(False)
        self.text.setOpenLinks(False)  # an answer's link never loads a file into the view
        self.text.setAcceptDrops(False)
        self.text.setPlaceholderText(PLACEHOLDERS["ok"])
        font = self.text.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.text.setFont(font)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.text)

    def clear(self) -> None:
        self.show_answer("", "ok")

    def show_answer(self, answer: str, status: str, error: str | None = None) -> None:
        """Show `answer` (Markdown) as run `status` left it ("running": still working)."""
        self.answer = answer
        self.text.document().setMarkdown(answer, MARKDOWN)
        self.copy_button.setEnabled(bool(answer))
        banner = BANNERS.get(status)
        if status == "error":
            banner = f"{banner}: {error}" if error else f"{banner}."
        self.text.setPlaceholderText(PLACEHOLDERS.get(status, PLACEHOLDERS["ok"]))
        self.banner.setProperty("status", status)
        self.banner.setText(breakable(banner or ""))  # an error's long file path wraps
        self.banner.setVisible(bool(banner))
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)

    def set_verdict(
        self, status: str, answer: str, verified: bool, note: str | None = None
    ) -> None:
        """For a finished answer: "Answer found" only when a verified passage of the documents
        supports it; otherwise say plainly that it is unverified, and why where it is known."""
        if status != "ok" or not answer.strip():
            return
        kind = "found" if verified else "unverified"
        self.banner.setProperty("status", kind)
        if verified:
            text = "Answer found: a passage of your documents supports it (see the sources below)."
        elif note == NO_FIGURE_NOTE:
            text = (
                "Unverified answer: it does not give the figure your question asks for. "
                "Check the sources below before you rely on it."
            )
        else:
            text = (
                "Unverified answer: no passage of your documents was found to support it. "
                "Check it before you rely on it."
            )
        self.banner.setText(text)
        self.banner.setVisible(True)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)

    def copy(self) -> None:
        if self.answer:
            QGuiApplication.clipboard().setText(self.answer)


class _FittingBrowser(QTextBrowser):
    """A read-only rich text view as tall as its text: no scroll bar of its own."""

    focused = Signal()  # it got the keyboard focus (Tab): its question is the one chosen

    def __init__(self) -> None:
        super().__init__()
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit(self.document().size())

    def _fit(self, size: QSizeF) -> None:
        lines = self.fontMetrics().lineSpacing() * MIN_LINES
        margins = self.contentsMargins().top() + self.contentsMargins().bottom()
        height = (
            max(int(size.height()), lines) + margins + 2 * int(self.document().documentMargin())
        )
        if self.height() != height:
            self.setFixedHeight(height)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit(self.document().size())
