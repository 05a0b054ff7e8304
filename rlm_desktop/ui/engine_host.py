"""The engine's thread, seen from the window: load a model, probe the sandbox, ask questions.

Everything that touches the backend (creating it, loading the model, every run) is a job on
the one "engine" lane, so one thread owns the model and jobs queue behind each other. The
window only gets signals: `model_loaded(BackendInfo)`, `model_failed(message)` and
`sandbox_layers(list)`. A run reports only through its engine events, its partial results;
a run that fails before the engine could start still ends with a `RunFailed` and a
`RunFinished`, made here, so every run ends with one terminal event.

Questions go through one `Chat` (the conversation: one REPL kept between questions, each run
recorded in the history unless it is off), made by the first question and dropped by
`new_conversation`; the history store it writes to is opened on the engine thread (one store
per thread). What a question recorded (conversation and run ids) comes back through `run`'s
`on_asked`, after the run's terminal event.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from rlm_desktop.documents.model import Context, IngestRecord
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.events import Event, RunFailed, RunFinished, RunStarted
from rlm_desktop.llm.base import Backend, BackendError, BackendInfo
from rlm_desktop.store.chat import Asked, Chat
from rlm_desktop.store.history import HistoryStore
from rlm_desktop.ui.event_buffer import EventBuffer
from rlm_desktop.ui.task_state import TaskState
from rlm_desktop.ui.tasks import Task, TaskManager

log = logging.getLogger(__name__)
LANE = "engine"


@dataclass
class Resumption:
    """A recorded conversation taken up again: the documents read again (records and sizes,
    for the documents list) and one line per document changed, gone or unreadable."""

    records: list[IngestRecord] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class _Holder:
    """The backend, touched only by jobs on the engine lane."""

    backend: Backend | None = None
    chat: Chat | None = None  # the conversation going on
    store: HistoryStore | None = None  # the engine thread's own history store
    store_opened = False

    def history(self, notice: Callable[[str], None]) -> HistoryStore | None:
        """The engine thread's history store, opened on first use (None if it cannot be)."""
        if not self.store_opened:
            self.store_opened = True
            try:
                self.store = HistoryStore.open()
            except (OSError, sqlite3.Error) as exc:
                log.warning("history not opened: %s", exc)
                notice(f"The history cannot be opened ({exc}): runs are not kept.")
            else:
                if self.store.notice:
                    notice(self.store.notice)
        return self.store

    def drop_chat(self) -> None:
        if self.chat is not None:
            chat, self.chat = self.chat, None
            chat.close()


class EngineHost(QObject):
    model_loading = Signal(str)  # what is being loaded, in words
    model_loaded = Signal(object)  # BackendInfo
    model_failed = Signal(str)  # one line for the user
    sandbox_layers = Signal(list)
    history_problem = Signal(str)  # one line: the history could not be opened or written

    def __init__(self, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._holder = _Holder()
        self.info: BackendInfo | None = None  # the loaded model (GUI thread's copy)
        self.spec: tuple[str, str | None] | None = None

    # --- model ---------------------------------------------------------------------------
    def load(self, spec: str, model: str | None, options: dict[str, object] | None = None) -> Task:
        """Close the current backend and open `spec` / `model` (with the llama.cpp load
        `options`, e.g. `n_ctx`) on the engine thread."""
        holder = self._holder
        self.info = None
        self.model_loading.emit(model or spec)

        def job(state: TaskState) -> BackendInfo:
            from rlm_desktop.backends import make_backend
            from rlm_desktop.selfcheck import guard_model_load

            if spec == "llama":  # once per llama.cpp build: would it crash this process?
                crash = guard_model_load(model)
                if crash:
                    raise BackendError(crash[0].upper() + crash[1:] + ".")
            if holder.backend is not None:
                old, holder.backend = holder.backend, None
                old.close()
            holder.backend = make_backend(spec, model, **(options or {}))
            if holder.chat is not None:  # the conversation goes on with the new model
                holder.chat.session.backend = holder.backend
            return holder.backend.info

        return self._tasks.submit(
            job,
            "load model",
            lane=LANE,
            on_done=lambda info: self._loaded(info, spec, model),
            on_failed=self._failed,
        )

    def _loaded(self, info: BackendInfo, spec: str, model: str | None) -> None:
        self.info, self.spec = info, (spec, model)
        self.model_loaded.emit(info)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, BackendError):
            message = str(exc)
        else:
            message = f"The model could not be loaded: {type(exc).__name__}: {exc}"
        self.model_failed.emit(message.strip().splitlines()[0] if message.strip() else message)

    # --- sandbox ---------------------------------------------------------------------------
    def probe_sandbox(self) -> Task:
        """Start and stop one sandbox worker to learn which protection layers are active."""

        def job(state: TaskState) -> list[str]:
            from rlm_desktop.sandbox.host import Sandbox

            sandbox = Sandbox(Context(), lambda request: None)
            try:
                sandbox.start()
                return list(sandbox.layers)
            finally:
                sandbox.close()

        return self._tasks.submit(job, "probe sandbox", lane=LANE, on_done=self._layers)

    # --- runs ------------------------------------------------------------------------------
    def run(
        self,
        question: str,
        context: Context,
        config: EngineConfig,
        events: EventBuffer,
        history: bool = True,
        on_asked: Callable[[Asked], object] | None = None,
    ) -> Task:
        """Queue one question of the conversation (the first one starts it, with `context`;
        a follow-up gets the documents of `context` it does not have yet); every event it
        makes goes to `events`, the last one a root `RunFinished`. Recorded in the history
        when `history` is on; `on_asked` gets what was recorded. Stop it with `cancel()`."""
        holder = self._holder
        notice = self._notice

        def job(state: TaskState) -> Asked:
            ends = _Ending(state.partial)
            try:
                if holder.backend is None:
                    raise BackendError("No model is loaded: choose a model first.")
                chat = holder.chat
                if chat is None:
                    store = holder.history(notice) if history else None
                    chat = Chat.start(holder.backend, config, context, store, title=question)
                    holder.chat = chat
                else:
                    chat.session.config = config
                    chat.add_documents(context.documents)
                asked = chat.ask(question, ends.push, state.cancel)
            except BaseException as exc:
                ends.fail(exc)
                raise
            if asked.problem:
                notice(f"This question was not fully kept in the history: {asked.problem}")
            return asked

        def done(asked: Asked) -> None:
            self._layers(asked.result.sandbox_layers)
            if on_asked is not None:
                on_asked(asked)

        return self._tasks.submit(job, "run", lane=LANE, partial=events.push, on_done=done)

    def resume(
        self,
        conversation_id: int,
        config: EngineConfig,
        on_done: Callable[[Resumption], object],
        on_failed: Callable[[BaseException], object],
        on_progress: Callable[[Any], object],
        ocr: bool = True,
    ) -> Task:
        """Continue a recorded conversation (`Chat.resume`, as `ask --continue`): its
        documents read again from their files on the engine thread (`on_progress` gets the
        reading's progress), its plain variables made again; the next question is a follow-up
        in it. Fails when no model is loaded or the history cannot be opened."""
        holder = self._holder
        notice = self._notice

        def job(state: TaskState) -> Resumption:
            from rlm_desktop.documents.ingest import context_from_records
            from rlm_desktop.ui.document_loader import read_files

            if holder.backend is None:
                raise BackendError("No model is loaded: choose a model first.")
            store = holder.history(notice)
            if store is None:
                raise BackendError("The history cannot be opened, so it cannot be continued.")
            found = Resumption()

            def load(paths: list[str]) -> tuple[Context, list[str]]:
                found.records, found.sizes = read_files(paths, state, ocr)
                bad = [f"{r.path} cannot be read: {r.error}" for r in found.records if not r.ok]
                return context_from_records(found.records), bad

            resumed = Chat.resume(store, conversation_id, holder.backend, config, load)
            holder.drop_chat()
            holder.chat = resumed.chat
            found.warnings = resumed.warnings
            return found

        return self._tasks.submit(
            job,
            "continue conversation",
            lane=LANE,
            on_done=on_done,
            on_failed=on_failed,
            on_progress=on_progress,
        )

    def set_history(self, on: bool) -> Task:
        """Record the conversation going on from its next question (`on`), or stop."""
        holder, notice = self._holder, self._notice

        def job(state: TaskState) -> None:
            if holder.chat is not None:
                holder.chat.store = holder.history(notice) if on else None

        return self._tasks.submit(job, "history on or off", lane=LANE)

    def new_conversation(self) -> Task:
        """End the conversation: the next question starts a new one, in a new REPL."""
        holder = self._holder

        def job(state: TaskState) -> None:
            holder.drop_chat()

        return self._tasks.submit(job, "new conversation", lane=LANE)

    def close(self) -> None:
        """After the engine thread has stopped (`TaskManager.shutdown`): end the
        conversation's REPL and close the history store."""
        self._holder.drop_chat()
        if self._holder.store is not None:
            self._holder.store.close()
            self._holder.store = None

    def _notice(self, line: str) -> None:
        """From the engine thread: say `line` in the window."""
        self._tasks.run_on_main(lambda: self.history_problem.emit(line))

    def _layers(self, layers: list[str]) -> None:
        if layers:
            self.sandbox_layers.emit(list(layers))


class _Ending:
    """Passes a run's events on and makes sure the last one is a root `RunFinished`."""

    def __init__(self, sink: Callable[[Event], None]) -> None:
        self._sink = sink
        self.root_id = "run"
        self.ended = False

    def push(self, event: Event) -> None:
        if isinstance(event, RunStarted) and event.parent_id is None:
            self.root_id = event.node_id
        elif isinstance(event, RunFinished) and event.parent_id is None:
            self.ended = True
        self._sink(event)

    def fail(self, exc: BaseException) -> None:
        """The job failed before the engine ended the run (or before it started)."""
        if self.ended:
            return
        if isinstance(exc, BackendError):
            message = str(exc)
        else:
            message = f"Internal error: {type(exc).__name__}: {exc}"
        self.push(RunFailed(self.root_id, None, error=message))
        self.push(RunFinished(self.root_id, None, status="error", answer=""))
