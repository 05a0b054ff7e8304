"""A one-line label that never sets its window's minimum width: it asks for its whole text's
width, and with less room its text ends in "…" (the whole line stays its accessible
description). For the status bar's model and memory lines and the documents' summary, whose
text can be longer than a 1024 px window has room for (issue 19, defect 2: the window
widened itself).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel

LEAST_WIDTH = 60  # pixels: the label may shrink to this


class FittingLabel(QLabel):
    """A one-line label that asks for its whole text's width but makes do with less: then
    its text is cut with "…" (the whole line is its accessible description)."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), LEAST_WIDTH), hint.height())

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setAccessibleDescription(text)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        flags = int(self.alignment())
        self.style().drawItemText(
            painter, rect, flags, self.palette(), self.isEnabled(), text, self.foregroundRole()
        )
