"""The main window: documents, question, the conversation thread and the side pane "How the
answer was found", the history panel, with menus, shortcuts, drops anywhere on the window, and
remembered settings.

It only wires parts together: models and controllers do the work (documents → DocumentLoader,
runs → RunController over the EngineHost's thread, the conversation and history →
Conversation), widgets show it. What the window may do
next (start a waiting question, wait, ask for a model) is decided by its one `AppState`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from rlm_desktop.store.settings import Settings, save_settings
from rlm_desktop.ui import dialogs, window_memory
from rlm_desktop.ui.answer_space import AnswerSpace
from rlm_desktop.ui.answer_view import AnswerView
from rlm_desktop.ui.ask_panel import AskPanel
from rlm_desktop.ui.conversation import Conversation
from rlm_desktop.ui.document_loader import DocumentLoader
from rlm_desktop.ui.documents_model import DocumentsModel
from rlm_desktop.ui.documents_panel import DocumentsPanel
from rlm_desktop.ui.drops import DropOverlay, drop_message, dropped_paths, split_models
from rlm_desktop.ui.engine_host import EngineHost
from rlm_desktop.ui.habits import EnterAsks, RunGuard
from rlm_desktop.ui.icons import StatusIcons
from rlm_desktop.ui.model_choice import (
    find_demo_model,
    first_run_model,
    is_demo_model,
    manager_available,
    plain_model_error,
    resolve_model,
    unreadable_model,
)
from rlm_desktop.ui.model_setup import DemoBadge, ModelSetup
from rlm_desktop.ui.run_controller import RunController, RunOutcome
from rlm_desktop.ui.side_pane import SidePane
from rlm_desktop.ui.source_opener import SourceOpener
from rlm_desktop.ui.state import AppState, Do, Phase, Step
from rlm_desktop.ui.status_bar import StatusBar
from rlm_desktop.ui.tasks import TaskManager
from rlm_desktop.ui.thread_view import ThreadView
from rlm_desktop.ui.tree_model import RunTreeModel
from rlm_desktop.ui.window_actions import WindowActions
from rlm_desktop.verify.citations import verdict

if TYPE_CHECKING:
    from rlm_desktop.ui.model_manager import ModelManagerDialog

log = logging.getLogger(__name__)
CLOSE_WAIT_MS = 30_000  # a run stops within a second; loading a model cannot be interrupted
OUTCOME_LINES = {
    "ok": "Answer found.",
    "budget": "The run reached a limit; this is its best answer so far.",
    "cancelled": "Stopped.",
}


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, backend: str | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.backend = backend or "llama"
        self.setWindowTitle("RLM Desktop")
        self.setAcceptDrops(True)
        self.icons = StatusIcons()
        self.tasks = TaskManager(self)
        self.host = EngineHost(self.tasks, self)
        self.tree_model = RunTreeModel(self.icons, self)
        self.runs = RunController(self.host, self.tree_model, self)
        self.docs_model = DocumentsModel(self.icons, self)
        self.loader = DocumentLoader(self.tasks, self.docs_model, self, ocr=settings.ocr)
        self.actions = WindowActions(self, manager_available())
        self.state = AppState()
        self._models_dialog: ModelManagerDialog | None = None
        self.guard = RunGuard(self)  # asks to stop the run before quitting or clearing
        self._build()
        self.conversation = Conversation(self)
        self._connect()
        window_memory.restore(self)

    # --- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        a = self.actions
        demo = find_demo_model()
        self.setup_card = ModelSetup(demo.path is not None, manager_available())
        self.setup_card.hide()
        self.demo_badge = DemoBadge()
        self.demo_badge.choose.connect(self._choose_better_model)
        self.demo_badge.hide()
        self.documents = DocumentsPanel(self.docs_model, a.add_files, a.add_folder)
        self.ask_panel = AskPanel(a.ask, a.stop)
        self.thread_view = ThreadView(a.new_conversation)
        EnterAsks(self.ask_panel.question, a.ask)
        self.side = SidePane(self.tree_model)
        self.answer_space = AnswerSpace(self.documents, self.ask_panel, self.thread_view)
        self.left_split = self.answer_space.split  # the answer area as tall as its content
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 8, 8)
        left_layout.addWidget(self.demo_badge)
        left_layout.addWidget(self.setup_card)
        left_layout.addWidget(self.left_split, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        if demo.problem:
            self.status.show_problem(demo.problem)
        self.overlay = DropOverlay(self)
        self.side.setVisible(self.settings.show_side_pane)
        a.toggle_side.setChecked(self.settings.show_side_pane)
        self.setTabOrder(self.documents.table, self.ask_panel.question)
        self.setTabOrder(self.ask_panel.question, self.ask_panel.ask_button)
        self.setTabOrder(self.ask_panel.ask_button, self.thread_view.scroll)
        self.setTabOrder(self.thread_view.scroll, self.side.tree)

    @property
    def answer(self) -> AnswerView:
        """The selected question's answer in the thread."""
        return self.thread_view.answer

    def _connect(self) -> None:
        self.sources = SourceOpener(self, self.docs_model, self.ask_panel.progress.setText)
        self.thread_view.open_source.connect(self.sources.open_citation)
        self.documents.table.doubleClicked.connect(self.sources.open_row)
        a, host, runs = self.actions, self.host, self.runs
        host.model_loading.connect(self._model_loading)
        host.model_loaded.connect(self._model_loaded)
        host.model_failed.connect(self._model_failed)
        host.sandbox_layers.connect(self.status.set_sandbox)
        runs.started.connect(self.side.on_run_started)
        runs.progress.connect(self.ask_panel.progress.setText)
        runs.stats_changed.connect(self.ask_panel.stats.setText)
        runs.nodes_added.connect(self.side.on_nodes_added)
        runs.nodes_changed.connect(self.side.on_nodes_changed)
        runs.finished.connect(self._run_finished)
        self.loader.busy_changed.connect(self._loader_busy)
        self.documents.remove_requested.connect(self.guard.remove_documents)
        self.documents.clear_requested.connect(self.guard.clear_documents)
        self.setup_card.use_demo.connect(self.use_demo_model)
        self.setup_card.open_file.connect(a.open_model.trigger)
        self.setup_card.download.connect(lambda: self.open_models(download_recommended=True))
        self.setup_card.dismissed.connect(self.demo_badge.show)
        a.stop.setEnabled(False)

    # --- start-up ------------------------------------------------------------------------------
    def start(
        self, files: list[str] | None = None, model: str | None = None, ask: str | None = None
    ) -> None:
        """What `rlm-desktop [FILES] [--model] [--backend] [--ask]` asks for."""
        if self.backend.startswith("replay:"):
            self.host.load(self.backend, None)
        elif self.backend.startswith("openai:"):  # a model server: --model is its model's name
            self.host.load(self.backend, model, self.settings.model_options.load_options())
        elif chosen := model or self.settings.last_model or first_run_model():
            self.load_model(chosen)  # no model chosen yet: the demo, when it is the only one
        else:
            self._show_setup("")
        self.host.probe_sandbox()
        files = files or window_memory.remembered_documents()
        if files:
            self.add_documents(files)
        self.ask_panel.question.setFocus()  # ready to type the question
        if ask:
            self.ask_panel.question.setPlainText(ask)
            self.ask()

    def view_trace(self, path: str) -> None:
        """Show a trace file's runs read-only (`rlm-desktop trace view FILE`), read off the
        GUI thread."""
        from rlm_desktop.store.trace_import import import_trace

        self.ask_panel.progress.setText(f"Reading {Path(path).name}…")
        self.tasks.submit(
            lambda state: import_trace(Path(path)),
            "import trace",
            on_done=self.conversation.view_trace,
            on_failed=lambda exc: self.ask_panel.progress.setText(f"Not read: {exc}"),
        )

    # --- models --------------------------------------------------------------------------------
    def load_model(self, model: str) -> None:
        if not self.state.can_change_model:
            self.ask_panel.progress.setText("Stop the run before changing the model.")
            return
        problem = unreadable_model(model) if self.host.info is not None else ""
        if problem:  # refused before the loaded model is closed: it stays in use
            self.status.show_problem(f"{problem} Your current model is still loaded.")
            self.ask_panel.progress.setText(f"{problem} Your current model is still loaded.")
            return
        if self.backend.startswith(("replay:", "openai:")):  # a model file: run it in-process
            self.backend = "llama"
        self.host.load(
            self.backend, resolve_model(model), self.settings.model_options.load_options()
        )

    def use_demo_model(self) -> None:
        demo = find_demo_model()
        if demo.problem:
            self.status.show_problem(demo.problem)
        if demo.path is not None:
            self.load_model(str(demo.path))

    def open_models(self, download_recommended: bool = False) -> None:
        """Models ▸ Manage models… (one dialog, kept between openings); from the first-run
        card, the download of the model it recommends starts at once."""
        active = self.host.spec[1] if self.host.spec else None
        dialog = self._models_dialog
        if dialog is None:
            dialog = self._models_dialog = dialogs.open_model_manager(
                self, self.load_model, active, self.tasks
            )
            if dialog is not None:
                dialog.download_finished.connect(self._model_downloaded)
        else:
            dialog.set_active(active)
            dialog.open()
        if dialog is not None and download_recommended:
            dialog.download_recommended()

    def _model_downloaded(self, path: str) -> None:
        """A finished download is used at once when no model is loaded (the first run)."""
        dialog = self._models_dialog
        if self.state.phase == Phase.NO_MODEL and dialog is not None:
            dialog.choose(Path(path))  # as if Use was clicked

    def _model_loading(self, what: str) -> None:
        self._render(self.state.model_loading())
        self.setup_card.hide()
        server = what.startswith("openai:")  # a model server's address, not a file
        self.status.set_model(
            None, loading=what.removeprefix("openai:") if server else Path(what).name
        )

    def _model_loaded(self, info: object) -> None:
        self.status.set_model(self.host.info)
        log.info("model loaded: %s", self.host.info)
        spec = self.host.spec
        if spec and spec[0] == "llama" and spec[1]:
            self.settings.last_model = spec[1]
            self.save_settings()
        self.demo_badge.setVisible(is_demo_model(spec[1] if spec else None))
        self.ask_panel.clear_hint()
        self._render(self.state.model_loaded())

    def _model_failed(self, message: str) -> None:
        log.warning("model not loaded: %s", message)
        self.status.set_model(None)
        self.demo_badge.hide()
        self._render(self.state.model_failed())
        self._show_setup(plain_model_error(message))

    def _show_setup(self, message: str) -> None:
        self.setup_card.set_message(message)
        self.setup_card.show_over_model(False)

    def _choose_better_model(self) -> None:
        """The demo badge's button: the card's choices in its place (the window stays within
        1024 × 640); "Not now" brings the badge back."""
        self.demo_badge.hide()
        self.setup_card.set_message("")
        self.setup_card.show_over_model(True)

    # --- documents -----------------------------------------------------------------------------
    def add_documents(self, paths: list[str]) -> None:
        models, documents = split_models(paths)
        if models:
            self.load_model(models[0])
        if documents:
            self.loader.add(documents)
            if self.host.info is not None:
                self.ask_panel.clear_hint()

    def _loader_busy(self, busy: bool) -> None:
        self._render(self.state.reading_changed(busy))

    # --- runs ------------------------------------------------------------------------------------
    def ask(self) -> None:
        question = self.ask_panel.text()
        if self.state.running:
            return
        if not question:
            self.ask_panel.progress.setText("Type a question first.")
            self.ask_panel.question.setFocus()
            return
        self._render(self.state.ask(question))

    def stop(self) -> None:
        """Stop (Esc): stop the run, or drop the question still waiting to be asked."""
        self._render(self.state.stop())

    def _render(self, step: Step) -> None:
        """Do what the state decided, and show what it now allows."""
        progress = self.ask_panel.progress
        if step.do == Do.START and step.question is not None:
            self.docs_model.set_run_going(True)
            self.ask_panel.set_running(True)
            self.actions.set_running(True)
            self.conversation.start_run(step.question)
        elif step.do == Do.WAIT_MODEL:
            progress.setText("Waiting for the model to load…")
        elif step.do == Do.WAIT_DOCUMENTS:
            progress.setText("Waiting for the documents to be read…")
        elif step.do == Do.CHOOSE_MODEL:
            progress.setText("Choose a model first.")
            self._show_setup("")
        elif step.do == Do.DROPPED:
            progress.setText("Not asked: stopped while waiting.")
        elif step.do == Do.STOP_RUN:
            self.runs.stop()
        self.actions.stop.setEnabled(self.state.can_stop)

    def _run_finished(self, outcome: RunOutcome) -> None:
        log.info("run ended: %s %s", outcome.status, outcome.error or "")
        self._render(self.state.run_finished())
        self.ask_panel.set_running(False)
        self.actions.set_running(False)
        self.docs_model.set_run_going(False)
        if outcome.status == "cancelled" and not outcome.answer:  # what was found before Stop
            outcome = replace(outcome, answer=self.tree_model.found_so_far())
        self.conversation.run_finished(outcome)
        self.side.on_run_finished(outcome.status)
        line = OUTCOME_LINES.get(outcome.status) or f"The run failed: {outcome.error}"
        if outcome.status == "ok":
            line = verdict(outcome.answer, outcome.answer_verified) + "."
        self.ask_panel.progress.setText(line)

    # --- drops -----------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.overlay.show_over(self.centralWidget(), drop_message(paths))

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.overlay.hide()

    def dropEvent(self, event: QDropEvent) -> None:
        self.overlay.hide()
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_documents(paths)

    # --- settings and closing ------------------------------------------------------------------
    def set_code_steps(self, on: bool) -> None:
        """View ▸ Show code steps: the technical labels, with the details open."""
        self.tree_model.set_plain(not on)
        self.side.details.more.setChecked(on)
        self.side.tree.setColumnHidden(1, not on)  # tokens: for those who read code

    def set_side_pane(self, visible: bool) -> None:
        self.side.setVisible(visible)
        self.settings.show_side_pane = visible

    def save_settings(self) -> None:
        try:
            save_settings(self.settings)
        except OSError as exc:
            log.warning("settings not saved: %s", exc)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.guard.may_close(event):
            return
        window_memory.save(self)
        self.save_settings()
        self.stop()
        if self.tasks.shutdown(CLOSE_WAIT_MS):
            self.host.close()  # the engine thread is gone: end the conversation's REPL here
        else:
            log.warning("a background job did not stop within %d ms", CLOSE_WAIT_MS)
        self.conversation.close()
        self.sources.close()  # the document viewer goes with the window
        super().closeEvent(event)
