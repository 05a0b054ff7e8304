"""Generation threads on a two-core machine, chosen while generating.

Measured on the 2-core dev machine (SmolLM2-135M, 96 greedy tokens, two runs each):
- machine otherwise idle: 1 thread 81 tok/s, 2 threads 112–113 tok/s;
- one other busy process:  1 thread 76 tok/s, 2 threads 31–36 tok/s.
Two threads win by a third when the machine is quiet and lose by half as soon as anything else
wants a core (each token is a few hundred short steps with a barrier between them, and a
preempted thread stalls the other). Prompt evaluation has no such cliff (long steps:
2 threads 188–213 against 150–156 quiet, 107–132 against 122–151 loaded), so it always uses
both cores. Generation therefore measures, in windows of `probe` tokens: the first window
of each call uses the current best count, the second the other count, and the faster one is
kept. Later windows keep timing the best count; when one is much slower than the last (another
program started), the other count is tried again. A comparison the best count wins makes the
next ones rarer (every 2nd, 4th, up to 8th call): under load a window of 2 threads can cost
a few seconds. A user setting (`n_threads`) turns all this off.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DROP = 0.7  # a window this much slower than the best one so far triggers a new comparison
MAX_BACKOFF = 8  # calls at most between two comparisons the best count keeps winning


class ThreadTuner:
    def __init__(
        self,
        apply: Callable[[int], None],
        choices: tuple[int, int],
        probe: int = 8,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.apply = apply
        self.best, self.other = choices
        self.probe = probe
        self.clock = clock
        self.active = 0
        self._tokens = 0
        self._mark = 0.0
        self._best_rate = 0.0
        self._probing = False
        self._probe_first = True
        self._skip_calls = 0
        self._backoff = 0
        self.rates: dict[int, float] = {}  # the latest measured tokens/s per thread count

    def begin(self) -> None:
        """A generation starts (after the prompt is evaluated)."""
        self._tokens = 0
        self._probing = False
        self._best_rate = 0.0
        self._probe_first = self._skip_calls == 0
        self._skip_calls = max(0, self._skip_calls - 1)
        self._use(self.best)
        self._mark = self.clock()

    def tick(self) -> None:
        """One more token was generated and decoded."""
        self._tokens += 1
        if self._tokens < self.probe:
            return
        now = self.clock()
        rate = self._tokens / max(now - self._mark, 1e-9)
        self._tokens, self._mark = 0, now
        if self._probing:
            self.rates[self.other] = rate
            if rate > self._best_rate:
                self.best, self.other = self.other, self.best
                self._backoff = 0
            else:
                self._backoff = min(MAX_BACKOFF, max(1, 2 * self._backoff))
            self._skip_calls = self._backoff
            self._probing = False
            self._use(self.best)
            self._best_rate = max(rate, self._best_rate)
            return
        self.rates[self.best] = rate
        first = self._best_rate == 0.0
        slower = rate < DROP * self._best_rate
        self._best_rate = rate if first or slower else max(rate, self._best_rate)
        if (first and self._probe_first) or slower:
            self._probing = True
            self._use(self.other)

    def end(self) -> None:
        """The generation ended (perhaps mid-probe): back to the best count."""
        self._use(self.best)

    def _use(self, threads: int) -> None:
        if threads != self.active:
            self.apply(threads)
            self.active = threads
