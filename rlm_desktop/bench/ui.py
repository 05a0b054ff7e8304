"""`rlm-desktop bench ui`: how long the window's event loop stalls while it works (offscreen).

A 1 ms timer on the GUI thread records the gap between its ticks; a stall is a gap beyond the
interval. Measured twice, on the real window with real widgets:
- run: a replay run through the real engine and sandbox whose tree has about `--nodes` nodes
  over 7 levels (run → turn → code → helper run → turn → code → helper question), streaming
  word by word with no delay, so the engine emits thousands of events a second;
- ingest: reading `--ingest-mb` MB of text files dropped as one folder;
- with `--model PATH`, also a real run of that model through llama.cpp (the engine thread
  evaluating prompts and generating on the cores the GUI shares).
Targets: p99 < 16 ms and max < 50 ms for each. The same gaps on the GUI thread's own CPU
clock (`*_busy_*`) and the share of the machine's time its host gave to others
(`steal_share`, Linux) tell a slower window from a busy or shared machine. The runs are
recorded in the history, as the window always does (unless the history is off).
Also: history_open_ms, opening a recorded run of `--history-nodes` nodes (default 5,000) from
the history in the window, read from the database to its tree shown (target ≤ 300 ms).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "the",
    "lazy",
    "dog",
    "while",
    "invoice",
    "1234",
    "was",
    "paid",
    "in",
    "full",
]


SETTLE_S = 0.25


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--nodes", type=int, default=500, help="nodes in the run's tree")
    parser.add_argument("--words", type=int, default=40, help="words in each helper's reply")
    parser.add_argument("--ingest-mb", type=int, default=200, help="MB of text to ingest")
    parser.add_argument("--interval-ms", type=int, default=1, help="the probe timer's interval")
    parser.add_argument("--model", help="also measure a real run of this .gguf model")
    parser.add_argument(
        "--history-nodes", type=int, default=5000, help="nodes of the run opened from history"
    )


def replay_responses(nodes: int, words: int, turns: int = 10) -> list[str]:
    """Responses in call order for a tree of about `nodes` nodes (see the module docstring)."""
    per_turn = max(8, (nodes - 2) // turns)
    leaves = per_turn - 6  # turn, cell, helper run, its 2 turns and 1 cell; the rest are leaves
    outer, inner = leaves // 2, leaves - leaves // 2
    reply = " ".join(WORDS[i % len(WORDS)] for i in range(words))
    root_turn = (
        "I will ask helpers about each part, then a helper run.\n```repl\n"
        f"answers = llm_query_batched(['part ' + str(i) for i in range({outer})])\n"
        "summary = rlm_query('Summarise this part', 'Some text about invoices.')\n"
        "print(len(answers), summary)\n```"
    )
    child_turn = (
        "Checking each line.\n```repl\n"
        f"lines = llm_query_batched(['line ' + str(i) for i in range({inner})])\n"
        "print(len(lines))\n```"
    )
    responses: list[str] = []
    for _ in range(turns):
        responses += [root_turn, *[reply] * outer, child_turn, *[reply] * inner, "FINAL(ok)"]
    return [*responses, "FINAL(done)"]


class StallMeter:
    """Gaps between the ticks of a precise timer on the GUI thread, on the wall clock and on
    the GUI thread's own CPU clock (`time.thread_time`: what the window itself spent between
    two ticks, which other programs' load and a shared host's stolen time do not inflate)."""

    def __init__(self, interval_ms: int) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000
        self.gaps: list[float] = []
        self.cpu: list[float] = []
        self._last = self._last_cpu = self._started = self._steal = 0.0  # set by start()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append(now - self._last)
        self.cpu.append(cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu

    def start(self) -> None:
        self.gaps, self.cpu = [], []
        self._steal = machine_steal()
        self._last = self._started = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._timer.start()

    def stop(self) -> dict[str, float]:
        self._timer.stop()
        stalls = sorted(max(0.0, g - self.interval) * 1000 for g in self.gaps) or [0.0]
        busy = sorted(c * 1000 for c in self.cpu) or [0.0]
        seconds = max(1e-9, time.perf_counter() - self._started)
        steal = (machine_steal() - self._steal) / (seconds * (os.cpu_count() or 1))
        return {
            "p99_ms": round(_p99(stalls), 2),
            "max_ms": round(stalls[-1], 2),
            "cpu_p99_ms": round(_p99(busy), 2),
            "cpu_max_ms": round(busy[-1], 2),
            "steal_share": round(max(0.0, steal), 3),
            "ticks": len(stalls),
        }


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def machine_steal() -> float:
    """Seconds of CPU time the host gave to others (Linux `/proc/stat`; 0 elsewhere)."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _wait(app: Any, done: Callable[[], bool], timeout: float) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not finish in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def _settle(app: Any) -> None:
    """Let the window finish what a phase left it (the run's end lays out its steps again a
    moment later), so that the phase's stalls include it and the next phase's do not."""
    end = time.perf_counter() + SETTLE_S
    _wait(app, lambda: time.perf_counter() >= end, SETTLE_S + 60)


def _write_text(folder: Path, megabytes: int, files: int = 20) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    line = (" ".join(WORDS) + "\n").encode()
    size = megabytes * (1 << 20) // files
    block = line * (size // len(line) + 1)
    for i in range(files):
        (folder / f"part-{i:02d}.txt").write_bytes(block[:size])


def _model_run(app: Any, window: Any, meter: StallMeter, model: str) -> dict[str, Any]:
    """Stalls while a real model answers a short question about two small documents."""
    from rlm_desktop.store.paths import resources_dir

    window.loader.clear()  # the ingest phase's 200 MB are not this question's documents
    window.load_model(model)
    _wait(app, lambda: window.host.info is not None and window.host.info.name != "replay", 120)
    demo = resources_dir() / "demo"
    window.add_documents([str(demo / "a.txt"), str(demo / "b.txt")])
    _wait(app, lambda: not window.loader.busy, 60)
    outcome, seconds, stalls = _measured_run(app, window, meter, "What are Value A and Value B?")
    return {
        "model_run_stall_p99_ms": stalls["p99_ms"],
        "model_run_stall_max_ms": stalls["max_ms"],
        "model_run_busy_p99_ms": stalls["cpu_p99_ms"],
        "model_run_busy_max_ms": stalls["cpu_max_ms"],
        "model_run_status": outcome.status,
        "model_run_seconds": round(seconds, 2),
    }


def _measured_run(
    app: Any, window: Any, meter: StallMeter, question: str
) -> tuple[Any, float, dict[str, float]]:
    """Ask `question` in the window and wait for the run's outcome, measuring stalls."""
    outcomes: list[Any] = []
    window.runs.finished.connect(outcomes.append)
    window.ask_panel.question.setPlainText(question)
    meter.start()
    started = time.perf_counter()
    window.ask()
    _wait(app, lambda: bool(outcomes), 600)
    seconds = time.perf_counter() - started
    _settle(app)
    stalls = meter.stop()
    window.runs.finished.disconnect(outcomes.append)
    return outcomes[0], seconds, stalls


def _history_open(app: Any, window: Any, nodes: int) -> dict[str, Any]:
    """Record a run of `nodes` nodes, then open it from the history panel's path, 3 times:
    the median time from the click to the tree shown (events processed)."""
    from rlm_desktop.bench.history import _big_run_events
    from rlm_desktop.ui.history_panel import Target

    store = window.conversation.store
    if store is None:
        return {}
    conversation = store.new_conversation("Big run?")
    recorder = store.recorder(store.begin_run(conversation, "Big run?"))
    for event in _big_run_events(nodes):
        recorder(event)
    recorder.close()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        window.conversation.open_recorded(Target(conversation))
        app.processEvents()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "history_open_nodes": window.tree_model.node_count(),
        "history_open_ms": round(sorted(times)[1], 1),
    }


def _depth(model: Any) -> int:
    """Levels of the window's run tree (read through its tree model)."""
    depths = {model.root_id: 1}
    for node in model.walk():
        for child in node.children:
            depths[child] = depths[node.id] + 1
    return max(depths.values())


def run(args: argparse.Namespace) -> dict[str, Any]:
    import json

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    old_home = os.environ.get("RLM_DESKTOP_HOME")
    with tempfile.TemporaryDirectory(prefix="rlm-bench-ui-") as tmp:
        os.environ["RLM_DESKTOP_HOME"] = tmp  # the window's settings go here, not the user's
        try:
            from rlm_desktop.store.settings import Budgets, Settings
            from rlm_desktop.ui.app import create_application
            from rlm_desktop.ui.main_window import MainWindow

            app = create_application([])
            replay = Path(tmp) / "replay.json"
            replay.write_text(json.dumps({"responses": replay_responses(args.nodes, args.words)}))
            settings = Settings(budgets=Budgets(max_iterations=20, max_depth=1))
            window = MainWindow(settings, backend=f"replay:{replay}")
            window.show()
            window.start()
            _wait(app, lambda: window.host.info is not None, 60)
            meter = StallMeter(args.interval_ms)

            outcome, seconds, run_stalls = _measured_run(
                app, window, meter, "Summarise every part."
            )
            tree = window.tree_model
            tree_nodes, tree_levels = tree.node_count(), _depth(tree)
            events = window.runs._buffer.total

            folder = Path(tmp) / "documents"
            _write_text(folder, args.ingest_mb)
            meter.start()
            started = time.perf_counter()
            window.add_documents([str(folder)])
            _wait(app, lambda: not window.loader.busy, 600)
            ingest_seconds = time.perf_counter() - started
            _settle(app)
            ingest_stalls = meter.stop()
            ready = window.docs_model.count("ready", "warning")
            opened = _history_open(app, window, getattr(args, "history_nodes", 5000))
            model = _model_run(app, window, meter, args.model) if args.model else {}
            window.close()
        finally:
            if old_home is None:
                os.environ.pop("RLM_DESKTOP_HOME", None)
            else:
                os.environ["RLM_DESKTOP_HOME"] = old_home
    return {
        "run_stall_p99_ms": run_stalls["p99_ms"],
        "run_stall_max_ms": run_stalls["max_ms"],
        "ingest_stall_p99_ms": ingest_stalls["p99_ms"],
        "ingest_stall_max_ms": ingest_stalls["max_ms"],
        "run_busy_p99_ms": run_stalls["cpu_p99_ms"],
        "run_busy_max_ms": run_stalls["cpu_max_ms"],
        "ingest_busy_p99_ms": ingest_stalls["cpu_p99_ms"],
        "ingest_busy_max_ms": ingest_stalls["cpu_max_ms"],
        "steal_share": round(max(run_stalls["steal_share"], ingest_stalls["steal_share"]), 3),
        "run_status": outcome.status,
        "run_events": events,
        "run_events_per_s": round(events / seconds),
        "run_seconds": round(seconds, 2),
        "tree_nodes": tree_nodes,
        "tree_levels": tree_levels,
        "ingest_mb": args.ingest_mb,
        "ingest_files_ready": ready,
        "ingest_seconds": round(ingest_seconds, 2),
        **model,
        **opened,
        "probe_interval_ms": args.interval_ms,
        "targets": {"stall_p99_ms": 16, "stall_max_ms": 50, "history_open_ms": 300},
    }
