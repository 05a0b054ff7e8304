"""The history database: incremental writes, migrations, files moved aside, FTS search."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from store_helpers import DOCS, look

from rlm_desktop.engine.events import CellFinished, Event, IterationFinished
from rlm_desktop.llm.replay import ReplayBackend
from rlm_desktop.store.chat import Chat
from rlm_desktop.store.db import open_database
from rlm_desktop.store.history import HistoryStore
from rlm_desktop.store.schema import CURRENT_VERSION, SCHEMA_V1, _statements


def test_the_run_is_written_while_it_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    backend = ReplayBackend([look("x = 6 * 7\nprint(x)"), look("print(x + 1)"), "FINAL(42)"])
    seen: list[tuple[str, str]] = []
    reader = sqlite3.connect(path, check_same_thread=False)

    def on_event(event: Event) -> None:
        # each finished cell and turn reaches the database while the run is still going
        if isinstance(event, (CellFinished, IterationFinished)):
            deadline = time.monotonic() + 5
            row = None
            while row is None or row[0] != "done":
                assert time.monotonic() < deadline, f"{event.node_id} never written"
                time.sleep(0.005)
                row = reader.execute(
                    "SELECT status, output FROM nodes WHERE node_id = ?", (event.node_id,)
                ).fetchone()
            seen.append((row[0], row[1]))

    with HistoryStore.open(path) as store:
        chat = Chat.start(backend, None, DOCS, store, "incremental")
        asked = chat.ask("What is the magic number?", on_event)
        chat.close()
        assert [s[0] for s in seen] == ["done"] * 5  # 2 cells, 3 turns
        assert seen[0][1].strip() == "42" and seen[2][1].strip() == "43"
        stored = store.load_tree(asked.run_id)
        assert stored.to_dict() == asked.result.tree.to_dict()
        run = store.run(asked.run_id)
        assert run is not None and (run.status, run.answer, run.iterations) == ("ok", "42", 3)
    reader.close()


def _version_1_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    for statement in _statements(SCHEMA_V1):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO conversations VALUES (1, 'old', 1.0, 1.0)")
    conn.execute(
        "INSERT INTO runs (id, conversation_id, question, answer, status, started) "
        "VALUES (1, 1, 'Where is the heron?', 'In the marsh.', 'ok', 1.0)"
    )
    conn.execute(
        "INSERT INTO nodes (run_id, node_id, parent_id, seq, kind, code) "
        "VALUES (1, 'n1', NULL, 0, 'run', ''), (1, 'n3', 'n1', 1, 'cell', 'flamingo = 3')"
    )
    conn.commit()
    conn.close()


def test_a_version_1_database_is_migrated_with_its_runs_searchable(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    _version_1_database(path)
    with HistoryStore.open(path) as store:
        assert store.notice is None
        version = store.conn.execute("PRAGMA user_version").fetchone()[0]
        assert version == CURRENT_VERSION == 3
        assert [h.field for h in store.search("heron")] == ["question"]
        assert [h.node_id for h in store.search("flamingo")] == ["n3"]
        assert store.conversations()[0].answer == "In the marsh."


def test_a_damaged_database_is_moved_aside_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not a database " * 200)
    opened = open_database(path)
    opened.conn.close()
    assert opened.notice is not None and "\n" not in opened.notice
    assert "damaged" in opened.notice
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("h.sqlite3.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")
    assert kept[0].name in opened.notice
    with HistoryStore.open(path) as store:  # a fresh, working one
        assert store.notice is None and store.conversations() == []


def test_a_database_from_a_newer_app_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    opened = open_database(path)
    opened.conn.close()
    assert opened.notice is not None and "newer version" in opened.notice
    assert [p.name for p in tmp_path.glob("h.sqlite3.newer-*")]


def test_search_finds_a_word_that_is_only_in_a_cell_s_code(tmp_path: Path) -> None:
    backend = ReplayBackend([look("pelican_count = 3\nprint(pelican_count)"), "FINAL(three)"])
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        chat = Chat.start(backend, None, DOCS, store)
        asked = chat.ask("How many birds?")
        chat.close()
        hits = store.search("pelican_count")
        assert [(h.run_id, h.field) for h in hits] == [(asked.run_id, "code")]
        assert "[pelican_count]" in hits[0].snippet and hits[0].node_id
        assert store.search("albatross") == []
        # every word somewhere in the run: one in the question, one in the code
        assert [h.run_id for h in store.search("birds pelican_count")] == [asked.run_id]
        assert store.search("birds albatross") == []
        assert store.delete_conversation(asked.conversation_id)
        assert store.search("pelican_count") == [] and store.conversations() == []
