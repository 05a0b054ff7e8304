"""How the left side's height is shared between the documents list (above) and the question
with the conversation (below): the conversation area is as tall as what it shows, so a short
answer leaves no empty box under it and the rest of the height goes to the documents list; a
long conversation grows the area up to its largest share, then scrolls.

The largest share is the user's: dragging the splitter sets it (and it is remembered between
launches by `window_memory`). Fitting is coalesced into one pass after the layout settles, so
a run's live statistics do not lay the window out more than once per change.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from rlm_desktop.ui.ask_panel import AskPanel
from rlm_desktop.ui.thread_view import ThreadView

DEFAULT_SHARE = 0.7  # the conversation area's largest share of the height, until dragged
SLACK = 2  # pixels: rounding in the layout; never refit for less


class AnswerSpace(QObject):
    """Owns the left side's vertical splitter: `split` (documents | question + thread)."""

    def __init__(self, documents: QWidget, ask_panel: AskPanel, thread: ThreadView) -> None:
        super().__init__()
        self.thread = thread
        self.share = DEFAULT_SHARE
        self.lower = QWidget()
        layout = QVBoxLayout(self.lower)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(ask_panel)
        layout.addWidget(thread, 1)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(documents)
        self.split.addWidget(self.lower)
        self.split.setChildrenCollapsible(False)
        self.setParent(self.split)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.fit)
        self.split.splitterMoved.connect(self._dragged)
        self.split.installEventFilter(self)
        thread.column.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize, QEvent.Type.Show):
            self._pending.start()  # once the layout has settled
        return False

    def needed(self) -> int:
        """The height of the question and conversation area that shows all of its content."""
        scroll = self.thread.scroll
        layout = self.thread.column.layout()
        width = scroll.viewport().width()
        if layout.hasHeightForWidth():
            content = layout.totalHeightForWidth(width)
        else:
            content = layout.totalSizeHint().height()
        return self.lower.height() - scroll.viewport().height() + content

    def fit(self) -> None:
        """Give the conversation area what its content needs, up to its largest share."""
        sizes = self.split.sizes()
        total = sum(sizes)
        if len(sizes) != 2 or total <= 0 or not self.split.isVisible():
            return
        least = self.lower.minimumSizeHint().height()
        most = total - self.split.widget(0).minimumSizeHint().height()
        want = min(max(min(self.needed(), int(total * self.share)), least), most)
        if abs(want - sizes[1]) > SLACK:
            self.split.setSizes([total - want, want])

    def _dragged(self, pos: int, index: int) -> None:
        """The user moved the splitter: that is the area's largest share from now on."""
        sizes = self.split.sizes()
        if sum(sizes) > 0:
            self.share = sizes[1] / sum(sizes)
        self._pending.start()
