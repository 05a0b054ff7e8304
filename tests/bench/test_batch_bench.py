"""`rlm-desktop bench batch --json` end to end with the real demo model on a tiny budget: the
issue's keys (`speedup` per N as a string, `identical_share`) and the phase figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.model
@pytest.mark.slow
def test_bench_batch_prints_the_speedup_per_n(demo_model: Path) -> None:
    tiny = ("--sizes", "1,3", "--rounds", "1", "--max-tokens", "4", "--chunk-tokens", "40")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "rlm_desktop",
            "bench",
            "batch",
            "--json",
            "--model",
            str(demo_model),
            "--n-ctx",
            "1024",
            *tiny,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=280,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    assert set(data["speedup"]) == {"1", "3"}
    assert all(isinstance(v, float) and v > 0 for v in data["speedup"].values())
    assert set(data["generation_speedup"]) == set(data["prompt_seconds_share"]) == {"1", "3"}
    assert 0.0 <= data["identical_share"] <= 1.0 and data["compared"] == 3
    assert len(data["differences"]) == round(3 * (1 - data["identical_share"]))
    # the lanes' memory is sized so that the three ran together, in one batch
    assert data["splits"] == {} and data["batch_ctx"] >= 3 * 256
    assert data["lanes"] == 16 and data["explanation"]
