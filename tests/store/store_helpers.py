"""Shared pieces of the history tests: replay responses, a recorded conversation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rlm_desktop.documents.model import Context, Document

REPO = Path(__file__).resolve().parents[2]
DOCS = Context(
    [
        Document(name="a.txt", text="Intro line.\nThe magic number is 42.\nEnd of a."),
        Document(name="b.txt", text="Project Cormorant's archive key is K-7731.\nOther text."),
    ]
)


def look(code: str) -> str:
    return f"Let me look.\n```repl\n{code}\n```"


def replay_file(tmp: Path, responses: list[str], name: str = "replay.json") -> Path:
    path = tmp / name
    path.write_text(json.dumps({"responses": responses}), encoding="utf-8")
    return path


def cli(*args: str, cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "rlm_desktop", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout)
