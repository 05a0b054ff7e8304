"""`RunRecorder`: writes one run to the history database as its events arrive, on the engine
thread, one small transaction per event.

Each event updates the node it touches (rebuilt with the engine's own `RunTree`), so a kill
at any moment leaves every node as it was at its last event, and the run `running` until the
next open marks it `interrupted`. Streamed tokens are not written: each turn's whole text
comes with its `IterationFinished`. A database error never stops a run: the recorder says so
once and stops writing.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time

from rlm_desktop.engine import events as ev
from rlm_desktop.engine.tree import RunTree, TreeNode

log = logging.getLogger(__name__)

_UPSERT = """
INSERT INTO nodes (run_id, node_id, parent_id, seq, kind, label, depth, status, subcall_kind,
    text, code, output, error, answer, note, prompt_tokens, completion_tokens, seconds, started)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run_id, node_id) DO UPDATE SET
    label = excluded.label, status = excluded.status, text = excluded.text,
    output = excluded.output, error = excluded.error, answer = excluded.answer,
    note = excluded.note, prompt_tokens = excluded.prompt_tokens,
    completion_tokens = excluded.completion_tokens, seconds = excluded.seconds
"""
_SEARCH = "INSERT INTO search (body, run_id, node_id, field) VALUES (?, ?, ?, ?)"


class RunRecorder:
    """An event sink: `recorder(event)` for every event of one run."""

    def __init__(self, conn: sqlite3.Connection, run_id: int) -> None:
        self.conn = conn
        self.run_id = run_id
        self.tree = RunTree()
        self.failed: str | None = None
        self._seq: dict[str, int] = {}

    def __call__(self, event: ev.Event) -> None:
        if self.failed is not None or isinstance(event, ev.TokenStreamed):
            return
        node = self.tree.apply(event)
        try:
            self.conn.execute("BEGIN")
            if node is not None:
                self._write_node(node)
            self._extra(event)
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self.failed = f"{type(exc).__name__}: {exc}"
            log.warning("history: run %s is no longer recorded (%s)", self.run_id, self.failed)
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def _write_node(self, n: TreeNode) -> None:
        seq = self._seq.setdefault(n.id, len(self._seq))
        self.conn.execute(
            _UPSERT,
            (
                self.run_id,
                n.id,
                n.parent_id,
                seq,
                n.kind,
                n.label,
                n.depth,
                n.status,
                n.subcall_kind,
                n.text,
                n.code,
                n.output,
                n.error,
                n.answer,
                n.note,
                n.prompt_tokens,
                n.completion_tokens,
                n.seconds,
                n.started,
            ),
        )

    def _extra(self, event: ev.Event) -> None:
        """What an event changes besides its node: search rows, the run's row, bulk closes."""
        if isinstance(event, ev.CellStarted) and event.code.strip():
            self.conn.execute(_SEARCH, (event.code, self.run_id, event.node_id, "code"))
        elif isinstance(event, (ev.RunFailed, ev.RunCancelled)) and event.parent_id is None:
            status = "error" if isinstance(event, ev.RunFailed) else "cancelled"
            self.conn.execute(
                "UPDATE nodes SET status = ? WHERE run_id = ? AND status = 'running'",
                (status, self.run_id),
            )
            if isinstance(event, ev.RunFailed):
                self.conn.execute(
                    "UPDATE runs SET error = ? WHERE id = ?", (event.error, self.run_id)
                )
        elif isinstance(event, ev.RunFinished) and event.parent_id is None:
            self.conn.execute(
                "UPDATE runs SET status = ?, answer = ?, finished = ?, seconds = ?, "
                "iterations = ?, subcalls = ?, prompt_tokens = ?, completion_tokens = ? "
                "WHERE id = ?",
                (
                    event.status,
                    event.answer,
                    time.time(),
                    event.seconds,
                    event.iterations,
                    event.subcalls,
                    event.prompt_tokens,
                    event.completion_tokens,
                    self.run_id,
                ),
            )
            if event.answer.strip():
                self.conn.execute(_SEARCH, (event.answer, self.run_id, "", "answer"))
