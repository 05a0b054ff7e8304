"""Waiting on a condition instead of sleeping a fixed time (fixed sleeps race on a busy CPU)."""

from __future__ import annotations

import time
from collections.abc import Callable

import psutil


def wait_until(condition: Callable[[], bool], within: float = 10.0, step: float = 0.01) -> bool:
    """True as soon as `condition()` holds, False if it still does not after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


def is_running(pid: int) -> bool:
    """The process is on a CPU or ready to run (an idle worker waits on its pipe, asleep)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_RUNNING
    except psutil.Error:
        return False
