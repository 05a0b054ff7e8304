"""A sample of the escape corpus end to end: `rlm-desktop ask --backend replay:... --json`.

The recorded model first sends the attack as a cell, then a harmless cell, then its answer:
the run must finish ("ok"), report its sandbox layers, show the follow-up cell's output, and
leave no effect behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sandbox.arena import Arena
from tests.sandbox.corpus import CORPUS, Case

REPO = Path(__file__).resolve().parents[2]
SAMPLE = [
    "open-read-secret",
    "os-system",
    "doc-write",
    "doc-unlink",
    "socket",
    "kill-victim",
    "wrap-close",
    "func-globals",
    "fork-loop",
    "busy-loop",
]


def _ask(arena: Arena, case: Case, tmp_path: Path) -> dict:
    responses = [
        f"Let me look.\n```repl\n{arena.fill(case.code, case.name)}\n```",
        "```repl\nprint(6 * 7)\n```",
        "FINAL(done)",
    ]
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"responses": responses}))
    command = [sys.executable, "-m", "rlm_desktop", "ask", "What does the report say?"]
    command += ["--doc", str(arena.document), "--backend", f"replay:{replay}"]
    command += ["--json", "--cell-timeout", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _outputs(node: dict) -> list[str]:
    found = [str(node.get(key, "")) for key in ("output", "text", "result", "error")]
    for child in node.get("children", []):
        found += _outputs(child)
    return found


@pytest.mark.parametrize("name", SAMPLE)
def test_corpus_case_through_the_cli(arena: Arena, tmp_path: Path, name: str) -> None:
    case = next(c for c in CORPUS if c.name == name)
    before = arena.snapshot()
    result = _ask(arena, case, tmp_path)
    assert result["status"] == "ok" and result["answer"] == "done", result.get("error")
    assert result["sandbox_layers"][:3] == ["process", "rlimits", "audit-hook"]
    text = "\n".join(_outputs(result["tree"]))
    assert "42" in text, "the follow-up cell did not run"
    for token in (arena.secret_token, arena.env_token, arena.listing_token, "ESCAPED"):
        assert token not in text
    assert not arena.canary(case.name).exists()
    assert arena.snapshot() == before
    assert arena.victim.poll() is None
    assert arena.listener.accepted == 0


def test_documents_carry_no_host_paths_into_the_repl(tmp_path: Path) -> None:
    """`documents[i].path` in the REPL is the file name, or the path inside the dropped folder;
    the folder the user keeps them in (which names the user) never reaches model code."""
    home = tmp_path / "home-of-someone"
    (home / "drop" / "sub").mkdir(parents=True)
    (home / "drop" / "sub" / "notes.txt").write_text("Notes: the budget is 12.\n")
    (home / "report.txt").write_text("Quarterly report.\n")
    cell = "print(sorted(d.path for d in documents), sorted(d.name for d in documents))"
    responses = [f"```repl\n{cell}\n```", "FINAL(done)"]
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"responses": responses}))
    command = [sys.executable, "-m", "rlm_desktop", "ask", "What is the budget?", "--json"]
    command += ["--doc", str(home / "drop"), "--doc", str(home / "report.txt")]
    command += ["--backend", f"replay:{replay}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    text = "\n".join(_outputs(json.loads(done.stdout)["tree"]))
    expected = ["drop/sub/notes.txt", "report.txt"]
    assert f"{expected} {expected}" in text, text[-2000:]
    assert "home-of-someone" not in text and str(tmp_path) not in text
