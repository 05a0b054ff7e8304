"""The window's actions, shortcuts and menus (File, Models, Run, View, Help). Buttons elsewhere
trigger these same actions, so a shortcut and its button always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from rlm_desktop.ui import dialogs, help_pages, settings_dialogs

if TYPE_CHECKING:
    from rlm_desktop.ui.main_window import MainWindow


def _action(window: QMainWindow, text: str, tip: str, *keys: QKeySequence | str) -> QAction:
    action = QAction(text, window)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
    window.addAction(action)  # shortcuts work wherever the focus is in the window
    return action


class WindowActions:
    def __init__(self, window: MainWindow, has_manager: bool) -> None:
        self.has_manager = has_manager
        std = QKeySequence.StandardKey
        self.add_files = _action(window, "&Add files…", "Add documents to ask about", std.Open)
        self.add_folder = _action(window, "Add &folder…", "Add every document in a folder")
        self.read_scans = _action(
            window,
            "&Read scanned pages (OCR)",
            "Recognise the text of scanned PDF pages and pictures of pages, on this computer",
        )
        self.read_scans.setCheckable(True)
        self.read_scans.setChecked(window.settings.ocr)
        self.open_model = _action(window, "Open a &model file…", "Use a .gguf model file")
        self.use_demo = _action(
            window, "Use the &demo model", "The tiny model included with the app"
        )
        self.models = _action(window, "&Manage models…", "Find, download and manage models")
        self.models.setEnabled(has_manager)
        self.model_options = _action(
            window, "Model &options…", "Context window and reply guidance for the model"
        )
        self.new_conversation = _action(
            window, "&New conversation", "Start afresh: forget the questions asked so far", std.New
        )
        self.export_conversation = _action(
            window, "&Export conversation…", "Save the conversation as Markdown, web page or JSON"
        )
        self.export_question = _action(
            window, "Export the selected &question…", "Save one question and how it was answered"
        )
        self.show_history = _action(
            window, "&History", "Earlier conversations: search, open, delete", "Ctrl+H"
        )
        self.show_history.setCheckable(True)
        self.quit = _action(window, "&Quit", "Close RLM Desktop", std.Quit)
        self.ask = _action(window, "&Ask", "Ask the question (Enter)", "Ctrl+Return", "Ctrl+Enter")
        self.stop = _action(window, "&Stop", "Stop the run (Esc)", "Esc")
        self.limits = _action(window, "&Limits…", "Turns, depth and time limits for runs")
        self.toggle_side = _action(window, "&How the answer was found", "Show the side pane", "F9")
        self.toggle_side.setCheckable(True)
        self.code_steps = _action(
            window, "Show &code steps", "Name each step by the code it ran, not in plain words"
        )
        self.code_steps.setCheckable(True)
        self.getting_started = _action(
            window, "&Getting started", "A short guide: add, ask, check the answer", "F1"
        )
        self.shortcuts = _action(window, "&Keyboard shortcuts", "Every shortcut of the window")
        self.about_computer = _action(
            window, "About this &computer", "The model, the safety layers and this computer"
        )
        self.open_log = _action(window, "Open &log folder", "Show the app's log files")
        self.about = _action(window, "&About RLM Desktop", "Version and licence")

        self.add_files.triggered.connect(lambda: window.add_documents(dialogs.pick_files(window)))
        self.add_folder.triggered.connect(lambda: window.add_documents(dialogs.pick_folder(window)))
        self.open_model.triggered.connect(lambda: window.add_documents(dialogs.pick_model(window)))
        self.use_demo.triggered.connect(window.use_demo_model)
        self.models.triggered.connect(lambda: window.open_models())
        self.new_conversation.triggered.connect(lambda: window.conversation.new_conversation())
        self.export_conversation.triggered.connect(lambda: window.conversation.export(False))
        self.export_question.triggered.connect(lambda: window.conversation.export(True))
        self.show_history.toggled.connect(lambda on: window.conversation.dock.setVisible(on))
        self.quit.triggered.connect(window.close)
        self.code_steps.toggled.connect(window.set_code_steps)
        self.getting_started.triggered.connect(lambda: help_pages.getting_started(window))
        self.shortcuts.triggered.connect(lambda: help_pages.keyboard_shortcuts(window))
        self.about_computer.triggered.connect(
            lambda: help_pages.about_computer(window, window.host.info, window.status.layers)
        )
        self.ask.triggered.connect(window.ask)
        self.stop.triggered.connect(window.stop)
        self.limits.triggered.connect(lambda: settings_dialogs.edit_limits(window))
        self.model_options.triggered.connect(lambda: settings_dialogs.edit_model_options(window))
        self.toggle_side.toggled.connect(window.set_side_pane)
        self.read_scans.toggled.connect(lambda on: settings_dialogs.set_ocr(window, on))
        self.open_log.triggered.connect(dialogs.open_log_folder)
        self.about.triggered.connect(lambda: dialogs.about(window))

        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_conversation)
        file_menu.addSeparator()
        file_menu.addActions([self.add_files, self.add_folder, self.read_scans])
        file_menu.addSeparator()
        file_menu.addActions([self.export_conversation, self.export_question])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        models_menu = bar.addMenu("&Models")
        models_menu.addActions([self.models, self.open_model, self.use_demo])
        models_menu.addSeparator()
        models_menu.addAction(self.model_options)
        run_menu = bar.addMenu("&Run")
        run_menu.addActions([self.ask, self.stop])
        run_menu.addSeparator()
        run_menu.addAction(self.limits)
        bar.addMenu("&View").addActions([self.toggle_side, self.show_history, self.code_steps])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.getting_started, self.shortcuts, self.about_computer])
        help_menu.addSeparator()
        help_menu.addActions([self.open_log, self.about])

    def set_running(self, running: bool) -> None:
        self.ask.setEnabled(not running)
        self.new_conversation.setEnabled(not running)
        self.stop.setEnabled(running)
        for action in (self.open_model, self.use_demo, self.models, self.model_options):
            action.setEnabled(not running and (action is not self.models or self.has_manager))
