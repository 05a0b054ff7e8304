"""`rlm-desktop bench backend --json` end to end with the real demo model, on a small budget:
one JSON object with the issue's keys, and the figures that do not depend on the machine's
speed (tokens evaluated, parse rates) where they must be."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.model
@pytest.mark.slow
def test_bench_backend_prints_the_ratios(demo_model: Path) -> None:
    small = ("--n-ctx", "4096", "--gen-tokens", "16", "--rounds", "1", "--root-chars", "600")
    out = subprocess.run(
        [
            *(sys.executable, "-m", "rlm_desktop", "bench", "backend", "--json"),
            *("--model", str(demo_model), *small, "--parse-tasks", "1"),
            *("--parse-max-tokens", "48", "--no-variants"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=280,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    for key in ("generation_ratio", "resume_eval_ratio", "subrlm_start_ratio"):
        assert isinstance(data[key], float) and data[key] > 0, key
    # The root resumes after a leaf call and a child RLM evaluating only its new message;
    # bare llama-cpp-python, one context for every call, evaluates the root again.
    assert data["resume_evaluated"] <= 64 < data["resume_prompt_tokens"]
    assert data["resume_eval_ratio"] == round(
        data["resume_evaluated"] / data["resume_prompt_tokens"], 4
    )
    assert data["bare_resume_evaluated"] >= data["resume_prompt_tokens"] - 8
    # The child RLM restores the root's evaluated system prompt instead of evaluating it.
    assert data["subrlm_evaluated_cached"] < data["subrlm_prompt_tokens"] / 4
    assert data["parse_turns"] == 3
    assert data["parse_rate_grammar"] == 1.0 and 0.0 <= data["parse_rate_free"] <= 1.0
