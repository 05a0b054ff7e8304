"""The numbered sources under an answer: document, page, the passage with the answer's words
highlighted, verified or not found; a click asks for the document viewer at that passage.

API for the window: `SourcesView.set_sources(citations, answer, note)` with the run's
`citations` (`Citation.to_json()` dicts, as in `RunFinished.citations` and `ask --json`);
`open_requested(dict)` is emitted with the clicked citation.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from rlm_desktop.ui.format import breakable
from rlm_desktop.verify.citations import matching_words

PASSAGE_CHARS = 300
MARK = "background-color: rgba(255, 208, 0, 0.55);"


def passage_html(answer: str, passage: str, limit: int = PASSAGE_CHARS) -> str:
    """The passage, cut to `limit` characters, escaped, the answer's words marked."""
    flat = " ".join(passage.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    out, at = [], 0
    for start, end in matching_words(answer, flat):
        out.append(html.escape(flat[at:start]))
        out.append(f'<span style="{MARK}">{html.escape(flat[start:end])}</span>')
        at = end
    out.append(html.escape(flat[at:]))
    return "".join(out)


class SourcesView(QWidget):
    open_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.citations: list[dict[str, Any]] = []
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("font-weight: bold;")
        self.rows: list[QLabel] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.note)

    def set_sources(
        self, citations: list[dict[str, Any]], answer: str, note: str | None = None
    ) -> None:
        for row in self.rows:
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows = []
        self.citations = [dict(c) for c in citations]
        self.note.setText(note or "")
        self.note.setVisible(bool(note))
        for n, c in enumerate(self.citations, start=1):
            row = QLabel(self._row_html(n, c, answer))
            row.setWordWrap(True)
            row.setTextFormat(Qt.TextFormat.RichText)
            row.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
            row.linkActivated.connect(self._clicked)
            self._layout.addWidget(row)
            self.rows.append(row)
        self.setVisible(bool(self.citations) or bool(note))

    @staticmethod
    def _row_html(n: int, c: dict[str, Any], answer: str) -> str:
        where = html.escape(breakable(str(c.get("document") or "not in any document")))
        if c.get("page") is not None:
            where += f", page {int(c['page'])}"
        state = "✓ verified" if c.get("verified") else "✗ not found in your documents"
        passage = passage_html(answer, str(c.get("quote", "")))
        link = f'<a href="source:{n - 1}">{where}</a>' if c.get("verified") else where
        return f"<b>[{n}]</b> {link} — “{passage}” <i>({state})</i>"

    def _clicked(self, href: str) -> None:
        if href.startswith("source:"):
            index = int(href.removeprefix("source:"))
            if 0 <= index < len(self.citations):
                self.open_requested.emit(self.citations[index])
