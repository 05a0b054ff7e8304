"""The model manager as a non-programmer sees it (issue 19, defect 8 and the tooltips): the
catalogue gets the room, the installed list is as tall as what it lists, and every control of
the dialog says in plain words what it is or does."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from rlm_desktop.hub.catalog import load_catalog
from rlm_desktop.ui.model_manager import ModelManagerDialog
from tests.ui.test_model_manager import LAPTOP, RecordingService, dialog, hub

__all__ = ["dialog", "hub"]  # the fixtures, shared with the dialog's other tests
JARGON = ("MoE", "quantiz", "token", "repo", "sha256", "offload")


def fully_shown_rows(table: QTableWidget) -> int:
    view = table.viewport().rect()
    rows = range(table.rowCount())
    return sum(view.contains(table.visualRect(table.model().index(r, 0))) for r in rows)


def test_defect_8_the_catalogue_gets_the_room_not_an_empty_installed_list(
    qtbot: QtBot, dialog: ModelManagerDialog
) -> None:
    dialog.resize(900, 620)
    qtbot.wait(50)
    catalog, installed = dialog.catalog_table, dialog.installed_table
    assert dialog.service.installed() == []
    assert fully_shown_rows(catalog) >= 8  # was 6 or 7, cut at the bottom
    assert not installed.isVisible()  # nothing installed: one plain line instead of a table
    assert dialog.none_installed.isVisible()
    assert "No model installed yet" in dialog.none_installed.text()
    # every description can be read in full: the rows are as tall as their text
    for row in range(catalog.rowCount()):
        item = catalog.item(row, 3)
        text_height = catalog.fontMetrics().boundingRect(item.text()).height()
        assert catalog.rowHeight(row) >= text_height


def test_the_installed_list_is_as_tall_as_its_rows(qtbot: QtBot, hub: object) -> None:
    service = RecordingService(catalog=load_catalog(), hardware=LAPTOP)  # the demo is bundled
    service.threads, service.probed_on = [], []
    dlg = ModelManagerDialog(service)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.hardware_ready, timeout=10_000):
        dlg.show()
    dlg.resize(900, 620)
    qtbot.wait(50)
    table = dlg.installed_table
    assert table.rowCount() == 1 and table.isVisible()
    needed = table.horizontalHeader().height() + table.rowHeight(0) + 2 * table.frameWidth()
    assert table.height() <= needed + 4  # no empty space below its one row
    assert dlg.catalog_table.height() > 3 * table.height()
    assert not dlg.none_installed.isVisible()


def test_every_control_of_the_dialog_has_a_plain_tooltip(dialog: ModelManagerDialog) -> None:
    dialog.show_error("Offline.", retry=("x", ""))  # the Retry button and the error line
    dialog._set_busy(True)  # the progress bar and Cancel
    kinds = (QPushButton, QTableWidget, QProgressBar)
    controls = [w for w in dialog.findChildren(QWidget) if isinstance(w, kinds)]
    controls += [dialog.hardware_label, dialog.active_label]
    assert len(controls) > 15
    missing = [w.accessibleName() for w in controls if not w.toolTip()]
    assert missing == []
    for widget in controls:
        tip = widget.toolTip()
        assert not [word for word in JARGON if word.lower() in tip.lower()], tip
    assert isinstance(dialog.error_label, QLabel) and dialog.error_label.toolTip()
    assert dialog.none_installed.toolTip()
    dialog._set_busy(False)
