"""The documents area: a drop hint while empty, then the list with each document's kind,
size/pages and status, a one-line summary, and Add / Remove / Clear buttons.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rlm_desktop.ui.documents_model import (
    EMPTY,
    ERROR,
    READING,
    READY,
    WARNING,
    DocumentsModel,
)
from rlm_desktop.ui.fitting_label import FittingLabel
from rlm_desktop.ui.format import plural

HINT = (
    "<p style='font-size:13pt'><b>Drop files or folders here</b></p>"
    "<p>PDF, Word, spreadsheets, presentations, web pages, e-books, text and code.<br>"
    "Or use <b>Add files…</b> (Ctrl+O). Your documents never leave this computer.</p>"
)


def _button(action: QAction, accessible: str) -> QPushButton:
    button = QPushButton(action.text().replace("&", ""))
    button.setAccessibleName(accessible)
    button.setToolTip(action.toolTip())
    button.clicked.connect(action.trigger)
    return button


class DocumentsPanel(QWidget):
    remove_requested = Signal(list)  # rows
    clear_requested = Signal()

    def __init__(
        self,
        model: DocumentsModel,
        add_files: QAction,
        add_folder: QAction,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        title = QLabel("Documents")
        title.setObjectName("sectionTitle")
        self.hint = QLabel(HINT)
        self.hint.setObjectName("dropHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Drop files or folders here")
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setAccessibleName("Documents")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setAcceptDrops(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.table.fontMetrics()
        for col, sample in ((1, "spreadsheet"), (2, "999.9 MB, 9,999 pages")):
            # Fixed widths: sizing to contents would read every row on every change.
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, metrics.horizontalAdvance(sample) + 16)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.table)
        self.summary = FittingLabel()  # "…" in a narrow window instead of widening it
        self.summary.setAccessibleName("Documents summary")
        self.add_button = _button(add_files, "Add files")
        self.folder_button = _button(add_folder, "Add a folder")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove the selected documents")
        self.remove_button.setToolTip("Remove the selected documents from the list (Delete)")
        self.clear_button = QPushButton("Clear all")
        self.clear_button.setAccessibleName("Remove all documents")
        self.remove_button.clicked.connect(self._remove_selected)
        self.clear_button.clicked.connect(self.clear_requested)
        remove = QAction(self.table)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self._remove_selected)
        self.table.addAction(remove)

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for button in (self.add_button, self.folder_button, self.remove_button, self.clear_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.dataChanged):
            signal.connect(self._update)
        self.table.selectionModel().selectionChanged.connect(self._update)
        self._update()

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if rows:
            self.remove_requested.emit(rows)

    def _update(self, *args: object) -> None:
        model = self.model
        self.stack.setCurrentIndex(1 if model.rows else 0)
        self.remove_button.setEnabled(self.table.selectionModel().hasSelection())
        self.clear_button.setEnabled(bool(model.rows))
        parts = []
        ready = model.count(READY, WARNING)
        if ready:
            chars = sum(d.chars for d in model.rows if d.status in (READY, WARNING))
            parts.append(f"{plural(ready, 'document')} ready ({chars:,} characters)")
        if model.count(READING):
            steps = [d.message for d in model.rows if d.status == READING]
            scanning = [m for m in steps if m.startswith("Reading ")]  # a scan's page progress
            parts.append(scanning[0] if scanning else "reading…")
        if model.count(ERROR):
            parts.append(f"{model.count(ERROR)} could not be read")
        if empty := model.count(EMPTY):
            parts.append(f"{plural(empty, 'picture')} without text")
        self.summary.setText(" · ".join(parts) if parts else "No documents yet.")
        self.summary.setToolTip(self.summary.text())  # the whole line, when it is cut
