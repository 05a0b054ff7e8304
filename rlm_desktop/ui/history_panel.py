"""The history panel: earlier conversations, newest first under a heading per day, each with
its first question and last answer; a search box (full text over questions, answers and the
code the model wrote); Open (or double-click) shows one in the thread, read-only; Continue
takes one up again (its documents read again) so that the next question is a follow-up in
it; Delete and Delete all ask first. "Keep a history of my questions" (the `history` setting)
turns the recording on or off, with a line on what off means. Reads the window's own
`HistoryStore` (the GUI thread's); with the history off from the start it says so and lists
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rlm_desktop.store.history import HistoryStore
from rlm_desktop.store.records import ConversationSummary, SearchHit, preview

TARGET_ROLE = int(Qt.ItemDataRole.UserRole) + 1
SEARCH_DELAY_MS = 200
PAGE = 500  # conversations listed (newest first)
KEEP_NOTE = (
    "When this is off, new questions and their answers are not written to this computer, "
    "so they cannot be found, continued or exported later. Conversations kept before stay "
    "until you delete them."
)
FIELD_WORDS = {"question": "in the question", "answer": "in the answer", "code": "in the code"}


@dataclass(frozen=True)
class Target:
    """What an entry opens: a conversation, and where a search found the words."""

    conversation_id: int
    run_id: int | None = None
    node_id: str = ""


def day_heading(when: float, today: date | None = None) -> str:
    day = datetime.fromtimestamp(when).date()
    today = today or date.today()
    if day == today:
        return "Today"
    if (today - day).days == 1:
        return "Yesterday"
    return f"{day.day} {day.strftime('%B %Y')}"


def _plain(text: str) -> str:
    """A Markdown preview as plain words (no `**`, backticks or heading marks)."""
    return re.sub(r"\*\*|__|`|^#+\s*", "", text).strip()


def _clock(when: float) -> str:
    return datetime.fromtimestamp(when).strftime("%H:%M")


class HistoryPanel(QWidget):
    opened = Signal(object)  # Target
    continued = Signal(object)  # Target: ask follow-ups in this conversation
    deleted = Signal(object)  # the conversation id deleted, or None for all of them

    def __init__(self, store: Callable[[], HistoryStore | None], parent: QWidget | None = None):
        super().__init__(parent)
        self._store = store
        self._busy = False  # a run goes on: nothing is deleted meanwhile
        self.keep = QCheckBox("Keep a history of my questions")
        self.keep.setAccessibleName("Keep a history of my questions")
        self.keep.setToolTip(KEEP_NOTE)
        self.keep_note = QLabel(KEEP_NOTE)
        self.keep_note.setObjectName("caption")
        self.keep_note.setWordWrap(True)
        self.keep_note.setAccessibleName("What turning the history off means")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search questions, answers and code…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the history")
        for button in self.search.findChildren(QToolButton):  # the clear button
            button.setAccessibleName("Clear the search")
        self.list = QListWidget()
        self.list.setAccessibleName("Earlier conversations")
        self.list.setWordWrap(False)  # two lines an entry, each cut to the panel's width
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.message = QLabel()
        self.message.setObjectName("caption")
        self.message.setWordWrap(True)
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Show this conversation as it was (read-only)")
        self.continue_button = QPushButton("Continue")
        self.continue_button.setToolTip(
            "Continue this conversation: its documents are read again (you are told if one "
            "changed), then your next question follows on from it"
        )
        self.continue_button.setAccessibleName("Continue the chosen conversation")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete this conversation from the history")
        self.delete_all_button = QPushButton("Delete all…")
        self.delete_all_button.setToolTip("Delete every conversation in the history")
        self.open_button.setAccessibleName("Open the chosen conversation")
        self.delete_button.setAccessibleName("Delete the chosen conversation")
        self.delete_all_button.setAccessibleName("Delete every conversation")
        self.message.setAccessibleName("History message")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.search.returnPressed.connect(self.refresh)
        self.list.itemActivated.connect(lambda _: self.open_current())
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self.open_button.clicked.connect(self.open_current)
        self.continue_button.clicked.connect(self.continue_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.delete_all_button.clicked.connect(self.delete_all)
        buttons = QHBoxLayout()  # two rows: the panel stays narrow beside the window's panes
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.continue_button)
        buttons.addStretch(1)
        deleting = QHBoxLayout()
        deleting.addWidget(self.delete_button)
        deleting.addStretch(1)
        deleting.addWidget(self.delete_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.keep)
        layout.addWidget(self.keep_note)
        layout.addWidget(self.search)
        layout.addWidget(self.message)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addLayout(deleting)
        self._enable()

    # --- listing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """List the conversations (or the search's hits) again from the history."""
        self.list.clear()
        store = self._store()
        if store is None:
            self.message.setText("The history is off: questions are not kept.")
            self.message.show()
            self._enable()
            return
        words = self.search.text().strip()
        if words:
            hits = store.search(words)
            self._list_hits(hits)
            self.message.setText(
                f"{len(hits)} question{'' if len(hits) == 1 else 's'} found."
                if hits
                else "Nothing found."
            )
        else:
            summaries = store.conversations(PAGE)
            self._list_conversations(summaries)
            self.message.setText("" if summaries else "No conversations yet.")
        if not self.keep.isChecked():
            self.message.setText("The history is off: new questions are not kept.")
        self.message.setVisible(bool(self.message.text()))
        self._enable()

    def _list_conversations(self, summaries: list[ConversationSummary]) -> None:
        heading = ""
        for s in summaries:
            day = day_heading(s.updated)
            if day != heading:
                heading = day
                self._heading(day)
            questions = f"{s.runs} questions · " if s.runs > 1 else ""
            status = "" if s.status in ("ok", "") else f" · {s.status}"
            answer = _plain(s.answer) or "(no answer)"
            text = f"{s.question or s.title}\n{_clock(s.updated)} · {questions}{answer}{status}"
            self._entry(text, Target(s.id), f"{s.question}\n\n{answer}")

    def _list_hits(self, hits: list[SearchHit]) -> None:
        for h in hits:
            where = FIELD_WORDS.get(h.field, "")
            text = f"{h.question}\n{where}: {preview(h.snippet, 120)}"
            self._entry(text, Target(h.conversation_id, h.run_id, h.node_id), text)

    def _heading(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        self._fit(item)
        self.list.addItem(item)

    def _entry(self, text: str, target: Target, tip: str) -> None:
        item = QListWidgetItem(text)
        item.setData(TARGET_ROLE, target)
        item.setToolTip(tip)
        self._fit(item)
        self.list.addItem(item)

    def _fit(self, item: QListWidgetItem) -> None:
        """As wide as the list (each line cut with "…"), as tall as its lines."""
        lines = item.text().count("\n") + 1
        item.setSizeHint(QSize(1, lines * self.list.fontMetrics().lineSpacing() + 8))

    def entries(self) -> list[tuple[str, Target]]:
        """What is listed (headings left out): each entry's text and target."""
        found = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            target = item.data(TARGET_ROLE)
            if isinstance(target, Target):
                found.append((item.text(), target))
        return found

    def select(self, conversation_id: int) -> bool:
        for row in range(self.list.count()):
            target = self.list.item(row).data(TARGET_ROLE)
            if isinstance(target, Target) and target.conversation_id == conversation_id:
                self.list.setCurrentRow(row)
                return True
        return False

    def current(self) -> Target | None:
        item = self.list.currentItem()
        target = item.data(TARGET_ROLE) if item is not None else None
        return target if isinstance(target, Target) else None

    # --- actions -----------------------------------------------------------------------------
    def open_current(self) -> None:
        target = self.current()
        if target is not None:
            self.opened.emit(target)

    def continue_current(self) -> None:
        target = self.current()
        if target is not None:
            self.continued.emit(target)

    def delete_current(self) -> None:
        target, store = self.current(), self._store()
        if target is None or store is None:
            return
        if not self.confirm("Delete this conversation from the history? This cannot be undone."):
            return
        store.delete_conversation(target.conversation_id)
        self.refresh()
        self.deleted.emit(target.conversation_id)

    def delete_all(self) -> None:
        store = self._store()
        if store is None or not self.confirm(
            "Delete every conversation in the history? This cannot be undone."
        ):
            return
        store.delete_all()
        self.refresh()
        self.message.setText("Every conversation was deleted.")
        self.message.show()
        self.deleted.emit(None)

    def confirm(self, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Delete from the history",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._enable()

    def _enable(self) -> None:
        has_store = self._store() is not None
        chosen = self.current() is not None
        self.open_button.setEnabled(chosen and not self._busy)
        self.continue_button.setEnabled(chosen and has_store and not self._busy)
        self.delete_button.setEnabled(chosen and has_store and not self._busy)
        self.delete_all_button.setEnabled(has_store and not self._busy)
        self.search.setEnabled(has_store)
