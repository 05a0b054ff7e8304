"""`rlm-desktop history list|show|search|export|delete` on runs recorded by `ask`."""

from __future__ import annotations

import json
from pathlib import Path

from store_helpers import cli, look, replay_file

from rlm_desktop.store.history import HistoryStore


def test_history_verbs_on_recorded_runs(tmp_path: Path, _app_home: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text("The magic number is 42.\n", encoding="utf-8")
    replay = replay_file(tmp_path, [look("kingfisher = 42\nprint(context)"), "FINAL(42)"])
    out = cli("ask", "Magic?", "--doc", str(doc), "--backend", f"replay:{replay}", "--json")
    assert out.returncode == 0, out.stderr
    asked = json.loads(out.stdout)
    listed = json.loads(cli("history", "list", "--json").stdout)
    assert [(c["id"], c["question"], c["answer"]) for c in listed] == [
        (asked["conversation"], "Magic?", "42")
    ]
    hits = json.loads(cli("history", "search", "kingfisher", "--json").stdout)
    assert [(h["run_id"], h["field"]) for h in hits] == [(asked["run"], "code")]
    shown = json.loads(cli("history", "show", str(asked["run"]), "--run", "--json").stdout)
    assert shown["tree"] == asked["tree"] and shown["status"] == "ok"
    assert {"name": "kingfisher", "type": "int", "value": "42"} in shown["variables"]
    page = tmp_path / "out.html"
    out = cli(
        "history", "export", str(asked["conversation"]), "--format", "html", "--out", str(page)
    )
    assert out.returncode == 0 and "kingfisher" in page.read_text()
    md = cli("history", "export", str(asked["run"]), "--run", "--format", "md").stdout
    assert md.startswith(f"# Run {asked['run']}: Magic?")
    assert cli("history", "show", "999").returncode == 1
    doc.write_text("The magic number is 43.\n", encoding="utf-8")
    with HistoryStore.open() as store:
        assert [why for _, why in store.changed_documents(asked["conversation"])] == ["changed"]
    assert cli("history", "delete", str(asked["conversation"])).returncode == 0
    assert json.loads(cli("history", "list", "--json").stdout) == []
    assert json.loads(cli("history", "search", "kingfisher", "--json").stdout) == []
