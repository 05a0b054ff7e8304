"""End to end: `rlm-desktop ask` runs a real RLM on the real demo model through llama.cpp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model


def test_ask_runs_a_real_rlm_with_the_demo_model(tmp_path: Path, demo_model: Path) -> None:
    doc = tmp_path / "small.txt"
    doc.write_text(
        "Meeting notes, 3 May.\nThe access code for the archive is 7731.\n"
        "Next meeting: 10 May, room 4.\n"
    )
    # A broken GPU driver: the probe's failure must reach `backend.notes`, not vanish.
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.parent.mkdir()
    smi.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
    smi.chmod(0o755)
    env = {**os.environ, "PATH": f"{smi.parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rlm_desktop",
            "ask",
            "What is the access code?",
            "--doc",
            str(doc),
            "--model",
            str(demo_model),
            "--json",
            "--max-iterations",
            "3",
            "--n-ctx",
            "4096",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] in ("ok", "budget"), result.get("error")
    assert 1 <= result["iterations"] <= 4
    assert any(n.startswith("nvidia-smi gave no GPU memory") for n in result["backend"]["notes"])
    backend = result["backend"]
    assert backend["name"] == "llama.cpp" and backend["model"] == demo_model.name
    assert (backend["device"], backend["gpu_layers"]) == ("cpu", 0)
    assert backend["context_window"] == 4096  # the user's --n-ctx (8192 when not given)
    assert result["completion_tokens"] > 0
    if result["iterations"] > 1:  # later turns reuse the cached conversation
        assert result["prompt_evaluated"] < result["prompt_tokens"] * 0.8
