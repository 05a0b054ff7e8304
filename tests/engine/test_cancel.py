"""Cancel from another thread: during a model turn and during a long cell. The result keeps
everything done so far, with status cancelled, and no worker process is left behind."""

import threading
import time

import psutil
from replay_run import look, replay

from rlm_desktop.cancel import CancelToken
from rlm_desktop.engine.events import CellStarted, Event, TokenStreamed


def _workers() -> list[psutil.Process]:
    children = psutil.Process().children(recursive=True)
    return [p for p in children if "rlm_desktop.sandbox" in " ".join(p.cmdline())]


def _cancel_on_cell(cancel: CancelToken, nth: int = 1, delay: float = 0.05):
    seen = 0

    def sink(event: Event) -> None:
        nonlocal seen
        if isinstance(event, CellStarted):
            seen += 1
            if seen == nth:
                threading.Timer(delay, cancel.cancel).start()

    return sink


def test_cancel_during_a_model_turn_keeps_what_was_done() -> None:
    cancel = CancelToken()
    long_turn = "Thinking " * 400 + "\n```repl\nprint(1)\n```"
    streamed = 0

    def sink(event: Event) -> None:
        nonlocal streamed
        if isinstance(event, TokenStreamed) and "Thinking" in event.text:
            streamed += 1
            if streamed == 20:
                cancel.cancel()

    started = time.monotonic()
    run = replay([look(), long_turn, "FINAL(42)"], cancel=cancel, token_delay_s=0.02, sink=sink)
    assert run.result.status == "cancelled"
    # Streaming all 400 pieces at 20 ms takes 8 s; cancelled after 20, the run ends in about
    # 0.5 s here. 5 s leaves a loaded machine ten times the time and still fails a late stop.
    assert time.monotonic() - started < 5.0
    nodes = list(run.result.tree.walk())
    statuses = [n.status for n in nodes]
    assert statuses.count("done") >= 2  # the first turn and its cell were kept
    assert "cancelled" in statuses and "running" not in statuses
    turn2 = [n for n in nodes if n.kind == "iteration"][1]
    assert turn2.text.startswith("Thinking") and len(turn2.text) < len(long_turn)
    assert run.backend.calls == 2
    assert not _workers()


def test_cancel_during_a_long_cell_kills_it_at_once() -> None:
    cancel = CancelToken()
    started = time.monotonic()
    run = replay(
        [look("while True:\n    pass"), "FINAL(never)"],
        cancel=cancel,
        sink=_cancel_on_cell(cancel),
        cell_timeout=60,
    )
    assert run.result.status == "cancelled"
    # The cell would run to its 60 s timeout; killed on cancel the run ends in about 0.5 s
    # here (bench engine measures the cancel latency). 10 s: a wide margin, still not 60 s.
    assert time.monotonic() - started < 10.0
    cell = next(n for n in run.result.tree.walk() if n.kind == "cell")
    assert cell.status == "cancelled"
    assert not _workers()


def test_cancel_inside_a_child_rlm_stops_everything() -> None:
    cancel = CancelToken()
    responses = [
        look("print(rlm_query('sub?', 'text'))"),
        look("while True:\n    pass"),
        "FINAL(never)",
    ]
    run = replay(responses, cancel=cancel, sink=_cancel_on_cell(cancel, nth=2, delay=0.1))
    assert run.result.status == "cancelled"
    subcalls = [n.status for n in run.result.tree.walk() if n.kind == "subcall"]
    assert subcalls == ["cancelled"]
    assert not _workers()


def test_timeout_of_a_cell_restarts_the_repl_and_the_run_goes_on() -> None:
    run = replay(
        [look("x = 5\nwhile True:\n    pass"), look("print('x' in dir())"), "FINAL(ok)"],
        cell_timeout=0.5,
    )
    assert run.result.status == "ok"
    fed_back = run.prompt_of_call(1)
    assert "ran longer than 0.5 s" in fed_back and "variables are gone" in fed_back
    assert "False" in run.prompt_of_call(2)


def test_cancel_while_reading_a_final_var_whose_str_hangs() -> None:
    cancel = CancelToken()
    hang = "class S:\n    def __str__(self):\n        while True:\n            pass\n"
    hang += "s = S()\nlen(context)"

    def sink(event: Event) -> None:
        if isinstance(event, TokenStreamed) and "FINAL_VAR" in event.text:
            threading.Timer(0.3, cancel.cancel).start()

    started = time.monotonic()
    run = replay([look(hang), "FINAL_VAR(s)"], cancel=cancel, sink=sink, cell_timeout=30)
    assert run.result.status == "cancelled"
    # about 0.5 s here; 10 s is a wide margin that is still not the 30 s the worker gets
    assert time.monotonic() - started < 10.0
    assert not _workers()
