"""`rlm-desktop bench accuracy --quick` end to end with the real demo model, on two families and
a 2,048-token window (the whole quick suite takes about 4 minutes here, most of it in the
direct method reading a full window): it writes its JSON, table and plot, and the small-model
protocol holds (every turn parses, runs reach FINAL)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.timeout(660)  # about 80 s on a quiet machine; more when the cores are shared
def test_quick_accuracy_suite(tmp_path: Path, demo_model: Path) -> None:
    out = subprocess.run(
        [
            *(sys.executable, "-m", "rlm_desktop", "bench", "accuracy", "--quick", "--json"),
            *("--model", str(demo_model), "--out", str(tmp_path)),
            *("--families", "needle,aggregate", "--n-ctx", "2048"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    assert data["settings"]["prompt"] == "small" and data["settings"]["grammar"] is True
    cells = {(r["family"], r["size"], r["method"]) for r in data["results"]}
    for method in ("rlm", "rlm_nosub", "direct"):
        assert ("needle", "128k", method) in cells and ("aggregate", "100 items", method) in cells
    assert {family for family, _, _ in cells} == {"needle", "aggregate"}
    protocol = data["protocol"]["rlm"]
    assert protocol["parse_rate"] == 1.0 and protocol["valid_code_rate"] == 1.0
    assert protocol["final_rate"] >= 0.5
    assert data["context_window"] == 2048
    assert (tmp_path / "accuracy.json").exists() and (tmp_path / "accuracy.md").exists()
    assert (tmp_path / "accuracy.png").stat().st_size > 10_000
    assert "| needle | 128k |" in data["table_markdown"]
