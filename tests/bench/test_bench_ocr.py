"""`rlm-desktop bench ocr --json` end to end on a small budget: one JSON object with the
figures, the accuracy ones within the goals (they do not depend on the machine's speed)."""

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
        [sys.executable, "-m", "rlm_desktop", "bench", "ocr", "--json", "--pages", "1", "--lines", "6"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=280,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["engine"].startswith("tesseract ")
    assert result["pages"] == 2 and result["lines_per_page"] == 6 and result["dpi"] == 200
    assert result["cer_clean"] <= 0.02 and result["cer_degraded"] <= 0.05
    assert result["pages_per_s"] > 0 and result["cpu_s_per_page"] > 0
    assert 0 < result["peak_memory_mb"] < 2000
    assert result["reopen_same_text"] is True
    assert isinstance(result["goals_met"], bool)
