"""Cooperative cancel shared by every long job (runs, ingestion, downloads)."""

from __future__ import annotations

import threading


class Cancelled(Exception):
    """Raised inside a job when the user asked it to stop."""


class CancelToken:
    """A thread-safe flag: set from any thread, checked by the job at safe points."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True as soon as the token is cancelled."""
        return self._event.wait(seconds)
