"""What the window remembers between launches, in the app's config folder (window.ini): its
size and place, the splitters' positions (for the conversation area: its largest share of the
height), View ▸ Show code steps, and the document set.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QGuiApplication

from rlm_desktop.store.paths import config_dir

if TYPE_CHECKING:
    from rlm_desktop.ui.main_window import MainWindow

DEFAULT_SIZE = QSize(1280, 800)


def window_settings() -> QSettings:
    """Geometry and splitter positions, kept in the app's config folder."""
    return QSettings(str(config_dir(ensure=True) / "window.ini"), QSettings.Format.IniFormat)


def restore(window: MainWindow) -> None:
    qs = window_settings()
    if not window.restoreGeometry(qs.value("geometry", b"")):
        window.resize(DEFAULT_SIZE)
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:  # never larger than the screen (a remembered size may be)
        free = screen.availableGeometry().size()
        size = window.size().boundedTo(free)
        window.resize(size.expandedTo(window.minimumSize()).boundedTo(free))
    if not window.splitter.restoreState(qs.value("splitter", b"")):
        window.splitter.setSizes([560, 440])  # proportions: documents and answer on the left
    window.left_split.restoreState(qs.value("left_split", b""))
    try:  # the conversation area's largest share of the height (it fits its content)
        share = float(qs.value("answer_share", window.answer_space.share))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        share = window.answer_space.share
    window.answer_space.share = min(max(share, 0.1), 0.9)
    window.side.splitter.restoreState(qs.value("side_split", b""))
    code_steps = qs.value("code_steps", "false") == "true"
    window.actions.code_steps.setChecked(code_steps)
    window.set_code_steps(code_steps)  # also when unchanged (no toggled signal)


def save(window: MainWindow) -> None:
    qs = window_settings()
    qs.setValue("geometry", window.saveGeometry())
    qs.setValue("splitter", window.splitter.saveState())
    qs.setValue("left_split", window.left_split.saveState())
    qs.setValue("answer_share", window.answer_space.share)
    qs.setValue("side_split", window.side.splitter.saveState())
    qs.setValue("code_steps", "true" if window.actions.code_steps.isChecked() else "false")
    rows = window.docs_model.rows
    qs.setValue("documents", [d.path for d in rows if d.record is not None and d.record.ok])
    qs.sync()


def remembered_documents() -> list[str]:
    """The documents listed when the app was last closed (those still on this computer)."""
    value = window_settings().value("documents", [])
    paths = [value] if isinstance(value, str) else list(value or [])
    return [p for p in paths if isinstance(p, str) and Path(p).exists()]
