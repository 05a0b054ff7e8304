"""What one step of the run did: the model's words (streamed live), the code it ran
(highlighted) and that code's output, with a one-line header (status, tokens, time).

`show_node(node)` switches to a node and picks the tab that fits it; `refresh(node)` brings the
same node up to date, appending streamed text rather than re-setting it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rlm_desktop.engine.tree import TreeNode
from rlm_desktop.ui.code_view import CodeView, mono_font
from rlm_desktop.ui.format import duration
from rlm_desktop.ui.tree_model import STATUS_WORDS

PLACEHOLDERS = {
    "running": "Waiting for the model's words…",
    "error": "This step stopped with an error before the model wrote anything.",
    "cancelled": "This step was stopped before the model wrote anything.",
}
MAX_SHOWN = 200_000  # characters of one output shown (the rest is cut with a notice)


def _text_pane(name: str) -> QPlainTextEdit:
    pane = QPlainTextEdit()
    pane.setReadOnly(True)
    pane.setAcceptDrops(False)
    pane.setFont(mono_font())
    pane.setAccessibleName(name)
    return pane


def _words(node: TreeNode) -> str:
    if node.kind == "run":
        question = node.label.removeprefix("Question: ")
        none = "(not yet)" if node.status == "running" else "(none: the run ended without one)"
        return f"Question:\n{question}\n\nAnswer:\n{node.answer or none}"
    if node.kind == "subcall":
        note = f"\n\n— How it ran —\n{node.note}" if node.note else ""
        return f"Prompt:\n{_cut(node.text)}\n\nReply:\n{node.answer or ''}{note}"
    if node.kind == "iteration" and node.note and node.status != "running":
        return f"{node.text}\n\n— What the app told the model —\n{node.note}"
    return node.text


def _cut(text: str) -> str:
    if len(text) <= MAX_SHOWN:
        return text
    return text[:MAX_SHOWN] + f"\n[… {len(text) - MAX_SHOWN:,} more characters …]"


def _output(node: TreeNode) -> str:
    text = _cut(node.output or "")
    if node.error and node.error not in text:
        text = f"{text}\n{node.error}".strip()
    if node.answer and node.kind == "cell":
        text = f"{text}\n\nFINAL answer: {node.answer}".strip()
    return text


class NodeDetails(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node_id: str | None = None
        self._shown_words = ""
        self.header = QLabel("Select a step in the tree to see its details.")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setAccessibleName("Selected step")
        self.more = QPushButton("Show details")
        self.more.setCheckable(True)
        self.more.setAccessibleName("Show the step's details")
        self.more.setToolTip("Show the model's words, the code it ran and that code's output")
        self.more.toggled.connect(self._show_more)
        self.words = _text_pane("The model's words")
        self.words.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.code = CodeView()
        self.code.setAccessibleName("Code the model wrote")
        self.output = _text_pane("Output of the code")
        code_split = QSplitter(Qt.Orientation.Vertical)
        code_split.addWidget(self.code)
        code_split.addWidget(self.output)
        code_split.setChildrenCollapsible(False)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Step details")
        self.tabs.addTab(self.words, "Model's words")
        self.tabs.addTab(code_split, "Code and output")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.more, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addStretch(0)
        self._line = ""
        self._show_more(False)

    def _show_more(self, on: bool) -> None:
        self.tabs.setVisible(on)
        self.more.setText("Hide details" if on else "Show details")

    def clear(self) -> None:
        self.node_id, self._shown_words = None, ""
        self.header.setText("Select a step in the tree to see its details.")
        self.words.clear()
        self.code.set_code("")
        self.output.clear()

    def show_node(self, node: TreeNode, line: str = "") -> None:
        self.node_id, self._shown_words = node.id, ""
        self.words.clear()
        self.refresh(node, line)
        self.tabs.setCurrentIndex(1 if node.kind == "cell" else 0)

    def refresh(self, node: TreeNode, line: str = "") -> None:
        """Bring the shown node up to date; `line` is what the tree shows for it."""
        if node.id != self.node_id:
            return
        self.header.setText(_header(node, line or node.label))
        self.words.setPlaceholderText(PLACEHOLDERS.get(node.status, ""))
        self._set_words(_words(node))
        self.code.set_code(node.code)
        output = _output(node)
        if output != self.output.toPlainText():
            self.output.setPlainText(output)

    def _set_words(self, text: str) -> None:
        if text == self._shown_words:
            return
        bar = self.words.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        if self._shown_words and text.startswith(self._shown_words):
            cursor = QTextCursor(self.words.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(text[len(self._shown_words) :])
        else:
            self.words.setPlainText(text)
        self._shown_words = text
        if at_end:
            bar.setValue(bar.maximum())


def _header(node: TreeNode, line: str) -> str:
    parts = [f"<b>{_escape(line)}</b>", STATUS_WORDS.get(node.status, node.status)]
    if node.prompt_tokens or node.completion_tokens:
        parts.append(f"{node.prompt_tokens:,} tokens read, {node.completion_tokens:,} written")
    if node.seconds:
        parts.append(duration(node.seconds))
    if node.kind == "subcall" and node.note:
        parts.append(_escape(node.note))  # e.g. a batch that ran in smaller batches
    return " · ".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
