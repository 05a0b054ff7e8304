"""The history database's schema, as numbered migrations from version 1.

`MIGRATIONS[n]` brings a database from version n to n + 1; `PRAGMA user_version` holds the
version. Version 1 is kept exactly as it first shipped, so a test can build one and watch it
migrate. Never edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

import sqlite3

# Version 1: conversations, runs, their documents (never the text) and the run tree, one row
# per node (a model turn's raw text, a cell's code/output/error, a sub-call's prompt/reply).
SCHEMA_V1 = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    question TEXT NOT NULL,
    backend TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL DEFAULT '{}',
    answer TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'running',
    error TEXT,
    started REAL NOT NULL,
    finished REAL,
    seconds REAL NOT NULL DEFAULT 0,
    iterations INTEGER NOT NULL DEFAULT 0,
    subcalls INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    pid INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_conversation ON runs(conversation_id, position);
CREATE INDEX runs_by_status ON runs(status);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    size INTEGER,
    mtime REAL,
    sha256 TEXT,
    chars INTEGER NOT NULL DEFAULT 0,
    added REAL NOT NULL
);
CREATE INDEX documents_by_conversation ON documents(conversation_id);
CREATE TABLE nodes (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    parent_id TEXT,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    depth INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'running',
    subcall_kind TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL DEFAULT '',
    output TEXT NOT NULL DEFAULT '',
    error TEXT,
    answer TEXT,
    note TEXT NOT NULL DEFAULT '',
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    seconds REAL NOT NULL DEFAULT 0,
    started REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, node_id)
) WITHOUT ROWID;
"""

# Version 2: full-text search over questions, answers and code (FTS5; the rowid is
# run_id << 16 | slot, see `search.py`), and the REPL variables each run left, for a follow-up
# in a later process (`ask --continue`).
SCHEMA_V2 = """
CREATE VIRTUAL TABLE search USING fts5(
    body, node_id UNINDEXED, field UNINDEXED, tokenize = 'unicode61'
);
INSERT INTO search(rowid, body, node_id, field)
    SELECT id << 16, question, '', 'question' FROM runs;
INSERT INTO search(rowid, body, node_id, field)
    SELECT (id << 16) + 1, answer, '', 'answer' FROM runs WHERE answer != '';
INSERT INTO search(rowid, body, node_id, field)
    SELECT (run_id << 16) + 1 + n, code, node_id, 'code' FROM (
        SELECT run_id, node_id, code, row_number() OVER (PARTITION BY run_id ORDER BY seq) AS n
        FROM nodes WHERE code != ''
    ) WHERE n < 65535;
CREATE TABLE variables (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT '',
    value TEXT,
    PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
"""

# Version 3: answers you can check. A node keeps the document spans it saw (JSON list of
# `SourceSpan`), a run its answer's citations (JSON list of `Citation`), whether a verified
# one supports the answer, and the warning for an answer found in no document.
SCHEMA_V3 = """
ALTER TABLE nodes ADD COLUMN sources TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN citations TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN answer_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN answer_note TEXT;
"""

MIGRATIONS: dict[int, str] = {0: SCHEMA_V1, 1: SCHEMA_V2, 2: SCHEMA_V3}
CURRENT_VERSION = max(MIGRATIONS) + 1


class NewerSchema(RuntimeError):
    """The database was written by a newer version of the app."""


def version_of(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to `CURRENT_VERSION`, one migration per transaction; the version
    it started at."""
    start = version_of(conn)
    if start > CURRENT_VERSION:
        raise NewerSchema(f"schema version {start}, this app knows up to {CURRENT_VERSION}")
    for version in range(start, CURRENT_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return start


def _statements(script: str) -> list[str]:
    """The script's statements, split where sqlite3 says a statement is complete."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    return out
