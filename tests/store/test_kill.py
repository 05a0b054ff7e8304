"""A run killed with SIGKILL mid-run leaves a whole database; the next open marks it
`interrupted`, with every node it had written."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from store_helpers import REPO, look, replay_file

from rlm_desktop.store.history import HistoryStore


def test_kill_9_mid_run_leaves_a_consistent_database(tmp_path: Path, _app_home: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text("The magic number is 42.\n", encoding="utf-8")
    spin = look("print('spinning')\nwhile True:\n    pass")
    responses = [look("answer = llm_query('What is 6 times 7?')\nprint(answer)"), "42", spin]
    replay = replay_file(tmp_path, [*responses, "FINAL(never)"])
    trace = tmp_path / "trace.jsonl"
    cmd = [sys.executable, "-m", "rlm_desktop", "ask", "Magic?", "--doc", str(doc)]
    cmd += ["--backend", f"replay:{replay}", "--trace", str(trace), "--cell-timeout", "120"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while "while True" not in (trace.read_text() if trace.exists() else ""):
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the spinning cell never started"
        time.sleep(0.05)
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    # every node the trace had seen (the recorder writes first) is in the database
    traced = [json.loads(line) for line in trace.read_text().splitlines() if line.strip()]
    node_ids = {e["node_id"] for e in traced}
    path = _app_home / "data" / "history.sqlite3"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with HistoryStore.open(path) as store:
        run = store.conversation(store.conversations()[0].id).runs[0]
        assert run.status == "interrupted"
        tree = store.load_tree(run.id)
        assert node_ids <= set(tree.nodes)
        kinds = sorted(tree.nodes[n].kind for n in node_ids)
        assert kinds == ["cell", "cell", "iteration", "iteration", "run", "subcall"]
        subcall = next(n for n in tree.nodes.values() if n.kind == "subcall")
        assert (subcall.status, subcall.answer) == ("done", "42")
        first_cell = tree.nodes[tree.nodes[tree.root_id].children[0]].children[0]
        assert tree.nodes[first_cell].output.strip() == "42"
        spinning = [n for n in tree.nodes.values() if "while True" in n.code]
        assert [n.status for n in spinning] == ["interrupted"]
        assert tree.root.status == "interrupted"
