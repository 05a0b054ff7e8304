"""`Chat`: a conversation as the window and `ask` use it: the engine's `ConversationSession`
(one REPL kept between questions) with every question recorded in the history, unless the
history is off (`store` None: nothing is written).

    chat = Chat.start(backend, config, context, store)        # a new conversation
    chat = Chat.resume(store, conversation_id, backend, config, load)   # `ask --continue`
    asked = chat.ask(question, on_event, cancel)               # asked.run_id, asked.result
    chat.add_documents(documents)                              # joins for the next question
    chat.close()

Everything runs on the caller's thread (the engine's); the recorder writes from its own.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.engine import RunResult
from rlm_desktop.engine.events import Event
from rlm_desktop.engine.session import ConversationSession, EarlierTurn
from rlm_desktop.llm.base import Backend
from rlm_desktop.store.history import HistoryStore
from rlm_desktop.store.records import DocumentRecord, describe_file

log = logging.getLogger(__name__)
LoadDocuments = Callable[[list[str]], tuple[Context, list[str]]]


@dataclass
class Asked:
    result: RunResult
    conversation_id: int | None  # None when the history is off
    run_id: int | None
    problem: str | None = None  # why the run was not (fully) recorded


@dataclass
class Resumed:
    chat: Chat
    warnings: list[str] = field(default_factory=list)  # documents changed or gone


class Chat:
    def __init__(
        self,
        session: ConversationSession,
        store: HistoryStore | None,
        conversation_id: int | None,
    ) -> None:
        self.session = session
        self.store = store
        self.conversation_id = conversation_id
        self._pending: list[Document] = []  # added documents, recorded with the next run

    @classmethod
    def start(
        cls,
        backend: Backend,
        config: EngineConfig | None,
        context: Context,
        store: HistoryStore | None = None,
        title: str = "",
    ) -> Chat:
        chat = cls(ConversationSession(backend, config, context), store, None)
        if store is not None:
            chat.conversation_id = store.new_conversation(title)
            store.add_documents(chat.conversation_id, _records(context.documents, None))
        return chat

    @classmethod
    def resume(
        cls,
        store: HistoryStore,
        conversation_id: int,
        backend: Backend,
        config: EngineConfig | None,
        load: LoadDocuments,
    ) -> Resumed:
        """A conversation recorded earlier, in a new REPL: its documents read again from
        their files (warnings for changed or missing ones), the last question's plain-value
        variables made again, the prompt told about earlier questions. KeyError if unknown."""
        record = store.conversation(conversation_id)
        if record is None:
            raise KeyError(conversation_id)
        warnings = []
        for doc in record.documents:
            why = doc.changed()
            if why == "gone":
                warnings.append(f"{doc.name} is gone from {doc.path}")
            elif why == "changed":
                warnings.append(f"{doc.name} changed since this conversation read it")
            elif not doc.path:
                warnings.append(f"{doc.name} was not read from a file: it cannot be read again")
        paths = list(dict.fromkeys(d.path for d in record.documents if d.path))
        context, problems = load(paths) if paths else (Context(), [])
        warnings += problems
        turns = [EarlierTurn(r.question, r.answer, r.status) for r in record.runs]
        variables = []  # as the latest run that left any had them (an interrupted one did not)
        previous: set[str] = set()
        for turn, run in zip(turns, record.runs, strict=True):
            saved = store.variables(run.id)
            names = {v.name for v in saved}
            turn.made = sorted(names - previous)
            if saved:
                variables, previous = saved, names
        session = ConversationSession(backend, config, context, turns, variables)
        return Resumed(cls(session, store, conversation_id), warnings)

    # --- questions -----------------------------------------------------------------------
    def ask(
        self,
        question: str,
        on_event: Callable[[Event], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> Asked:
        store, conv = self.store, self.conversation_id
        if store is None or conv is None:
            return Asked(self.session.ask(question, on_event, cancel), None, None)
        info = self.session.backend.info
        settings = self.session.config.to_json()
        try:
            run_id = store.begin_run(conv, question, info.name, info.model, settings)
            if self._pending:
                store.add_documents(conv, _records(self._pending, run_id))
                self._pending = []
            recorder = store.recorder(run_id)
        except sqlite3.Error as exc:  # a full disk or a locked file: answer, unrecorded
            log.warning("history: not recording this question (%s)", exc)
            result = self.session.ask(question, on_event, cancel)
            return Asked(result, conv, None, f"{type(exc).__name__}: {exc}")

        def sink(event: Event) -> None:
            recorder(event)  # first: whatever the caller saw is already in the database
            if on_event is not None:
                on_event(event)

        try:
            result = self.session.ask(question, sink, cancel)
        finally:
            recorder.close()
        problem = recorder.failed
        try:
            store.save_variables(run_id, self.session.variables)
        except sqlite3.Error as exc:
            problem = problem or f"{type(exc).__name__}: {exc}"
        return Asked(result, conv, run_id, problem)

    def add_documents(self, documents: Iterable[Document]) -> list[str]:
        """Add documents for the next question; the names added."""
        docs = list(documents)
        added = self.session.add_documents(docs)
        self._pending += [d for d in docs if d.name in added]
        return added

    def close(self) -> None:
        self.session.close()


def _records(documents: Iterable[Document], run_id: int | None) -> list[DocumentRecord]:
    return [describe_file(d.name, d.path, d.kind, len(d.text), run_id=run_id) for d in documents]
