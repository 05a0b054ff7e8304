"""A worker that dies mid-run is restarted, the model is told, and the run goes on; no worker
process outlives a run, whatever its end."""

import os
import signal
import threading

import psutil
from replay_run import look, replay

from rlm_desktop.engine.events import CellFinished, CellStarted, Event
from rlm_desktop.sandbox.worker import BOOT


def _workers() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if BOOT in p.cmdline()]


def test_a_worker_killed_mid_cell_is_restarted_and_the_model_told() -> None:
    """SIGKILL from outside, as the kernel's out-of-memory killer would send it."""
    killed: list[int] = []

    def sink(event: Event) -> None:
        if isinstance(event, CellStarted) and not killed:
            pid = _workers()[0].pid
            killed.append(pid)
            threading.Timer(0.2, os.kill, (pid, signal.SIGKILL)).start()

    responses = [
        look("kept = 1\nimport time\ntime.sleep(30)"),
        look("print('kept' in dir(), len(context) > 0)"),
        "FINAL(recovered)",
    ]
    run = replay(responses, sink=sink, cell_timeout=60)
    assert (run.result.status, run.result.answer) == ("ok", "recovered")
    told = run.prompt_of_call(1)
    assert "killed by SIGKILL (out of memory, or stopped from outside)" in told
    assert "all variables are gone (context is still loaded)" in told
    assert "False True" in run.prompt_of_call(2)  # a fresh REPL, with the documents
    cells = [e for e in run.events if isinstance(e, CellFinished)]
    assert cells[0].error and "WorkerCrashed" in cells[0].error and cells[1].error is None
    assert not psutil.pid_exists(killed[0]) and not _workers()


def test_no_worker_is_left_after_a_finished_a_budget_or_a_failed_run() -> None:
    child = look("print(rlm_query('sub?', 'text'))")
    assert replay([child, look(), "FINAL(c)", "FINAL(ok)"]).result.status == "ok"
    assert not _workers()
    assert replay([look(), "FINAL(b)"], max_iterations=1).result.status == "budget"
    assert not _workers()
    assert replay([child, look()]).result.status == "error"  # the recording runs out in a child
    assert not _workers()
