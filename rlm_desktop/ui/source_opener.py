"""Opening the document viewer from the window: at a clicked source under an answer, or at the
start of a document double-clicked in the documents list. One viewer window, reused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QWidget

from rlm_desktop.documents.model import Document
from rlm_desktop.ui.doc_viewer import DocumentViewer
from rlm_desktop.ui.documents_model import DocumentsModel


class SourceOpener:
    def __init__(
        self, window: QWidget, documents: DocumentsModel, say: Callable[[str], None]
    ) -> None:
        self._window = window  # the viewer is its own window, closed with this one
        self._documents = documents
        self._say = say  # one line in the window when the document cannot be shown
        self.viewer: DocumentViewer | None = None

    def _find(self, name: str) -> Document | None:
        for record in self._documents.ready_records():
            doc = record.document
            if doc is not None and name in (doc.name, record.path):
                return doc
        return None

    def _show(self) -> DocumentViewer:
        if self.viewer is None:
            self.viewer = DocumentViewer(self._window)
            self.viewer.setWindowFlag(Qt.WindowType.Window)
        self.viewer.show()
        self.viewer.raise_()
        self.viewer.activateWindow()
        return self.viewer

    def open_citation(self, citation: dict[str, Any]) -> None:
        name = str(citation.get("document") or "")
        doc = self._find(name)
        if doc is None:
            self._say(f"{name or 'That document'} is no longer in the documents list.")
            return
        self._show().open_citation(doc, citation)

    def open_row(self, index: QModelIndex) -> None:
        rows = self._documents.rows
        if not index.isValid() or index.row() >= len(rows):
            return
        record = rows[index.row()].record
        if record is None or record.document is None:
            self._say("This document could not be read, so there is nothing to show.")
            return
        self._show().open(record.document)

    def close(self) -> None:
        if self.viewer is not None:
            self.viewer.close()
