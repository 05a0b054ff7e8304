"""`rlm-desktop bench history`: what keeping the history costs.

- iteration_overhead_ms / iteration_overhead_recording_ms: the engine's own cost per model
  turn (measured as `bench engine` does: a replay run with the real sandbox) without and with
  a recorder writing to a database file in a temporary folder, runs alternated;
  record_ms_per_turn: what the recorder takes on the engine thread per turn (it only queues the
  events; its writer thread writes them); record_share: the added cost over the engine's own
  (target ≤ 0.05);
- open_run_ms: loading a recorded run of `--nodes` nodes (default 5,000) as a `RunTree`
  (target ≤ 300), and open_run_json_ms with its `to_dict()` as `ask --json` prints it;
- search_ms: median FTS5 search over `--runs` recorded runs (default 10,000; target ≤ 100).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--iterations", type=int, default=40, help="model turns in the run")
    parser.add_argument("--nodes", type=int, default=5000, help="nodes of the run opened")
    parser.add_argument("--runs", type=int, default=10_000, help="runs searched")


def _turn_overheads(iterations: int, sink: Any) -> tuple[list[float], list[float]]:
    """Per turn of one replay run: the engine's own time (wall minus model, cells and the
    sink's own calls) and the time the sink took on the engine thread, in ms."""
    from rlm_desktop.bench.engine import _context
    from rlm_desktop.engine.config import EngineConfig
    from rlm_desktop.engine.engine import RlmEngine
    from rlm_desktop.engine.events import CellFinished, Event, IterationFinished
    from rlm_desktop.engine.events import IterationStarted as Started
    from rlm_desktop.llm.replay import ReplayBackend

    turn = "Looking.\n```repl\nx = len(context)\n```"
    responses = [turn] * (iterations - 1) + ["FINAL(done)"]
    engine_ms: list[float] = []
    sink_ms: list[float] = []
    state = {"start": 0.0, "inside": 0.0, "sink": 0.0, "inner": 0.0}

    def on_event(event: Event) -> None:
        t0 = time.perf_counter()
        if sink is not None:
            sink(event)
        t1 = time.perf_counter()
        state["sink"] += t1 - t0
        if isinstance(event, Started):
            state.update(start=t1, inside=0.0, sink=t1 - t0, inner=0.0)
        elif isinstance(event, IterationFinished):
            wall = t0 - state["start"]  # the turn, up to this event
            own = wall - state["inside"] - event.seconds - state["inner"]
            engine_ms.append(own * 1000)
            sink_ms.append(state["sink"] * 1000)
        else:
            state["inner"] += t1 - t0
            if isinstance(event, CellFinished):
                state["inside"] += event.seconds

    config = EngineConfig(max_iterations=iterations + 1)
    result = RlmEngine(ReplayBackend(responses), config).run("Bench?", _context(), on_event)
    assert result.status == "ok", result.error
    return engine_ms, sink_ms


class _NoopSink:
    def __call__(self, event: Any) -> None:
        return None


def measure_recording(folder: Path, iterations: int, rounds: int = 3) -> dict[str, float]:
    """The engine's per-turn overhead with no sink, a sink that does nothing (what calling
    any sink costs here) and a recorder; the three runs alternated, `rounds` times."""
    from rlm_desktop.store.history import HistoryStore

    store = HistoryStore.open(folder / "record.sqlite3")
    conversation = store.new_conversation("bench")
    off: list[float] = []
    on: list[float] = []
    sink: list[float] = []
    noop: list[float] = []
    round_medians: list[float] = []
    for _ in range(rounds):
        engine_off = _turn_overheads(iterations, None)[0]
        off += engine_off
        round_medians.append(statistics.median(engine_off))
        noop += _turn_overheads(iterations, _NoopSink())[1]
        recorder = store.recorder(store.begin_run(conversation, "Bench?"))
        engine_ms, sink_ms = _turn_overheads(iterations, recorder)
        recorder.close()
        assert recorder.failed is None, recorder.failed
        on += engine_ms
        sink += sink_ms
    store.close()
    base, with_recorder = statistics.median(off), statistics.median(on)
    record = statistics.median(sink)
    return {
        "iteration_overhead_ms": round(base, 4),
        "iteration_overhead_recording_ms": round(with_recorder + record, 4),
        "record_ms_per_turn": round(record, 4),  # on the engine thread (queueing the events)
        "noop_sink_ms_per_turn": round(statistics.median(noop), 4),
        "record_share": round((with_recorder + record - base) / base, 4),
        "overhead_noise_ms": round(max(round_medians) - min(round_medians), 4),
    }


def _big_run_events(nodes: int) -> list[Any]:
    from rlm_desktop.engine import events as ev

    out: list[Any] = [ev.RunStarted("n0", None, question="Big run?")]
    made, i = 1, 0
    prose = "I will look at the next part of the documents. " * 10
    code = "part = chunks()[{i}]\nfound = llm_query('What dates are in this part? ' + part)\n"
    while made < nodes:
        turn, cell = f"t{i}", f"c{i}"
        out.append(ev.IterationStarted(turn, "n0", index=i))
        out.append(ev.CellStarted(cell, turn, code=code.format(i=i)))
        for k in range(3):
            sub = f"s{i}.{k}"
            out.append(ev.SubcallStarted(sub, cell, kind="llm_query", prompt="Dates? " * 40))
            out.append(ev.SubcallFinished(sub, cell, result="1 May 2024, 3 June 2024"))
        out.append(ev.CellFinished(cell, turn, output="line of output\n" * 60))
        out.append(ev.IterationFinished(turn, "n0", text=prose + "\n```repl\n...\n```"))
        made, i = made + 5, i + 1
    out.append(ev.FinalAnswer("n0", None, answer="Many dates."))
    out.append(ev.RunFinished("n0", None, status="ok", answer="Many dates.", iterations=i))
    return out


def measure_open(folder: Path, nodes: int) -> dict[str, float]:
    from rlm_desktop.store.history import HistoryStore

    store = HistoryStore.open(folder / "open.sqlite3")
    run_id = store.begin_run(store.new_conversation("big"), "Big run?")
    recorder = store.recorder(run_id)
    events = _big_run_events(nodes)
    t0 = time.perf_counter()
    for event in events:
        recorder(event)
    recorder.close()  # returns once everything is written
    write_s = time.perf_counter() - t0
    store.close()
    loads, jsons, count = [], [], 0
    for _ in range(5):
        with HistoryStore.open(folder / "open.sqlite3") as fresh:
            t0 = time.perf_counter()
            tree = fresh.load_tree(run_id)
            t1 = time.perf_counter()
            tree.to_dict()
            t2 = time.perf_counter()
        loads.append((t1 - t0) * 1000)
        jsons.append((t2 - t0) * 1000)
        count = len(tree.nodes)
    return {
        "open_run_nodes": count,
        "open_run_ms": round(statistics.median(loads), 2),
        "open_run_json_ms": round(statistics.median(jsons), 2),
        "write_us_per_event": round(write_s / len(events) * 1e6, 2),
    }


def measure_search(folder: Path, runs: int) -> dict[str, float]:
    from rlm_desktop.store.history import HistoryStore
    from rlm_desktop.store.search import search_rowid

    rng = random.Random(7)
    vocabulary = [f"w{n:05d}" for n in range(20_000)] + ["invoice", "contract", "heron"]
    store = HistoryStore.open(folder / "search.sqlite3")
    conn = store.conn
    conn.execute("BEGIN")
    conn.execute("INSERT INTO conversations (id, title, created, updated) VALUES (1, 'b', 0, 0)")
    for run_id in range(1, runs + 1):
        question = " ".join(rng.choices(vocabulary, k=12))
        if rng.random() < 0.5:  # a word in half of the questions: many hits to rank
            question += " number"
        answer = " ".join(rng.choices(vocabulary, k=40))
        conn.execute(
            "INSERT INTO runs (id, conversation_id, position, question, answer, status, started)"
            " VALUES (?, 1, ?, ?, ?, 'ok', 0)",
            (run_id, run_id, question, answer),
        )
        rows = [(search_rowid(run_id, 0), question, "", "question")]
        rows.append((search_rowid(run_id, 1), answer, "", "answer"))
        for k in range(3):
            code = f"x{k} = grep('{' '.join(rng.choices(vocabulary, k=6))}')\nprint(x{k})"
            rows.append((search_rowid(run_id, 2 + k), code, f"n{k}", "code"))
        conn.executemany("INSERT INTO search (rowid, body, node_id, field) VALUES (?,?,?,?)", rows)
    conn.execute("COMMIT")
    store.close()
    queries = ["invoice", "contract heron", "w00042", "number", "grep number", "print"]
    times, hits = [], 0
    with HistoryStore.open(folder / "search.sqlite3") as fresh:
        for _ in range(5):
            for query in queries:
                t0 = time.perf_counter()
                found = fresh.search(query)
                times.append((time.perf_counter() - t0) * 1000)
                hits += len(found)
    return {
        "search_runs": runs,
        "search_ms": round(statistics.median(times), 2),
        "search_max_ms": round(max(times), 2),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rlm-bench-history-") as tmp:
        folder = Path(tmp)
        result: dict[str, Any] = {}
        result.update(measure_recording(folder, args.iterations))
        result.update(measure_open(folder, args.nodes))
        result.update(measure_search(folder, args.runs))
    result["targets"] = {"record_share": 0.05, "open_run_ms": 300, "search_ms": 100}
    return result
