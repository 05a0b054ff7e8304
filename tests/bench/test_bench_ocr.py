"""`rlm-desktop bench ocr --json` end to end on a small budget: one JSON object with the
figures; the clean pages within the accuracy goal (it does not depend on the machine's speed)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rlm_desktop.bench.scanpages import find_font

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    shutil.which("tesseract") is None or find_font() is None,
    reason="needs Tesseract and a TrueType font (scripts/system_deps.sh --test)",
)
def test_bench_ocr_prints_accuracy_speed_and_memory() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "rlm_desktop",
            "bench",
            "ocr",
            "--json",
            *("--pages", "1", "--lines", "6"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=280,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["engine"].startswith("tesseract ")
    assert result["pages"] == 2 and result["lines_per_page"] == 6 and result["dpi"] == 200
    # one small degraded page: a single misread word is a few percent, so only a sanity bound
    # here; the 5% goal is measured over the default budget (6 pages of 40 lines)
    assert result["cer_clean"] <= 0.02 and result["cer_degraded"] <= 0.15
    assert result["pages_per_s"] > 0 and result["cpu_s_per_page"] > 0
    assert 0 < result["peak_memory_mb"] < 2000
    assert result["reopen_same_text"] is True
    assert isinstance(result["goals_met"], bool)
