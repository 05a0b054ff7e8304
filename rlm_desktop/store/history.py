"""`HistoryStore`: the conversations and runs kept in the history database (no Qt).

Open one with `HistoryStore.open()` (the app's data folder; `notice` says when an old file had
to be moved aside). Writing a run: `new_conversation`, `add_documents`, `begin_run`, then the
`recorder(run_id)` as the engine's event sink. Reading: `conversations`, `conversation`, `run`,
`load_tree` (the run's tree as a `RunTree`), `search` (FTS5 over questions, answers and code),
`variables`; `delete_conversation` and `delete_all`. Each thread uses its own store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rlm_desktop.engine.session import Variable
from rlm_desktop.engine.tree import RunTree, TreeNode
from rlm_desktop.store.db import connect, open_database
from rlm_desktop.store.recorder import RunRecorder
from rlm_desktop.store.records import (
    ConversationRecord,
    ConversationSummary,
    DocumentRecord,
    RunRecord,
    SearchHit,
    json_list,
    preview,
)
from rlm_desktop.store.search import QUESTION_SLOT, run_rows, search_rowid, search_runs

_NODE_COLUMNS = (
    "node_id, parent_id, kind, label, depth, status, subcall_kind, text, code, output, error, "
    "answer, note, prompt_tokens, completion_tokens, seconds, started, sources"
)


class HistoryStore:
    def __init__(self, conn: sqlite3.Connection, path: Path, notice: str | None = None) -> None:
        self.conn = conn
        self.path = path
        self.notice = notice

    @classmethod
    def open(cls, path: Path | None = None) -> HistoryStore:
        opened = open_database(path)
        return cls(opened.conn, opened.path, opened.notice)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ---------------------------------------------------------------------------
    def new_conversation(self, title: str = "") -> int:
        now = time.time()
        cur = self.conn.execute(
            "INSERT INTO conversations (title, created, updated) VALUES (?, ?, ?)",
            (preview(title, 120), now, now),
        )
        return int(cur.lastrowid or 0)

    def add_documents(self, conversation_id: int, documents: Iterable[DocumentRecord]) -> None:
        rows = [_document_row(conversation_id, d) for d in documents]
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "INSERT INTO documents (conversation_id, run_id, name, path, kind, size, mtime, "
            "sha256, chars, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.execute("COMMIT")

    def begin_run(
        self,
        conversation_id: int,
        question: str,
        backend: str = "",
        model: str = "",
        settings: dict[str, Any] | None = None,
    ) -> int:
        """A new run, `running`, last in its conversation; its id."""
        now = time.time()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            (position,) = self.conn.execute(
                "SELECT count(*) FROM runs WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            cur = self.conn.execute(
                "INSERT INTO runs (conversation_id, position, question, backend, model, "
                "settings, started, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    position,
                    question,
                    backend,
                    model,
                    json.dumps(settings or {}),
                    now,
                    os.getpid(),
                ),
            )
            run_id = int(cur.lastrowid or 0)
            self.conn.execute(
                "INSERT INTO search (rowid, body, node_id, field) VALUES (?, ?, '', 'question')",
                (search_rowid(run_id, QUESTION_SLOT), question),
            )
            self.conn.execute(
                "UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id)
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return run_id

    def recorder(self, run_id: int) -> RunRecorder:
        """The event sink that records run `run_id`, on its own connection (the engine's
        thread)."""
        return RunRecorder(connect(self.path), run_id)

    def save_variables(self, run_id: int, variables: Iterable[Variable]) -> None:
        self.conn.execute("BEGIN")
        self.conn.execute("DELETE FROM variables WHERE run_id = ?", (run_id,))
        self.conn.executemany(
            "INSERT OR REPLACE INTO variables (run_id, name, type, value) VALUES (?, ?, ?, ?)",
            [(run_id, v.name, v.type, v.value) for v in variables],
        )
        self.conn.execute("COMMIT")

    def delete_conversation(self, conversation_id: int) -> bool:
        self.conn.execute("BEGIN IMMEDIATE")
        runs = self.conn.execute(
            "SELECT id FROM runs WHERE conversation_id = ?", (conversation_id,)
        ).fetchall()
        for (run_id,) in runs:
            self.conn.execute("DELETE FROM search WHERE rowid BETWEEN ? AND ?", run_rows(run_id))
        cur = self.conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        self.conn.execute("COMMIT")
        return cur.rowcount > 0

    def delete_all(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("DELETE FROM search")
        self.conn.execute("DELETE FROM conversations")
        self.conn.execute("COMMIT")
        self.conn.execute("VACUUM")

    # --- reading ---------------------------------------------------------------------------
    def conversations(self, limit: int = 100, offset: int = 0) -> list[ConversationSummary]:
        """Newest first, with the first question and the last answer."""
        rows = self.conn.execute(
            "SELECT c.id, c.title, c.created, c.updated, "
            "(SELECT count(*) FROM runs r WHERE r.conversation_id = c.id) AS n, "
            "(SELECT question FROM runs r WHERE r.conversation_id = c.id "
            " ORDER BY position LIMIT 1) AS question, "
            "(SELECT answer FROM runs r WHERE r.conversation_id = c.id "
            " ORDER BY position DESC LIMIT 1) AS answer, "
            "(SELECT status FROM runs r WHERE r.conversation_id = c.id "
            " ORDER BY position DESC LIMIT 1) AS status "
            "FROM conversations c ORDER BY c.updated DESC, c.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [
            ConversationSummary(
                id=r["id"],
                title=r["title"],
                created=r["created"],
                updated=r["updated"],
                runs=r["n"],
                question=preview(r["question"] or ""),
                answer=preview(r["answer"] or ""),
                status=r["status"] or "",
            )
            for r in rows
        ]

    def conversation(self, conversation_id: int) -> ConversationRecord | None:
        row = self.conn.execute(
            "SELECT * FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return None
        runs = self.conn.execute(
            "SELECT * FROM runs WHERE conversation_id = ? ORDER BY position", (conversation_id,)
        ).fetchall()
        return ConversationRecord(
            id=row["id"],
            title=row["title"],
            created=row["created"],
            updated=row["updated"],
            runs=[RunRecord.from_row(r) for r in runs],
            documents=self.documents(conversation_id),
        )

    def documents(self, conversation_id: int) -> list[DocumentRecord]:
        rows = self.conn.execute(
            "SELECT * FROM documents WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
        return [DocumentRecord.from_row(r) for r in rows]

    def changed_documents(self, conversation_id: int) -> list[tuple[DocumentRecord, str]]:
        """The conversation's documents whose file changed (sha256) or is gone, with why:
        what "ask again" warns about first."""
        found = []
        for doc in self.documents(conversation_id):
            why = doc.changed()
            if why is not None:
                found.append((doc, why))
        return found

    def run(self, run_id: int) -> RunRecord | None:
        row = self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return RunRecord.from_row(row) if row else None

    def load_tree(self, run_id: int) -> RunTree:
        """The run's tree as it was recorded (an interrupted run: up to where it stopped)."""
        tree = RunTree()
        # sorted here: SQLite's ORDER BY would copy every row, texts and all, through a
        # temporary b-tree (a fifth of the time for a 5,000-node run)
        rows = self.conn.execute(
            f"SELECT seq, {_NODE_COLUMNS} FROM nodes WHERE run_id = ?", (run_id,)
        ).fetchall()
        rows.sort(key=lambda r: r[0])
        nodes = tree.nodes
        for _, *r in rows:
            node = TreeNode(
                r[0],
                r[1],
                r[2],
                r[3],
                depth=r[4],
                status=r[5],
                subcall_kind=r[6],
                text=r[7],
                code=r[8],
                output=r[9],
                error=r[10],
                answer=r[11],
                note=r[12],
                prompt_tokens=r[13],
                completion_tokens=r[14],
                seconds=r[15],
                started=r[16],
                sources=json_list(r[17]),
            )
            nodes[node.id] = node
            parent = nodes.get(node.parent_id) if node.parent_id else None
            if parent is not None:
                parent.children.append(node.id)
            elif tree.root_id is None:
                tree.root_id = node.id
        return tree

    def variables(self, run_id: int) -> list[Variable]:
        rows = self.conn.execute(
            "SELECT name, type, value FROM variables WHERE run_id = ? ORDER BY name", (run_id,)
        ).fetchall()
        return [Variable(r["name"], r["type"], r["value"]) for r in rows]

    def search(self, words: str, limit: int = 50) -> list[SearchHit]:
        """Runs whose question, answer or code hold all these words, newest first."""
        return search_runs(self.conn, words, limit)


def _document_row(conversation_id: int, d: DocumentRecord) -> tuple[Any, ...]:
    added = d.added or time.time()
    return (
        conversation_id,
        d.run_id,
        d.name,
        d.path,
        d.kind,
        d.size,
        d.mtime,
        d.sha256,
        d.chars,
        added,
    )
