"""The history keeps a run's sources: the spans each cell saw and the answer's citations."""

from __future__ import annotations

from pathlib import Path

from store_helpers import DOCS, look

from rlm_desktop.llm.replay import ReplayBackend
from rlm_desktop.store.chat import Chat
from rlm_desktop.store.history import HistoryStore


def test_a_recorded_run_keeps_its_citations_and_the_spans_its_cells_saw(tmp_path: Path) -> None:
    backend = ReplayBackend([look("print(grep('magic number'))"), "FINAL(The magic number is 42)"])
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        chat = Chat.start(backend, None, DOCS, store, "magic")
        asked = chat.ask("What is the magic number?")
        chat.close()
        assert asked.run_id is not None and asked.problem is None
        record = store.run(asked.run_id)
        assert record is not None and record.answer_verified and record.answer_note is None
        assert record.citations == [c.to_json() for c in asked.result.citations]
        assert record.citations[0]["quote"] == "The magic number is 42."
        tree = store.load_tree(asked.run_id)
        cell = next(n for n in tree.walk() if n.kind == "cell")
        start = DOCS.documents[0].text.index("The magic")
        assert cell.sources[0]["document"] == "a.txt" and cell.sources[0]["start"] == start
