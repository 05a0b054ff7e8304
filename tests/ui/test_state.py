"""The window's one state, without Qt: which question starts when, what it waits for, what
Stop does, and when the model may change. (This file must not import PySide6.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rlm_desktop.ui.state import AppState, Do, Phase, Step


def ready(reading: bool = False) -> AppState:
    state = AppState()
    state.model_loading()
    state.model_loaded()
    state.reading_changed(reading)
    return state


def test_a_question_with_a_model_and_no_reading_starts_at_once() -> None:
    state = ready()
    assert state.phase == Phase.READY and not state.can_stop
    assert state.ask("What?") == Step(Do.START, "What?")
    assert state.phase == Phase.RUNNING and state.pending is None
    assert state.running and state.can_stop and not state.can_change_model


def test_a_question_waits_for_the_model_then_starts_when_it_is_loaded() -> None:
    state = AppState()
    assert state.model_loading() == Step()
    assert state.phase == Phase.LOADING
    assert state.ask("What?") == Step(Do.WAIT_MODEL)
    assert state.pending == "What?" and state.can_stop
    assert state.model_loaded() == Step(Do.START, "What?")
    assert state.phase == Phase.RUNNING and state.pending is None


def test_a_question_waits_for_the_documents_then_for_the_model() -> None:
    state = AppState()
    state.model_loading()
    state.reading_changed(True)
    assert state.ask("Q") == Step(Do.WAIT_MODEL)
    assert state.model_loaded() == Step(Do.WAIT_DOCUMENTS)
    assert state.phase == Phase.READY and state.pending == "Q"
    assert state.reading_changed(True) == Step()  # another drop: still waiting
    assert state.reading_changed(False) == Step(Do.START, "Q")


def test_without_a_model_the_question_is_dropped_and_a_model_asked_for() -> None:
    state = AppState()
    assert state.ask("Q") == Step(Do.CHOOSE_MODEL)
    assert state.pending is None and state.phase == Phase.NO_MODEL and not state.can_stop


def test_a_model_that_fails_to_load_drops_the_waiting_question() -> None:
    state = AppState()
    state.model_loading()
    state.ask("Q")
    assert state.model_failed() == Step()
    assert state.phase == Phase.NO_MODEL and state.pending is None
    assert state.model_loaded() == Step()  # a later model starts nothing


def test_stop_drops_a_waiting_question_or_stops_the_run() -> None:
    state = ready(reading=True)
    assert state.ask("Q") == Step(Do.WAIT_DOCUMENTS)
    assert state.stop() == Step(Do.DROPPED)
    assert state.pending is None and not state.can_stop
    assert state.reading_changed(False) == Step()  # nothing is asked any more
    assert state.stop() == Step()  # nothing to stop

    assert state.ask("R") == Step(Do.START, "R")
    assert state.stop() == Step(Do.STOP_RUN)
    assert state.phase == Phase.STOPPING and state.running and state.can_stop
    assert state.run_finished() == Step()
    assert state.phase == Phase.READY and not state.running and state.can_change_model


def test_asking_during_a_run_is_refused_and_nothing_waits() -> None:
    state = ready()
    state.ask("Q")
    assert state.ask("again") == Step(Do.REFUSED)
    assert state.pending is None
    assert state.reading_changed(False) == Step()  # documents read during a run start nothing
    state.model_loading()  # the window never loads during a run; the state stays running
    assert state.phase == Phase.RUNNING
    state.run_finished()
    assert state.ask("next") == Step(Do.START, "next")


def test_a_run_ends_in_ready_even_after_stopping() -> None:
    state = ready()
    state.ask("Q")
    state.stop()
    state.run_finished()
    assert state.phase == Phase.READY and state.pending is None
    assert state.run_finished() == Step() and state.phase == Phase.READY


def test_the_state_module_does_not_import_qt() -> None:
    code = "import sys, rlm_desktop.ui.state; print(sorted(m for m in sys.modules if 'Qt' in m))"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
