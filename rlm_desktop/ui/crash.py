"""When something goes wrong: a rotating log file, faulthandler for native crashes, and a
dialog for unexpected exceptions (a plain message and where the log is; the window, its
documents and the run so far stay as they are). Never a silent exit.

`setup_logging` and `CrashReporter.install` are called by `run_app` only, never at import.
"""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import IO

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

LOG_FILE = "rlm-desktop.log"
CRASH_FILE = "native-crashes.log"
log = logging.getLogger("rlm_desktop")


@dataclass
class LogSetup:
    folder: Path
    file: Path
    handler: logging.Handler
    crash_stream: IO[str] | None

    def close(self) -> None:
        logging.getLogger().removeHandler(self.handler)
        self.handler.close()
        if self.crash_stream is not None:
            faulthandler.disable()
            self.crash_stream.close()


def setup_logging(folder: Path, level: int = logging.INFO) -> LogSetup:
    """Log to `folder/rlm-desktop.log` (1 MB × 4 files) and dump native crashes beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        folder / LOG_FILE, maxBytes=1 << 20, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    stream: IO[str] | None = None
    try:
        stream = open(folder / CRASH_FILE, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
        faulthandler.enable(file=stream, all_threads=True)
    except OSError as exc:
        log.warning("faulthandler not enabled: %s", exc)
    log.info("log started; Python %s", sys.version.split()[0])
    return LogSetup(folder, folder / LOG_FILE, handler, stream)


class CrashReporter(QObject):
    """Shows an unexpected exception to the user; the signal makes it safe from any thread."""

    report = Signal(str, str)  # summary, details

    def __init__(self, log_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.window: QWidget | None = None
        self.dialog: QMessageBox | None = None
        self.count = 0
        self.report.connect(self._show)

    def handle(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            return
        log.critical("unexpected error", exc_info=(exc_type, exc, tb))
        self.count += 1
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        self.report.emit(f"{exc_type.__name__}: {exc}", details)

    def _show(self, summary: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return  # one dialog at a time; the rest are in the log
        box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong", "", parent=self.window)
        box.setText(
            "RLM Desktop ran into an unexpected problem. Your documents and the run so far are "
            "still here, and you can keep working; if things look wrong, restart the app."
        )
        box.setInformativeText(f"Details were written to the log:\n{self.log_file}\n\n{summary}")
        box.setDetailedText(details)
        box.setAccessibleName("Unexpected problem")
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.dialog = box
        box.open()

    def install(self) -> Callable[[], None]:
        """Route uncaught exceptions (GUI and other threads) here; returns the undo."""
        old_hook, old_thread_hook = sys.excepthook, threading.excepthook
        sys.excepthook = self.handle

        def thread_hook(args: threading.ExceptHookArgs) -> None:
            self.handle(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

        threading.excepthook = thread_hook

        def restore() -> None:
            sys.excepthook, threading.excepthook = old_hook, old_thread_hook

        return restore
