"""The window's conversation: the thread, the history panel, and what joins them to runs.

Every question goes through the engine host's `Chat` (one REPL for the conversation, each run
recorded in the history unless it is off); its outcome still comes from the run's terminal
event (`run_finished`), the ids it was recorded under arrive after. Selecting a question shows
its tree in the side pane (read from the history the first time). The history panel opens a
recorded conversation read-only, or continues it (`continue_recorded`: a new REPL on the engine
thread, its documents read again, so the next question is a follow-up in it); "Ask again" asks
a question anew on the documents it had,
warning first when one changed or is gone; File ▸ Export writes a conversation or one
question; `view_trace` shows an imported trace read-only. The window's own `HistoryStore`
(this, the GUI thread's) is opened at start: that is when runs a crash left are marked
`interrupted`.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMessageBox

from rlm_desktop.documents.ingest import context_from_records
from rlm_desktop.store.chat import Asked
from rlm_desktop.store.history import HistoryStore
from rlm_desktop.ui.engine_host import Resumption
from rlm_desktop.ui.history_panel import HistoryPanel, Target
from rlm_desktop.ui.run_controller import RunOutcome
from rlm_desktop.ui.turn_card import Turn

if TYPE_CHECKING:
    from rlm_desktop.store.trace_import import ImportedTrace
    from rlm_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)
EXPORT_FILTERS = {
    "md": "Markdown (*.md)",
    "html": "Web page (*.html)",
    "json": "JSON trace (*.json)",
}
BUSY = "Wait for the run to end (or stop it) first."


class Conversation(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.store: HistoryStore | None = None
        if window.settings.history:
            self._open_store()
        self.live: Turn | None = None  # the question running now
        self._sent: set[tuple[str, str]] = set()  # documents the conversation was given
        self._resuming: int | None = None  # the conversation being taken up again
        self.warning_box: QMessageBox | None = None  # "documents changed" on continuing
        self.panel = HistoryPanel(lambda: self.store)
        self.dock = QDockWidget("History", window)
        self.dock.setObjectName("historyDock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.dock.hide()
        self.dock.visibilityChanged.connect(self._dock_shown)
        self.dock.toggleViewAction().setVisible(False)  # View ▸ History does it
        thread = window.thread_view
        thread.clicked.connect(self.show_turn)
        thread.ask_again.connect(lambda turn: self.ask_again(turn, edit=False))
        thread.edit.connect(lambda turn: self.ask_again(turn, edit=True))
        window.runs.stats_changed.connect(thread.live_stats)
        self.panel.keep.setChecked(window.settings.history)
        self.panel.keep.toggled.connect(self.set_history)
        self.panel.opened.connect(self.open_recorded)
        self.panel.continued.connect(self.continue_recorded)
        self.panel.deleted.connect(self._deleted)

    def _open_store(self) -> None:
        try:
            self.store = HistoryStore.open()
        except (OSError, sqlite3.Error) as exc:
            log.warning("history not opened: %s", exc)
            self.w.status.show_problem(f"The history cannot be opened ({exc}).")
        else:
            if self.store.notice:
                self.w.status.show_problem(self.store.notice)

    def set_history(self, on: bool) -> None:
        """ "Keep a history of my questions": from the next question on (the conversation
        going on included), questions are recorded or not; what was kept stays listed."""
        w = self.w
        w.settings.history = on
        w.save_settings()
        if on and self.store is None:
            self._open_store()
        w.host.set_history(on)
        self.panel.refresh()
        self.say(
            "The history is on: your questions are kept."
            if on
            else "The history is off: new questions are not kept."
        )

    @property
    def busy(self) -> bool:
        return self.w.state.running

    def say(self, line: str) -> None:
        self.w.ask_panel.progress.setText(line)

    # --- the conversation going on -----------------------------------------------------------
    def start_run(self, question: str) -> None:
        """Ask `question` in the conversation (a new one after a read-only view)."""
        w = self.w
        context = context_from_records(w.docs_model.ready_records())
        have = {(d.name, d.path) for d in context.documents}
        if w.thread_view.readonly:
            self._fresh()
        elif self._sent - have:  # the REPL still holds a removed document: start afresh
            self._fresh()
            w.thread_view.note.setText("A new conversation: a document was removed")
        self._sent |= have
        turn = self.live = w.thread_view.begin(question)
        self.panel.set_busy(True)
        w.runs.start(
            question,
            context,
            w.settings.engine_config(),
            history=w.settings.history,
            on_asked=lambda asked: self._recorded(turn, asked),
        )

    def run_finished(self, outcome: RunOutcome) -> None:
        turn = self.live
        if turn is None:
            return
        self.live = None
        turn.answer, turn.status, turn.error = outcome.answer, outcome.status, outcome.error
        turn.citations = outcome.citations
        turn.answer_verified, turn.answer_note = outcome.answer_verified, outcome.answer_note
        turn.stats = self.w.runs.stats.line()
        turn.tree = self.w.tree_model.tree
        self.w.thread_view.update_turn(turn)
        card = self.w.thread_view.card(turn)
        if card is not None:  # the answer, not the end of the question before it
            self.w.thread_view.scroll_to(card)
        self.panel.set_busy(False)

    def _recorded(self, turn: Turn, asked: Asked) -> None:
        turn.conversation_id, turn.run_id = asked.conversation_id, asked.run_id
        if self.dock.isVisible():
            self.panel.refresh()

    def new_conversation(self) -> bool:
        """Start afresh: an empty thread and tree; the next question gets a new REPL."""
        if self.busy:
            self.say(BUSY)
            return False
        self._fresh()
        self.w.ask_panel.question.setFocus()
        return True

    def _fresh(self) -> None:
        self._sent = set()
        self.w.ask_panel.stats.setText("")  # the last run's figures belong to the old thread
        self.w.host.new_conversation()
        self.w.thread_view.clear()
        self.w.tree_model.reset()

    # --- showing a question -------------------------------------------------------------------
    def show_turn(self, turn: Turn) -> None:
        """Select `turn` and show its tree in the side pane."""
        w = self.w
        if turn is self.live or (self.busy and turn is not self.live):
            if turn is not self.live:
                self.say("The steps of earlier questions can be shown once this run ends.")
            return
        if turn.tree is None and turn.run_id is not None and self.store is not None:
            turn.tree = self.store.load_tree(turn.run_id)
        w.thread_view.select(turn)
        if turn.tree is None:
            w.tree_model.reset()
            return
        if w.tree_model.tree is not turn.tree:
            w.tree_model.load(turn.tree)
        root = w.tree_model.root_id
        if root is not None:
            w.side.go_to(root)
            w.side.tree.expand(w.tree_model.index_of(root))

    def open_recorded(self, target: Target) -> bool:
        """A conversation from the history, as it was, read-only (the hit's step shown);
        False when it could not be shown (a run goes on, or it is no longer there)."""
        if self.busy:
            self.say(BUSY)
            return False
        store = self.store
        record = store.conversation(target.conversation_id) if store else None
        if record is None:
            self.say("This conversation is no longer in the history.")
            return False
        self._fresh()
        when = datetime.fromtimestamp(record.updated).strftime("%d %b %Y, %H:%M")
        turns = [Turn.from_record(run) for run in record.runs]
        self.w.thread_view.show_turns(turns, f"From your history, {when} (read-only)")
        chosen = next((t for t in turns if t.run_id == target.run_id), turns[-1] if turns else None)
        if chosen is not None:
            self.show_turn(chosen)
            card = self.w.thread_view.card(chosen)
            if card is not None:
                self.w.thread_view.scroll_to(card)
            if target.node_id:
                self.w.side.go_to(target.node_id)
        self.say(
            "A question asked now starts a new conversation; to ask a follow-up, click "
            "Continue in the history."
        )
        return True

    def continue_recorded(self, target: Target) -> None:
        """Take a recorded conversation up again: shown at once, its documents read again
        on the engine thread (a warning when one changed or is gone), then the next question
        is a follow-up in it, as with `ask --continue`."""
        w = self.w
        if w.host.info is None:
            self.say("Choose a model first: a conversation is continued with a model.")
            return
        if not self.open_recorded(target):
            return  # busy, or no longer in the history (already said)
        cid = self._resuming = target.conversation_id
        w.thread_view.note.setText("From your history: reading its documents again…")
        self.say("Reading this conversation's documents again…")
        w.host.resume(
            cid,
            w.settings.engine_config(),
            on_done=lambda found: self._resumed(cid, found),
            on_failed=lambda exc: self._resume_failed(cid, exc),
            on_progress=lambda p: self._resume_progress(cid, p),
            ocr=w.loader.ocr,
        )

    def _resume_progress(self, cid: int, p: object) -> None:
        done, total = getattr(p, "files_done", 0), getattr(p, "files_total", 0)
        if self._resuming == cid and total:
            self.say(f"Reading this conversation's documents again: {done} of {total} files…")

    def _resumed(self, cid: int, found: Resumption) -> None:
        w = self.w
        if self._resuming != cid or not w.thread_view.readonly:
            return  # something else was shown or asked meanwhile
        self._resuming = None
        w.loader.clear()  # the documents list shows what the conversation has now
        rows = w.loader.show_read(found.records, found.sizes)
        self._sent = {(d.name, d.path) for d in context_from_records(found.records).documents}
        w.thread_view.readonly = False
        w.thread_view.note.setText("Continued from your history")
        self.say(f"Continued: ask a follow-up ({len(rows)} documents read again).")
        w.ask_panel.question.setFocus()
        if found.warnings:
            text = "Since this conversation was recorded:\n\n• " + "\n• ".join(found.warnings)
            box = self.warning_box = QMessageBox(
                QMessageBox.Icon.Warning, "Documents changed", text, parent=w
            )
            box.setInformativeText("Follow-up questions use the documents as they are now.")
            box.open()

    def _resume_failed(self, cid: int, exc: BaseException) -> None:
        if self._resuming == cid:
            self._resuming = None
            self.say(f"This conversation cannot be continued: {exc}")

    def view_trace(self, trace: ImportedTrace) -> None:
        """An imported trace's runs, read-only, in the thread and the side pane."""
        turns = []
        for run in trace.runs:
            steps = len(run.tree.nodes)
            question = run.question or "(the question is not in the log)"
            turn = Turn(question, run.answer, run.status, None, f"{steps:,} steps", tree=run.tree)
            turn.can_ask_again = bool(run.question)
            turns.append(turn)
        name = Path(trace.path).name
        self._fresh()
        self.w.thread_view.show_turns(turns, f"Imported trace {name} (read-only)")
        if turns:
            self.show_turn(turns[-1])
        lines = trace.messages or ([] if turns else ["No run could be read from this file."])
        self.say(" ".join(lines[:3]))

    # --- ask again --------------------------------------------------------------------------------
    def ask_again(self, turn: Turn, edit: bool = False) -> None:
        """Ask `turn`'s question anew, in a new conversation on the documents it had (read
        again: a warning first when one changed or is gone); `edit`: change it first."""
        w = self.w
        if self.busy:
            self.say(BUSY)
            return
        paths: list[str] | None = None  # None: keep the documents loaded now
        cid, store = turn.conversation_id, self.store
        if cid is not None and store is not None:
            changed = store.changed_documents(cid)
            if changed and not edit:
                lines = [
                    f"{doc.name} is gone from {doc.path}"
                    if why == "gone"
                    else f"{doc.name} changed since it was read"
                    for doc, why in changed
                ]
                if not self.confirm_changed(lines):
                    return
            recorded = [d.path for d in store.documents(cid) if d.path]
            loaded = {r.document.path for r in w.docs_model.ready_records() if r.document}
            if changed or set(recorded) != loaded:
                paths = [p for p in dict.fromkeys(recorded) if Path(p).exists()]
        if not self.new_conversation():
            return
        if paths is not None:
            w.loader.clear()
            w.add_documents(paths)
        w.ask_panel.question.setPlainText(turn.question)
        if edit:
            w.ask_panel.question.setFocus()
            self.say("Change the question if you like, then press Ask.")
        else:
            w.ask()

    def confirm_changed(self, lines: list[str]) -> bool:
        text = "Since this question was asked:\n\n• " + "\n• ".join(lines)
        box = QMessageBox(QMessageBox.Icon.Warning, "Documents changed", text, parent=self.w)
        box.setInformativeText("Ask it again on the documents as they are now?")
        box.addButton("Ask again", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == 0  # the first button added

    # --- export ----------------------------------------------------------------------------------
    def export(self, run_only: bool) -> Path | None:
        """File ▸ Export: the conversation (or the selected question) as Markdown, a web page or
        our JSON trace; the file written, or None."""
        store, turn = self.store, self.w.thread_view.current
        ident = turn.run_id if run_only and turn else self.w.thread_view.conversation_id
        if store is None or ident is None:
            self._tell(
                "Nothing to export",
                "Only questions kept in the history can be exported: ask one first"
                + (" (the history is off in the settings)." if store is None else "."),
            )
            return None
        picked = self.pick_export_path("question" if run_only else "conversation", ident)
        if picked is None:
            return None
        from rlm_desktop.store.exporting import export_text

        path, fmt = picked
        try:
            path.write_text(export_text(store, ident, fmt, run_only=run_only), encoding="utf-8")
        except (OSError, KeyError) as exc:
            self._tell("Not exported", f"The file could not be written: {exc}")
            return None
        self.say(f"Exported to {path}.")
        return path

    def pick_export_path(self, what: str, ident: int) -> tuple[Path, str] | None:
        filters = ";;".join(EXPORT_FILTERS.values())
        name = f"{what}-{ident}.md"
        path, chosen = QFileDialog.getSaveFileName(self.w, f"Export this {what}", name, filters)
        if not path:
            return None
        fmt = next((f for f, text in EXPORT_FILTERS.items() if text == chosen), "md")
        suffix = Path(path).suffix.lower().lstrip(".")
        fmt = suffix if suffix in EXPORT_FILTERS else fmt
        return Path(path).with_suffix(f".{fmt}"), fmt

    def _tell(self, title: str, text: str) -> None:
        QMessageBox.information(self.w, title, text)

    # --- the history panel ---------------------------------------------------------------------
    def _dock_shown(self, visible: bool) -> None:
        self.w.actions.show_history.setChecked(visible)
        if visible:
            self.panel.refresh()

    def _deleted(self, conversation_id: int | None) -> None:
        """A deleted conversation shown in the thread is not kept there."""
        shown = self.w.thread_view.conversation_id
        if shown is not None and conversation_id in (None, shown):
            self.new_conversation()

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
