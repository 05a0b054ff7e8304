"""`rlm-desktop bench history --json` runs end to end on small sizes and reports its figures."""

from __future__ import annotations

import json

from store_helpers import cli


def test_bench_history_reports_its_figures() -> None:
    out = cli("bench", "history", "--json", "--iterations", "5", "--nodes", "300", "--runs", "300")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["open_run_nodes"] >= 300 and data["search_runs"] == 300
    for key in ("iteration_overhead_ms", "record_ms_per_turn", "open_run_ms", "search_ms"):
        assert data[key] > 0, key
    assert data["targets"] == {"record_share": 0.05, "open_run_ms": 300, "search_ms": 100}
