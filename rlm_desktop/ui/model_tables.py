"""The model manager's two tables: building them and filling their rows (the catalogue with
verdicts and a Use / Resume / Download button, the installed models with Use and Remove),
and sizing a table to its rows (the installed list is as tall as what it lists; the
catalogue takes the rest of the dialog). Stateless: what a button does is the caller's
`on_*` callback.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
)

from rlm_desktop.hub.fit import NO_FIT, describe
from rlm_desktop.hub.installed import InstalledModel
from rlm_desktop.hub.service import CatalogRow
from rlm_desktop.ui.format import human_size
from rlm_desktop.ui.model_rows import ACTION_TIPS, catalog_action, verdict_color

CATALOG_COLUMNS = ("Model", "Size", "Verdict", "Good for", "")
INSTALLED_COLUMNS = ("Model", "Size", "Source", "", "")


def make_table(name: str, columns: tuple[str, ...], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.setWordWrap(True)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def fit_to_rows(table: QTableWidget, most: int) -> None:
    """Make `table` as tall as its rows (at least one, at most `most`; more scroll), so an
    almost empty list does not take half of the dialog."""
    table.resizeRowsToContents()
    shown = max(1, min(table.rowCount(), most))
    rows = sum(table.rowHeight(r) for r in range(min(shown, table.rowCount())))
    rows += (shown - table.rowCount()) * table.verticalHeader().defaultSectionSize()
    frame = 2 * table.frameWidth()
    bar = table.horizontalScrollBar()
    extra = bar.sizeHint().height() if bar.isVisible() else 0
    table.setFixedHeight(table.horizontalHeader().height() + rows + frame + extra)
    table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    table.setFrameShape(QFrame.Shape.StyledPanel)


def _button(
    text: str, name: str, enabled: bool, slot: Callable[[], object], tip: str = ""
) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setToolTip(tip or ACTION_TIPS.get(text, ""))
    button.setEnabled(enabled)
    button.clicked.connect(lambda _=False: slot())
    return button


def fill_catalog(
    table: QTableWidget,
    rows: list[CatalogRow],
    best_id: str | None,
    busy: bool,
    dark: bool,
    on_action: Callable[[CatalogRow, str], object],
) -> None:
    """One row per catalogue entry; the best pick starred; nothing starts while `busy`."""
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        entry, verdict = row.entry, row.assessment.verdict
        star = " ★ best pick" if best_id == entry.id else ""
        cells = (
            f"{entry.name}{star}",
            human_size(entry.size_bytes) + ("" if entry.size_verified else " (about)"),
            verdict,
            describe(row.assessment),
        )
        about = f"{entry.repo} · {entry.quantization} · {entry.license}"
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(row.assessment.reason if col == 2 else f"{entry.good_for}\n{about}")
            if col == 2:
                item.setForeground(verdict_color(verdict, dark))
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            table.setItem(i, col, item)
        text, action = catalog_action(row)
        too_big = verdict == NO_FIT and action == "download"
        enabled = not busy and not too_big
        slot = partial(on_action, row, action)
        tip = "This model needs more memory than this computer has." if too_big else ""
        table.setCellWidget(i, 4, _button(text, f"{text} {entry.name}", enabled, slot, tip))
    table.resizeRowsToContents()


def fill_installed(
    table: QTableWidget,
    models: list[InstalledModel],
    active: str,
    busy: bool,
    on_use: Callable[[Path], object],
    on_remove: Callable[[str], object],
) -> None:
    """One row per installed model, `active` (a path) marked; nothing is removed while `busy`."""
    table.setRowCount(len(models))
    for i, model in enumerate(models):
        mark = " (active)" if str(model.path) == active else ""
        cells = (model.name + mark, human_size(model.size_bytes), model.source)
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(str(model.path))
            item.setData(Qt.ItemDataRole.UserRole, model.id)
            table.setItem(i, col, item)
        use = _button("Use", f"Use {model.name}", True, partial(on_use, model.path))
        table.setCellWidget(i, 3, use)
        removable = model.removable and not busy
        tip = "" if model.removable else "This model comes with the app; it cannot be removed."
        slot = partial(on_remove, model.id)
        remove = _button("Remove", f"Remove {model.name}", removable, slot, tip)
        table.setCellWidget(i, 4, remove)
