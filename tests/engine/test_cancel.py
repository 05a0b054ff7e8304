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
    run = replay([look(), long_turn, "FINAL(42)"], cancel=cancel, token_delay_s=0.002, sink=sink)
    assert run.result.status == "cancelled"
    assert time.monotonic() - started < 1.0  # 400 pieces at 2 ms would take 0.8 s more
    nodes = list(run.result.tree.walk())
    statuses = [n.status for n in nodes]
    assert statuses.count("done") >= 2  # the first turn and its cell were kept
    assert "cancelled" in statuses and "running" not in statuses
    turn2 = [n for n in nodes if n.kind == "iteration"][1]
    assert turn2.text.startswith("Thinking") and len(turn2.text) < len(long_turn)
    assert run.backend.calls == 2
    assert not _workers()


def test_cancel_during_a_long_cell_kills_it_within_a_second() -> None:
    cancel = CancelToken()
    started = time.monotonic()
    run = replay(
        [look("while True:\n    pass"), "FINAL(never)"],
        cancel=cancel,
        sink=_cancel_on_cell(cancel),
        cell_timeout=60,
    )
    assert run.result.status == "cancelled"
    assert time.monotonic() - started < 1.5
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
    assert time.monotonic() - started < 3  # not the 30 s the worker gets to answer
    assert not _workers()
