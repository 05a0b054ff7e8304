"""`run_app(args)`: the window behind `rlm-desktop [FILES...] [--model M] [--backend B]
[--ask QUESTION]` (and `rlm-desktop trace view FILE`: `args.view_trace`).
Sets up logging and crash reporting, the Qt application (high-DPI, the
platform's light or dark palette), opens the window and runs the event loop.
"""

from __future__ import annotations

import argparse
import logging
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from rlm_desktop import __version__
from rlm_desktop.store.paths import log_dir
from rlm_desktop.store.settings import load_settings
from rlm_desktop.ui.crash import CrashReporter, setup_logging
from rlm_desktop.ui.icons import app_icon
from rlm_desktop.ui.main_window import MainWindow
from rlm_desktop.ui.style import STYLE

log = logging.getLogger(__name__)
APP_NAME = "RLM Desktop"
GIL_SWITCH_S = 0.002


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (or the one that exists), set up for the app."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    # The GUI thread shares the GIL with the engine and reader threads: a shorter switch
    # interval (default 5 ms) bounds how long it waits for the GIL after each Qt call.
    sys.setswitchinterval(GIL_SWITCH_S)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("rlm-desktop")
    app.setDesktopFileName("rlm-desktop")
    app.setWindowIcon(app_icon())
    app.setStyleSheet(STYLE)
    return app


def open_window(args: argparse.Namespace) -> MainWindow:
    """Create, show and start the main window as the command line asks."""
    window = MainWindow(load_settings(), backend=getattr(args, "backend", None))
    window.show()
    window.start(
        files=list(getattr(args, "files", None) or []),
        model=getattr(args, "model", None),
        ask=getattr(args, "ask", None),
    )
    trace = getattr(args, "view_trace", None)
    if trace:
        window.view_trace(trace)
    return window


def run_app(args: argparse.Namespace) -> int:
    logs = setup_logging(log_dir(ensure=True))
    app = create_application()
    reporter = CrashReporter(logs.file)
    restore = reporter.install()
    try:
        window = open_window(args)
        reporter.window = window
        if getattr(args, "quit_when_ready", False):  # bench startup
            QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
        code = app.exec()
    finally:
        restore()
        log.info("window closed")
        logs.close()
    return int(code)
