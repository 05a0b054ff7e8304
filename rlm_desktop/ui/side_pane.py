"""The side pane "How the answer was found": the live call tree above the selected step's
details. While "Follow the running step" is on, the newest running step is selected and
scrolled to as the run goes; clicking or collapsing anything else turns following off.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from rlm_desktop.engine.tree import RUNNING
from rlm_desktop.ui.node_details import NodeDetails
from rlm_desktop.ui.step_lines import WRAP_MAX_NODES, WrappedSteps
from rlm_desktop.ui.tree_model import RunTreeModel

HINT = (
    "<p style='font-size:12pt'><b>Watch the model work</b></p>"
    "<p>Ask a question and each step appears here as it happens, in plain words: what "
    "the model searched, what it read, what it asked its helper and what it found. Click a "
    "step, then <i>Show details</i> to see the model's own words and the code it ran.</p>"
)


class SidePane(QWidget):
    def __init__(self, model: RunTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._steering = False  # True while the pane itself moves the selection
        title = QLabel("How the answer was found")
        title.setObjectName("paneTitle")
        title.setAccessibleName("How the answer was found")
        self.follow = QCheckBox("Follow the running step")
        self.follow.setChecked(True)
        self.follow.setAccessibleName("Follow the running step")
        self.follow.toggled.connect(self._follow_toggled)
        self.expand_all = QPushButton("Expand all")
        self.expand_all.setAccessibleName("Expand every step")
        self.collapse_all = QPushButton("Collapse all")
        self.collapse_all.setAccessibleName("Collapse every step")
        self.tree = QTreeView()
        self.tree.setModel(model)
        self.tree.setAccessibleName("Steps of the run")
        self.wrapped = WrappedSteps(self.tree)  # long step lines wrap in a narrow pane
        self._wrap_later = QTimer(self)  # after a run: wrap once the jump to its end is shown
        self._wrap_later.setSingleShot(True)
        self._wrap_later.setInterval(0)
        self._wrap_later.timeout.connect(self._wrap_after_run)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAcceptDrops(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.tree.fontMetrics()
        for col, sample in ((1, "Tokens 99.9k"), (2, "10 min 00 s")):
            # Fixed widths: sizing to contents would read every row on every update.
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, metrics.horizontalAdvance(sample) + 16)
        self.expand_all.clicked.connect(self.tree.expandAll)
        self.collapse_all.clicked.connect(self._collapse_all)
        self.details = NodeDetails()
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self.tree.collapsed.connect(self._user_moved)
        model.modelReset.connect(self.details.clear)
        model.modelReset.connect(self._wrap_if_small)  # a tree loaded whole (history, trace)

        buttons = QHBoxLayout()
        buttons.addWidget(self.follow)
        buttons.addStretch(1)
        buttons.addWidget(self.expand_all)
        buttons.addWidget(self.collapse_all)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.tree, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.hint = QLabel(HINT)
        self.hint.setObjectName("paneHint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setAccessibleName("What this pane shows")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.hint)
        self.pages.addWidget(self.splitter)
        model.rowsInserted.connect(lambda *_: self.pages.setCurrentWidget(self.splitter))
        model.modelReset.connect(lambda: self.pages.setCurrentIndex(int(model.rowCount() > 0)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(title)
        layout.addWidget(self.pages, 1)

    # --- live updates (from the run controller) ---------------------------------------------
    def on_nodes_added(self, node_ids: list[str]) -> None:
        if not self.follow.isChecked():
            return
        model = self.model
        running = [n for n in node_ids if (node := model.get(n)) and node.status == RUNNING]
        if running:
            self.go_to(running[-1])
        elif self.tree.currentIndex() == QModelIndex() and node_ids:
            self.go_to(node_ids[0])

    def on_nodes_changed(self, node_ids: set[str]) -> None:
        node_id = self.details.node_id
        if node_id is not None and node_id in node_ids:
            node = self.model.get(node_id)
            if node is not None:
                self.details.refresh(node, self.model.label(node))

    def on_run_started(self) -> None:
        self.follow.setChecked(True)
        self._wrap_later.stop()
        self.wrapped.set_wrapping(False)  # rows are added several times a second

    def _wrap_if_small(self) -> None:
        self.wrapped.set_wrapping(self.model.node_count() <= WRAP_MAX_NODES)

    def _wrap_after_run(self) -> None:
        self._wrap_if_small()
        if self.tree.currentIndex().isValid():  # taller rows moved it: keep it in sight
            self.tree.scrollTo(self.tree.currentIndex())

    def on_run_finished(self, status: str) -> None:
        """Show where the run ended: its answer, or the step where it stopped or failed.
        The lines wrap a moment later: laying out rows of differing heights is the costly
        part, and done with the jump it made the window's longest stall (`bench ui`)."""
        self._wrap_later.start()
        root_id = self.model.root_id
        if not self.follow.isChecked() or root_id is None:
            return
        target = root_id
        if status in ("error", "cancelled"):
            ended = [n.id for n in self.model.walk() if n.status == status and n.kind != "run"]
            target = ended[-1] if ended else target
        self.go_to(target)
        self.tree.expandToDepth(1)  # each step's plain line shows what it found

    def go_to(self, node_id: str) -> None:
        """Select, reveal and show one node (without turning following off)."""
        index = self.model.index_of(node_id)
        if not index.isValid():
            return
        self._steering = True
        try:
            parent = index.parent()
            while parent.isValid():
                self.tree.expand(parent)
                parent = parent.parent()
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)
        finally:
            self._steering = False
        self._show(index)

    # --- the user's moves ------------------------------------------------------------------
    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not self._steering:
            self._user_moved()
        self._show(current)

    def _show(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node is not None and node.id != self.details.node_id:
            self.details.show_node(node, self.model.label(node))

    def _user_moved(self, *args: object) -> None:
        if not self._steering and self.follow.isChecked():
            with QSignalBlocker(self.follow):
                self.follow.setChecked(False)

    def _collapse_all(self) -> None:
        self._user_moved()
        self.tree.collapseAll()

    def _follow_toggled(self, on: bool) -> None:
        if on:
            self.model.publish_rows()  # steps still held back become rows: jump to the newest
            running = [n.id for n in self.model.walk() if n.status == RUNNING]
            if running:
                self.go_to(running[-1])
