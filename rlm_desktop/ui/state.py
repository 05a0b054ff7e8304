"""`AppState`: the window's one state, Qt-free: no model / loading / ready / running / stopping,
with the question waiting to be asked and whether documents are being read.

The window tells it what happened (a model started loading, the documents are read, the user
asked or pressed Stop, a run ended); each transition returns a `Step` saying what the window
should do now (start the run, say what it waits for, ask for a model…). The window renders the
state and performs the step; the decisions live here, where they are tested without Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    NO_MODEL = "no model"
    LOADING = "loading"  # a model is being loaded
    READY = "ready"
    RUNNING = "running"
    STOPPING = "stopping"  # Stop was pressed; the run is winding down


class Do(StrEnum):
    """What the window should do after a transition."""

    NOTHING = "nothing"
    START = "start"  # start the run for `Step.question`
    WAIT_MODEL = "wait for the model"
    WAIT_DOCUMENTS = "wait for the documents"
    CHOOSE_MODEL = "choose a model"  # the question was dropped: no model, none loading
    DROPPED = "dropped"  # Stop dropped the waiting question
    STOP_RUN = "stop the run"
    REFUSED = "refused"  # not while a run goes on


@dataclass(frozen=True)
class Step:
    do: Do = Do.NOTHING
    question: str | None = None


@dataclass
class AppState:
    phase: Phase = Phase.NO_MODEL
    pending: str | None = None  # a question waiting for the model or the documents
    reading: bool = False  # documents are being read

    @property
    def running(self) -> bool:
        return self.phase in (Phase.RUNNING, Phase.STOPPING)

    @property
    def can_stop(self) -> bool:
        """Stop (Esc) has something to do: a run to stop or a waiting question to drop."""
        return self.running or self.pending is not None

    @property
    def can_change_model(self) -> bool:
        return not self.running

    # --- the model -----------------------------------------------------------------------
    def model_loading(self) -> Step:
        if not self.running:  # the window never loads a model during a run
            self.phase = Phase.LOADING
        return Step()

    def model_loaded(self) -> Step:
        if not self.running:
            self.phase = Phase.READY
        return self._maybe_start()

    def model_failed(self) -> Step:
        if not self.running:
            self.phase = Phase.NO_MODEL
        self.pending = None
        return Step()

    # --- documents -------------------------------------------------------------------------
    def reading_changed(self, reading: bool) -> Step:
        self.reading = reading
        return Step() if reading else self._maybe_start()

    # --- runs --------------------------------------------------------------------------------
    def ask(self, question: str) -> Step:
        """The user asked `question` (not empty): start now or wait."""
        if self.running:
            return Step(Do.REFUSED)
        self.pending = question
        return self._maybe_start()

    def stop(self) -> Step:
        if self.running:
            self.phase = Phase.STOPPING
            return Step(Do.STOP_RUN)
        if self.pending is not None:
            self.pending = None
            return Step(Do.DROPPED)
        return Step()

    def run_finished(self) -> Step:
        if self.running:
            self.phase = Phase.READY
        return Step()

    def _maybe_start(self) -> Step:
        question = self.pending
        if question is None or self.running:
            return Step()
        if self.phase == Phase.LOADING:
            return Step(Do.WAIT_MODEL)
        if self.phase == Phase.NO_MODEL:
            self.pending = None
            return Step(Do.CHOOSE_MODEL)
        if self.reading:
            return Step(Do.WAIT_DOCUMENTS)
        self.pending = None
        self.phase = Phase.RUNNING
        return Step(Do.START, question)
