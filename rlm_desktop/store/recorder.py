"""`RunRecorder`: writes one run to the history database as its events arrive.

The engine thread only queues each event (a fraction of a microsecond: nothing is woken); a
writer thread in the same process drains the queue every `FLUSH_INTERVAL_S` and writes what it
found in one transaction, each event updating the node it touches (rebuilt with the engine's
own `RunTree`). The database is always consistent: a kill at any moment loses at most the
events of the last interval, never half of one, and leaves the run `running` until the next
open marks it `interrupted`. Streamed tokens are not written: each turn's whole text comes with its
`IterationFinished`. A database error never stops a run: the recorder notes it once and stops
writing. `close()` waits until everything queued is written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import sqlite3
import threading
import time

from rlm_desktop.engine import events as ev
from rlm_desktop.engine.tree import RunTree, TreeNode
from rlm_desktop.store.search import ANSWER_SLOT, FIRST_CODE_SLOT, MAX_SLOT, search_rowid

log = logging.getLogger(__name__)

_UPSERT = """
INSERT INTO nodes (run_id, node_id, parent_id, seq, kind, label, depth, status, subcall_kind,
    text, code, output, error, answer, note, prompt_tokens, completion_tokens, seconds, started,
    sources)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run_id, node_id) DO UPDATE SET
    label = excluded.label, status = excluded.status, text = excluded.text,
    output = excluded.output, error = excluded.error, answer = excluded.answer,
    note = excluded.note, prompt_tokens = excluded.prompt_tokens,
    completion_tokens = excluded.completion_tokens, seconds = excluded.seconds,
    sources = excluded.sources
"""
_SEARCH = "INSERT INTO search (rowid, body, node_id, field) VALUES (?, ?, ?, ?)"
FLUSH_INTERVAL_S = 0.02


class RunRecorder:
    """An event sink: `recorder(event)` for every event of one run, then `close()`."""

    def __init__(self, conn: sqlite3.Connection, run_id: int) -> None:
        self.conn = conn
        self.run_id = run_id
        self.tree = RunTree()
        self.failed: str | None = None
        self._seq: dict[str, int] = {}
        self._slot = FIRST_CODE_SLOT  # the next cell's row in the search table
        self._queue: queue.SimpleQueue[ev.Event] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._write_loop, name=f"history-run-{run_id}", daemon=True
        )
        self._thread.start()

    def __call__(self, event: ev.Event) -> None:
        if not isinstance(event, ev.TokenStreamed):
            self._queue.put(event)

    def close(self) -> None:
        """Write what is queued, then stop the writer and close its connection."""
        self._stop.set()
        self._thread.join()
        self.conn.close()

    # --- the writer thread -----------------------------------------------------------------
    def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            # Waiting on a timer, not on the queue: a queued event wakes nobody, so the
            # engine thread never pays for a thread switch.
            stopping = self._stop.wait(FLUSH_INTERVAL_S)
            batch: list[ev.Event] = []
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(self._queue.get_nowait())
            if batch and self.failed is None:
                self._write(batch)

    def _write(self, batch: list[ev.Event]) -> None:
        try:
            self.conn.execute("BEGIN")
            for event in batch:
                node = self.tree.apply(event)
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
                json.dumps(n.sources) if n.sources else "",
            ),
        )

    def _extra(self, event: ev.Event) -> None:
        """What an event changes besides its node: search rows, the run's row, bulk closes."""
        if isinstance(event, ev.CellStarted) and event.code.strip() and self._slot <= MAX_SLOT:
            rowid = search_rowid(self.run_id, self._slot)
            self.conn.execute(_SEARCH, (rowid, event.code, event.node_id, "code"))
            self._slot += 1
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
            self.conn.execute(
                "UPDATE runs SET citations = ?, answer_verified = ?, answer_note = ? WHERE id = ?",
                (
                    json.dumps(event.citations) if event.citations else "",
                    int(event.answer_verified),
                    event.answer_note,
                    self.run_id,
                ),
            )
            if event.answer.strip():
                rowid = search_rowid(self.run_id, ANSWER_SLOT)
                self.conn.execute(_SEARCH, (rowid, event.answer, "", "answer"))
