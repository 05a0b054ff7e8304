"""`rlm-desktop bench ui` runs end to end (small sizes here) and reports its figures."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from rlm_desktop.bench.ui import replay_responses
from rlm_desktop.bench.ui import run as bench_run


def test_replay_responses_make_the_asked_tree() -> None:
    responses = replay_responses(nodes=500, words=5)
    assert responses[-1] == "FINAL(done)"
    assert sum(r.startswith("I will ask helpers") for r in responses) == 10


def test_bench_ui_reports_stalls(qtbot: QtBot) -> None:
    args = argparse.Namespace(
        nodes=82, words=5, ingest_mb=2, interval_ms=1, model=None, history_nodes=300
    )
    result = bench_run(args)
    for key in (
        "run_stall_p99_ms",
        "run_stall_max_ms",
        "ingest_stall_p99_ms",
        "ingest_stall_max_ms",
        "run_busy_p99_ms",
        "run_busy_max_ms",
        "ingest_busy_p99_ms",
        "ingest_busy_max_ms",
    ):
        assert isinstance(result[key], float) and result[key] >= 0
    # the window's own time between two ticks is part of the wall-clock gap between them
    assert result["run_busy_p99_ms"] <= result["run_busy_max_ms"]
    assert 0 <= result["steal_share"] <= 1
    assert result["run_status"] == "ok"
    assert result["tree_levels"] == 7
    assert result["tree_nodes"] == 82
    assert result["ingest_files_ready"] == 20
    assert "model_run_stall_max_ms" not in result
    assert result["history_open_nodes"] >= 300 and result["history_open_ms"] > 0


@pytest.mark.model
def test_bench_ui_measures_a_real_model_run(qtbot: QtBot, demo_model: Path) -> None:
    args = argparse.Namespace(nodes=20, words=2, ingest_mb=1, interval_ms=1, model=str(demo_model))
    result = bench_run(args)
    assert result["model_run_status"] in ("ok", "budget")
    assert 0 <= result["model_run_stall_p99_ms"] <= result["model_run_stall_max_ms"]
    assert result["model_run_seconds"] > 0


def test_stall_meter_counts_the_window_s_own_work_and_not_sleep(qtbot: QtBot) -> None:
    """A tick held up by work on the GUI thread shows on both clocks; one held up by a sleep
    (as when another program or the host has the core) shows on the wall clock only."""
    import time

    from rlm_desktop.bench.ui import StallMeter

    def spin(seconds: float) -> None:
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass

    meter = StallMeter(1)
    meter.start()
    qtbot.wait(20)
    spin(0.06)
    qtbot.wait(20)
    busy = meter.stop()
    assert busy["max_ms"] >= 55 and busy["cpu_max_ms"] >= 55

    meter.start()
    qtbot.wait(20)
    time.sleep(0.06)
    qtbot.wait(20)
    asleep = meter.stop()
    assert asleep["max_ms"] >= 55 and asleep["cpu_max_ms"] < 30
