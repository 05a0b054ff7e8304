"""Full-text search over questions, answers and code (SQLite FTS5), newest runs first.

The `search` table's rowid carries the run: `run_id << SLOT_BITS | slot` (slot 0 the
question, 1 the answer, 2… the cells' code in order), so finding the runs that hold a word
reads the index alone, never the text, and a run's rows are one rowid range (deleted or read
in one go). A run matches when every word appears somewhere in it (question, answer or code).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from rlm_desktop.store.records import SearchHit, preview

SLOT_BITS = 16
MAX_SLOT = (1 << SLOT_BITS) - 1
QUESTION_SLOT, ANSWER_SLOT, FIRST_CODE_SLOT = 0, 1, 2
SNIPPET_CHARS = 160


def search_rowid(run_id: int, slot: int) -> int:
    return (run_id << SLOT_BITS) | slot


def run_rows(run_id: int) -> tuple[int, int]:
    """The first and last rowid a run's search rows may have."""
    return run_id << SLOT_BITS, (run_id << SLOT_BITS) | MAX_SLOT


def words_of(text: str) -> list[str]:
    return [w for w in (t.strip('"') for t in text.split()) if w]


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def search_runs(conn: sqlite3.Connection, text: str, limit: int = 50) -> list[SearchHit]:
    words = words_of(text)
    if not words:
        return []
    selects = " INTERSECT ".join(
        [f"SELECT rowid >> {SLOT_BITS} FROM search WHERE search MATCH ?"] * len(words)
    )
    sql = f"SELECT * FROM ({selects}) ORDER BY 1 DESC LIMIT ?"
    try:
        run_ids = [r[0] for r in conn.execute(sql, [*map(_phrase, words), limit])]
    except sqlite3.OperationalError:  # a word FTS5 cannot take even quoted
        return []
    hits = []
    for run_id in run_ids:
        run = conn.execute(
            "SELECT question, conversation_id FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        if run is None:
            continue
        field, node_id, snippet = _best_row(conn, run_id, words)
        hits.append(SearchHit(run_id, run[1], preview(run[0]), field, snippet, node_id))
    return hits


def _best_row(conn: sqlite3.Connection, run_id: int, words: list[str]) -> tuple[str, str, str]:
    """The first of the run's rows (question, answer, code…) that holds one of the words."""
    low, high = run_rows(run_id)
    rows = conn.execute(
        "SELECT body, node_id, field FROM search WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
        (low, high),
    ).fetchall()
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(_fold(w)) for w in words) + r")", re.IGNORECASE
    )
    for body, node_id, field in rows:
        m = pattern.search(_fold(body))
        if m is not None:
            return field, node_id, _snippet(body, m.start(), m.end())
    body, node_id, field = rows[0] if rows else ("", "", "question")
    return field, node_id, preview(body, SNIPPET_CHARS)


def _fold(text: str) -> str:
    """Accents removed, as FTS5's unicode61 tokenizer does (the length kept)."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base if base.isalnum() or not ch.isalnum() else ch)
    return "".join(out)


def _snippet(body: str, start: int, end: int) -> str:
    half = (SNIPPET_CHARS - (end - start)) // 2
    left, right = max(0, start - half), min(len(body), end + half)
    text = body[left:start] + "[" + body[start:end] + "]" + body[end:right]
    text = " ".join(text.split())
    return ("…" if left else "") + text + ("…" if right < len(body) else "")
