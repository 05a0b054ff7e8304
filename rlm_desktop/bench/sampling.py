"""Samplers the benchmarks run beside the work they measure: a thread that looks every few
milliseconds while a `with` block runs (and once more at its end), at this process and the
processes it started (reader processes, Tesseracts)."""

from __future__ import annotations

import contextlib
import threading
from typing import Any, TypeVar

S = TypeVar("S", bound="Sampler")


class Sampler:
    """Calls `sample()` every `interval` seconds on a thread of its own inside `with`."""

    interval = 0.001

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def descendants(self) -> list[Any]:
        return list(self.process.children(recursive=True))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self: S) -> S:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


class PeakMemory(Sampler):
    """Peak resident memory of this process and its children, sampled every millisecond."""

    def __init__(self) -> None:
        super().__init__()
        self.baseline = self._total()
        self.peak = self.baseline

    def _total(self) -> int:
        total = self.process.memory_info().rss
        for child in self.descendants():
            with contextlib.suppress(Exception):  # a child may just have ended
                total += child.memory_info().rss
        return int(total)

    def sample(self) -> None:
        self.peak = max(self.peak, self._total())


class DescendantsCpu(Sampler):
    """CPU seconds used by this process's descendants (readers, Tesseracts) while it runs,
    each process's own time as last seen (sampled every 5 ms)."""

    interval = 0.005

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[tuple[int, float], float] = {}

    def sample(self) -> None:
        for child in self.descendants():
            with contextlib.suppress(Exception):  # it may just have ended
                times = child.cpu_times()
                self._seen[(child.pid, child.create_time())] = times.user + times.system

    @property
    def seconds(self) -> float:
        return sum(self._seen.values())
