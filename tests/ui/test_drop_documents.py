"""Dropping files onto the window: documents load off the GUI thread, each with its status,
and a file that cannot be read shows why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from rlm_desktop.documents.pdfwrite import write_pdf
from rlm_desktop.ui.documents_model import EMPTY, ERROR, READING, READY, WARNING
from tests.ui.conftest import MakeWindow, wait_documents


def _mime(paths: list[Path]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop(widget: object, paths: list[Path]) -> None:
    """Deliver a drag-enter and a drop carrying file URLs, as the platform would."""
    mime = _mime(paths)
    pos = QPoint(40, 40)
    action = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, action, mime, buttons, mods)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(QPointF(pos), action, mime, buttons, mods))


def status_column(window: object) -> list[str]:
    model = window.docs_model  # type: ignore[attr-defined]
    return [model.index(r, 3).data() for r in range(model.rowCount())]


def test_drop_loads_documents_and_shows_why_a_file_failed(
    qtbot: QtBot, make_window: MakeWindow, docs: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"this is not a PDF")
    window = make_window(responses=["FINAL(x)"])

    drop(window, [docs / "a.txt", docs / "b.txt", broken])
    assert [r.status for r in window.docs_model.rows] == [READING] * 3
    assert window.documents.stack.currentWidget() is window.documents.table
    wait_documents(qtbot, window)

    rows = {r.name: r for r in window.docs_model.rows}
    assert rows["a.txt"].status == READY and rows["a.txt"].kind == "text"
    assert rows["b.txt"].status == READY
    assert rows["broken.pdf"].status == ERROR
    assert "not a valid PDF" in rows["broken.pdf"].message
    statuses = status_column(window)
    assert "Ready" in statuses
    assert any(s.startswith("Could not read: ") and "PDF" in s for s in statuses)
    sizes = [window.docs_model.index(r, 2).data() for r in range(3)]
    assert all("bytes" in s for s in sizes)
    assert "2 documents ready" in window.documents.summary.text()
    assert "1 could not be read" in window.documents.summary.text()


def test_a_document_with_a_warning_shows_its_pages_and_the_warning(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    mixed = tmp_path / "mixed.pdf"
    write_pdf(mixed, ["typed page", None, "last page"])
    window = make_window(responses=["FINAL(x)"])
    drop(window, [mixed])
    wait_documents(qtbot, window)
    model = window.docs_model
    assert [r.status for r in model.rows] == [WARNING]
    assert model.index(0, 1).data() == "pdf"
    assert model.index(0, 2).data().endswith(", 3 pages")
    status = model.index(0, 3).data()
    assert status.startswith("Ready, but: page 2 of 3 looks blank: no text was found")
    icon = model.index(0, 3).data(Qt.ItemDataRole.DecorationRole)
    assert icon.cacheKey() == window.icons.get("warning").cacheKey()
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == f"{mixed}\n{status}"
    assert "1 document ready" in window.documents.summary.text()


def _photo(path: Path) -> None:
    """A picture with no words in it: a gradient, a sun and a house."""
    image = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, 80, 320, 280), fill=(240, 200, 40))
    draw.rectangle((400, 220, 580, 440), fill=(30, 90, 160))
    image.save(path)


@pytest.mark.skipif(not shutil.which("tesseract"), reason="pictures are read by Tesseract")
def test_pictures_without_text_are_grey_notes_not_failures(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    """A folder of photos beside the documents: each photo says there is nothing to read in
    grey, and the summary counts them apart from the files that could not be read."""
    _photo(docs / "holiday.jpg")
    Image.new("L", (600, 800), 255).save(docs / "empty page.png")
    (docs / "broken.png").write_bytes(b"not a picture at all")
    window = make_window(responses=["FINAL(x)"])
    drop(window, [docs])
    wait_documents(qtbot, window)
    model = window.docs_model
    by_name = {row.name: row for row in model.rows}
    assert by_name["docs/holiday.jpg"].status == EMPTY
    assert by_name["docs/empty page.png"].status == EMPTY
    assert by_name["docs/broken.png"].status == ERROR
    grey = window.icons.get("cancelled").cacheKey()
    for name in ("docs/holiday.jpg", "docs/empty page.png"):
        row = model.rows.index(by_name[name])
        assert model.index(row, 3).data() == "No text in this picture"
        assert model.index(row, 3).data(Qt.ItemDataRole.DecorationRole).cacheKey() == grey
    summary = window.documents.summary.text()
    assert "2 documents ready" in summary and "1 could not be read" in summary
    assert "2 pictures without text" in summary
    assert len(model.ready_records()) == 2  # only the text documents go to a question
    drop(window, [docs / "holiday.jpg"])  # dropped again: read again, still one row
    wait_documents(qtbot, window)
    assert sum(row.path == str(docs / "holiday.jpg") for row in model.rows) == 1


def test_drop_of_a_folder_reads_every_file_and_skips_duplicates(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=["FINAL(x)"])
    drop(window, [docs])
    wait_documents(qtbot, window)
    # files found in a folder show the folder they came from
    assert sorted(r.name for r in window.docs_model.rows) == ["docs/a.txt", "docs/b.txt"]
    drop(window.ask_panel.question, [docs / "a.txt"])  # a drop on any part of the window
    wait_documents(qtbot, window)
    assert len(window.docs_model.rows) == 2


def test_remove_and_clear(qtbot: QtBot, make_window: MakeWindow, docs: Path) -> None:
    window = make_window(responses=["FINAL(x)"], files=[str(docs)])
    wait_documents(qtbot, window)
    table = window.documents.table
    table.selectRow(0)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert [r.name for r in window.docs_model.rows] == ["docs/b.txt"]
    window.documents.clear_button.click()
    assert window.docs_model.rows == []
    assert window.documents.stack.currentWidget() is window.documents.hint


def test_dropping_a_failed_file_again_replaces_its_row(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a PDF")
    window = make_window(responses=["FINAL(x)"])
    drop(window, [broken])
    wait_documents(qtbot, window)
    drop(window, [broken])
    wait_documents(qtbot, window)
    assert [(r.name, r.status) for r in window.docs_model.rows] == [("broken.pdf", ERROR)]


def _answer_file_dialog(qtbot: QtBot, folder: Path, names: list[str]) -> None:
    """When the (Qt, non-native offscreen) file dialog opens, pick `names` in `folder`."""

    def pick() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, pick)
            return
        dialog.setDirectory(str(folder))
        dialog.selectFile(" ".join(f'"{n}"' for n in names))
        dialog.accept()

    QTimer.singleShot(0, pick)


def test_ctrl_o_adds_files_through_the_file_dialog(
    qtbot: QtBot, make_window: MakeWindow, docs: Path
) -> None:
    window = make_window(responses=["FINAL(x)"])
    assert window.actions.add_files.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    window.activateWindow()  # shortcuts go to the active window
    qtbot.waitUntil(window.isActiveWindow)
    _answer_file_dialog(qtbot, docs, ["a.txt", "b.txt"])
    qtbot.keyClick(window.ask_panel.question, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    wait_documents(qtbot, window)
    assert sorted(r.name for r in window.docs_model.rows) == ["a.txt", "b.txt"]
    file_menu = window.menuBar().actions()[0].menu()
    assert window.actions.add_files in file_menu.actions()


def test_removing_a_folder_still_being_read_cancels_it(
    qtbot: QtBot, make_window: MakeWindow, many_notes: Path
) -> None:
    folder = many_notes
    window = make_window(responses=["FINAL(x)"])
    drop(window, [folder])
    assert [r.status for r in window.docs_model.rows] == [READING]
    task = next(iter(window.loader._jobs.values()))
    window.documents.table.selectRow(0)
    window.documents.remove_button.click()
    assert window.docs_model.rows == [] and not window.loader.busy
    assert task.cancelled  # the reader stops at its next file
    qtbot.waitUntil(lambda: not task.running, timeout=20_000)
    assert window.docs_model.rows == []  # what it read before stopping is not added
