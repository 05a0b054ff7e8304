"""The habits of the apps people know: Enter asks and Shift+Enter adds a line; quitting,
clearing or removing documents during a run first asks to stop the run (a non-blocking
question box the window keeps as `confirm_box`, so a test or a user can answer it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QMessageBox, QPlainTextEdit, QWidget

if TYPE_CHECKING:
    from rlm_desktop.ui.main_window import MainWindow

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class EnterAsks(QObject):
    """On a question box: Enter triggers `ask`, Shift+Enter inserts a new line (Ctrl+Enter
    stays the window's Ask shortcut)."""

    def __init__(self, box: QPlainTextEdit, ask: QAction) -> None:
        super().__init__(box)
        self.box, self.ask = box, ask
        box.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            key = event if isinstance(event, QKeyEvent) else None
            if key is not None and key.key() in ENTER_KEYS:
                mods = key.modifiers()
                if mods & Qt.KeyboardModifier.ShiftModifier:
                    self.box.insertPlainText("\n")
                    return True
                if not mods & ~Qt.KeyboardModifier.KeypadModifier:
                    if self.ask.isEnabled():
                        self.ask.trigger()
                    return True
        return super().eventFilter(watched, event)


def confirm(
    parent: QWidget, title: str, text: str, yes: str, no: str, on_yes: Callable[[], None]
) -> QMessageBox:
    """Ask without blocking; `on_yes` runs when the user picks `yes`. The safe answer (`no`)
    is the default, so Enter or Esc keeps things as they are."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setObjectName("confirmBox")
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    yes_button.setObjectName("confirmYes")
    no_button.setObjectName("confirmNo")
    box.buttonClicked.connect(lambda button: on_yes() if button is yes_button else None)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class RunGuard:
    """Quitting, clearing or removing documents during a run first asks to stop the run;
    the open question is `box` (None when none is open)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.box: QMessageBox | None = None
        self.quit_confirmed = False

    def remove_documents(self, rows: list[int]) -> None:
        loader = self.window.loader
        if self.window.state.running:
            title = "Stop the run and remove the documents?"
            self._stop_first(title, "remove them", lambda: loader.remove(rows))
        else:
            loader.remove(rows)

    def clear_documents(self) -> None:
        loader = self.window.loader
        if self.window.state.running:
            self._stop_first("Stop the run and clear the list?", "clear the list", loader.clear)
        else:
            loader.clear()

    def may_close(self, event: QCloseEvent) -> bool:
        """False (and the question asked) while a run goes on and quitting is not confirmed."""
        if not self.window.state.running or self.quit_confirmed:
            return True
        event.ignore()
        self.box = confirm(
            self.window,
            "Stop the run and quit?",
            "A question is still being answered. Stop the run and quit RLM Desktop?",
            "Stop and quit",
            "Keep working",
            self._quit,
        )
        return False

    def _quit(self) -> None:
        self.quit_confirmed = True
        self.window.close()

    def _stop_first(self, title: str, what: str, then: Callable[[], None]) -> None:
        def stop_then() -> None:
            self.window.stop()
            then()

        self.box = confirm(
            self.window,
            title,
            f"The run going on is using these documents. Stop it and {what}?",
            "Stop the run",
            "Keep running",
            stop_then,
        )
