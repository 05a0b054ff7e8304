"""The window's one background-task mechanism: a job gets a TaskState (cancel, progress,
partial results); its progress, result, failure and end arrive on the GUI thread; jobs on one
lane run one after another with their own callbacks; shutdown cancels, waits and drops late
results."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from rlm_desktop.ui.task_state import TaskState
from rlm_desktop.ui.tasks import TaskManager


@pytest.fixture
def tasks(qtbot: QtBot) -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    assert manager.shutdown(5000)


def test_progress_and_result_arrive_on_the_gui_thread(qtbot: QtBot, tasks: TaskManager) -> None:
    seen: list[tuple[str, object, str]] = []
    here = threading.current_thread().name

    def job(state: TaskState) -> str:
        for i in range(3):
            state.report(i)
        return threading.current_thread().name

    def note(kind: str) -> object:
        return lambda value: seen.append((kind, value, threading.current_thread().name))

    ended: list[str] = []
    task = tasks.submit(
        job,
        "count",
        on_progress=note("progress"),
        on_done=note("done"),
        on_finished=lambda: ended.append(threading.current_thread().name),
    )
    qtbot.waitUntil(lambda: bool(ended), timeout=5000)
    assert [(k, v) for k, v, _ in seen[:3]] == [("progress", 0), ("progress", 1), ("progress", 2)]
    kind, worker, _ = seen[3]
    assert kind == "done" and worker == "rlm-count" != here
    assert {t for _, _, t in seen} == {here} and ended == [here]
    assert not task.running and tasks.busy == []


def test_a_failure_is_delivered_and_the_lane_goes_on(qtbot: QtBot, tasks: TaskManager) -> None:
    results: list[object] = []

    def broken(state: TaskState) -> None:
        raise ValueError("bad job")

    tasks.submit(broken, "broken", lane="engine", on_failed=results.append)
    tasks.submit(lambda state: "second", "second", lane="engine", on_done=results.append)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    assert isinstance(results[0], ValueError) and results[1] == "second"


def test_jobs_on_one_lane_run_in_order_on_one_thread(qtbot: QtBot, tasks: TaskManager) -> None:
    done: list[tuple[int, str]] = []
    for i in range(4):
        tasks.submit(
            lambda state, i=i: (i, threading.current_thread().name),
            f"job {i}",
            lane="engine",
            on_done=done.append,
        )
    qtbot.waitUntil(lambda: len(done) == 4, timeout=5000)
    assert [i for i, _ in done] == [0, 1, 2, 3]  # each job's own callback, in order
    assert {name for _, name in done} == {"rlm-engine"}


def test_partial_results_go_to_the_sink_on_the_jobs_thread(
    qtbot: QtBot, tasks: TaskManager
) -> None:
    sunk: list[tuple[int, str]] = []
    shown: list[int] = []
    sink = lambda value: sunk.append((value, threading.current_thread().name))  # noqa: E731
    finished: list[int] = []
    tasks.submit(
        lambda state: [state.partial(i) for i in range(3)],
        "partial",
        partial=sink,
        on_finished=lambda: finished.append(1),
    )
    tasks.submit(
        lambda state: [state.partial(i) for i in range(2)],
        "shown",
        on_partial=shown.append,
        on_finished=lambda: finished.append(2),
    )
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=5000)
    assert sunk == [(0, "rlm-partial"), (1, "rlm-partial"), (2, "rlm-partial")]
    assert shown == [0, 1]


def test_shutdown_cancels_waits_and_drops_late_results(qtbot: QtBot) -> None:
    tasks = TaskManager()
    started = threading.Event()
    delivered: list[object] = []

    def patient(state: TaskState) -> str:
        started.set()
        while not state.cancelled:
            time.sleep(0.01)
        return "stopped"

    task = tasks.submit(patient, "patient", lane="engine", on_done=delivered.append)
    queued = tasks.submit(lambda state: "never", "queued", lane="engine", on_done=delivered.append)
    assert started.wait(5)
    assert tasks.shutdown(5000)
    assert not task.running and task.cancelled and queued.cancelled
    qtbot.wait(50)
    assert delivered == []  # the window is closing: nothing is delivered any more
