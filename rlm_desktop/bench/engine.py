"""`rlm-desktop bench engine`: the engine's own cost, with the replay backend (no model time).

- iteration_overhead_ms: median per-iteration time spent in the engine itself (prompting,
  parsing, events, the tree), i.e. the iteration's wall time minus the model call and the cells;
- cell_roundtrip_ms: median sandbox round trip for `x = 1` (target ≤ 5);
- worker_start_ms: median time to start a sandbox worker and get it ready (target ≤ 300).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--iterations", type=int, default=40, help="model turns in the run")
    parser.add_argument("--cells", type=int, default=500, help="round trips to time")
    parser.add_argument("--starts", type=int, default=15, help="worker starts to time")


def _context(chars: int = 200_000) -> Any:
    from rlm_desktop.documents.model import Context, Document

    line = "The quick brown fox jumps over the lazy dog; invoice 1234 was paid.\n"
    return Context([Document(name="bench.txt", text=line * (chars // len(line)))])


def measure_worker_start(starts: int) -> tuple[float, list[str]]:
    from rlm_desktop.sandbox.host import Sandbox

    context = _context()
    times, layers = [], []
    for _ in range(starts):
        sandbox = Sandbox(context, lambda request: None)
        t0 = time.perf_counter()
        sandbox.start()
        times.append((time.perf_counter() - t0) * 1000)
        layers = sandbox.layers
        sandbox.close()
    return statistics.median(times), layers


def measure_roundtrip(cells: int) -> float:
    from rlm_desktop.sandbox.host import Sandbox

    with Sandbox(_context(), lambda request: None) as sandbox:
        for _ in range(20):
            sandbox.run_cell("x = 1")
        times = []
        for _ in range(cells):
            t0 = time.perf_counter()
            sandbox.run_cell("x = 1")
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure_iteration_overhead(iterations: int) -> float:
    from rlm_desktop.engine.config import EngineConfig
    from rlm_desktop.engine.engine import RlmEngine
    from rlm_desktop.engine.events import (
        CellFinished,
        Event,
        IterationFinished,
        IterationStarted,
    )
    from rlm_desktop.engine.status import Status
    from rlm_desktop.llm.replay import ReplayBackend

    turn = "Looking.\n```repl\nx = len(context)\n```"
    responses = [turn] * (iterations - 1) + ["FINAL(done)"]
    marks: list[tuple[str, float, float]] = []  # (kind, perf time, seconds inside)

    def on_event(event: Event) -> None:
        now = time.perf_counter()
        if isinstance(event, IterationStarted):
            marks.append(("start", now, 0.0))
        elif isinstance(event, CellFinished):
            marks.append(("cell", now, event.seconds))
        elif isinstance(event, IterationFinished):
            marks.append(("end", now, event.seconds))

    config = EngineConfig(max_iterations=iterations + 1)
    result = RlmEngine(ReplayBackend(responses), config).run("Bench?", _context(), on_event)
    assert result.status is Status.OK, result.error
    overheads, start, inside = [], 0.0, 0.0
    for kind, now, seconds in marks:
        if kind == "start":
            start, inside = now, 0.0
        elif kind == "cell":
            inside += seconds
        else:
            inside += seconds  # the model call's own time
            overheads.append((now - start - inside) * 1000)
    return statistics.median(overheads)


def run(args: argparse.Namespace) -> dict[str, Any]:
    start_ms, layers = measure_worker_start(args.starts)
    return {
        "iteration_overhead_ms": round(measure_iteration_overhead(args.iterations), 3),
        "cell_roundtrip_ms": round(measure_roundtrip(args.cells), 3),
        "worker_start_ms": round(start_ms, 1),
        "sandbox_layers": layers,
        "targets": {"cell_roundtrip_ms": 5, "worker_start_ms": 300},
    }
