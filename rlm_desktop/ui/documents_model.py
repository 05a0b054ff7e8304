"""`DocumentsModel`: the documents list (name, kind, size/pages, status with its reason).

A drop first adds one "reading…" row per dropped path; when its ingest job finishes those
rows are replaced by one row per file found, ready / with a warning / not readable / a picture
with no text in it (grey: a folder of photos is not a list of failures).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from rlm_desktop.documents.images import BLANK, NO_TEXT
from rlm_desktop.documents.model import IngestRecord
from rlm_desktop.ui.format import human_size, plural
from rlm_desktop.ui.icons import StatusIcons

READING, READY, WARNING, ERROR = "reading", "ready", "warning", "error"
EMPTY = "empty"  # a picture with no text in it: nothing to read, and nothing wrong
ICON_FOR = {
    READING: "running",
    READY: "done",
    WARNING: "warning",
    ERROR: "error",
    EMPTY: "cancelled",
}
UNUSED = (ERROR, EMPTY)  # rows a question does not read; dropping the file again retries
Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()


@dataclass
class DocRow:
    path: str
    name: str
    status: str
    kind: str = ""
    message: str = ""  # progress, the warning, or why it could not be read
    size_bytes: int | None = None
    pages: int = 0
    chars: int = 0
    job: int | None = None  # the ingest job a "reading…" row waits for
    record: IngestRecord | None = field(default=None, repr=False)
    later: bool = False  # added during a run: that run does not use it

    @classmethod
    def from_record(cls, record: IngestRecord, size: int | None) -> DocRow:
        name = os.path.basename(record.path.rstrip("/\\")) or record.path
        if not record.ok and record.error in (NO_TEXT, BLANK):
            status, message = EMPTY, record.error or ""
        elif not record.ok:
            status, message = ERROR, record.error or "could not be read"
        elif record.warnings:
            status, message = WARNING, "; ".join(record.warnings)
        else:
            status, message = READY, ""
        return cls(
            record.path,
            name,
            status,
            record.kind,
            message,
            size,
            record.pages,
            record.chars,
            None,
            record,
        )

    def status_text(self) -> str:
        later = " · for the next question" if self.later and self.status not in UNUSED else ""
        if self.status == READING:
            if self.message.startswith("Reading "):  # "Reading scanned page 3 of 40…"
                return self.message + later
            return f"Reading… {self.message}".strip() + later
        if self.status == READY:
            return "Ready" + later
        if self.status == WARNING:
            return f"Ready, but: {self.message}" + later
        if self.status == EMPTY:
            return "No text in this picture"
        return f"Could not read: {self.message}"

    def size_text(self) -> str:
        parts = [human_size(self.size_bytes)] if self.size_bytes is not None else []
        if self.pages:
            parts.append(plural(self.pages, "page"))
        return ", ".join(parts)


def _shown_name(path: str, folders: list[str]) -> str:
    """A file found in an added folder shows that folder: "notes/2024/minutes.txt"."""
    for folder in folders:
        root = os.path.dirname(folder.rstrip("/\\"))
        if path.startswith(folder.rstrip("/\\") + os.sep):
            return os.path.relpath(path, root).replace(os.sep, "/")
    return os.path.basename(path.rstrip("/\\")) or path


class DocumentsModel(QAbstractTableModel):
    COLUMNS = ("Document", "Kind", "Size", "Status")

    def __init__(self, icons: StatusIcons, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icons = icons
        self.rows: list[DocRow] = []
        self._jobs = itertools.count(1)
        self.run_going = False  # rows added while it is True are marked for the next question

    def set_run_going(self, going: bool) -> None:
        """A run started or ended; when it ends, rows added meanwhile are no longer marked."""
        self.run_going = going
        if not going and any(d.later for d in self.rows):
            for doc in self.rows:
                doc.later = False
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 3))

    # --- changes ----------------------------------------------------------------------------
    def add_reading(self, paths: list[str]) -> int:
        """One "reading…" row per path; returns the job number they wait for."""
        job = next(self._jobs)
        new = [
            DocRow(
                p, os.path.basename(p.rstrip("/\\")) or p, READING, job=job, later=self.run_going
            )
            for p in paths
        ]
        self._append(new)
        return job

    def job_progress(self, job: int, message: str) -> None:
        for row, doc in enumerate(self.rows):
            if doc.job == job:
                doc.message = message
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def job_done(
        self, job: int, records: list[IngestRecord], sizes: dict[str, int]
    ) -> list[DocRow]:
        """Replace the job's rows with its records (files already listed are skipped)."""
        paths = {r.path for r in records}
        folders = [d.path for d in self.rows if d.job == job and os.path.isdir(d.path)]
        self.remove_rows(
            [
                r
                for r, d in enumerate(self.rows)
                if d.job == job or (d.status in UNUSED and d.path in paths)
            ]  # a retry replaces
        )
        known = {d.path for d in self.rows if d.status in (READY, WARNING)}
        new = [
            DocRow.from_record(r, sizes.get(r.path))
            for r in records
            if r.path not in known and not (r.kind == "folder" and r.ok)
        ]
        for doc in new:
            doc.name = _shown_name(doc.path, folders)
            doc.later = self.run_going
        self._append(new)
        return new

    def remove_rows(self, rows: list[int]) -> list[DocRow]:
        removed = []
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self.rows):
                self.beginRemoveRows(QModelIndex(), row, row)
                removed.append(self.rows.pop(row))
                self.endRemoveRows()
        return removed

    def clear(self) -> None:
        self.beginResetModel()
        self.rows = []
        self.endResetModel()

    def _append(self, new: list[DocRow]) -> None:
        if new:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self.rows.extend(new)
            self.endInsertRows()

    # --- reading ----------------------------------------------------------------------------
    def ready_records(self) -> list[IngestRecord]:
        return [d.record for d in self.rows if d.status in (READY, WARNING) and d.record]

    def count(self, *statuses: str) -> int:
        return sum(1 for d in self.rows if d.status in statuses)

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        doc, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            kind = doc.kind or ("…" if doc.status == READING else "")
            return (doc.name, kind, doc.size_text(), doc.status_text())[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 3:
            return self.icons.get(ICON_FOR[doc.status])
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{doc.path}\n{doc.status_text()}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{doc.name}: {doc.status_text()}"
        return None
