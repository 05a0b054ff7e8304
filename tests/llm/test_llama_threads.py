"""The two-core generation thread tuner, driven by a fake clock and made-up speeds."""

from __future__ import annotations

from rlm_desktop.llm.llama_threads import ThreadTuner


class FakeMachine:
    """Tokens take 1/speed[threads] seconds; `speeds` can change mid-run."""

    def __init__(self, speeds: dict[int, float]) -> None:
        self.speeds = speeds
        self.now = 0.0
        self.applied: list[int] = []
        self.tuner = ThreadTuner(self.applied.append, (2, 1), probe=8, clock=lambda: self.now)

    def call(self, tokens: int) -> None:
        self.tuner.begin()
        for _ in range(tokens):
            self.now += 1.0 / self.speeds[self.tuner.active]
            self.tuner.tick()
        self.tuner.end()


def test_a_quiet_machine_keeps_two_threads_and_compares_less_often() -> None:
    machine = FakeMachine({2: 110.0, 1: 80.0})
    machine.call(40)
    assert machine.tuner.best == 2 and machine.applied == [2, 1, 2]
    assert {k: round(v) for k, v in machine.tuner.rates.items()} == {2: 110, 1: 80}
    machine.applied.clear()
    machine.call(40)  # two threads won: the next call skips the comparison
    assert machine.applied == []
    machine.call(40)
    assert machine.applied == [1, 2]  # compared again


def test_a_busy_machine_switches_to_one_thread() -> None:
    machine = FakeMachine({2: 30.0, 1: 75.0})
    machine.call(40)
    assert machine.tuner.best == 1 and machine.applied[-1] == 1
    machine.call(40)  # next call: starts on one thread, tries two again, stays on one
    assert machine.tuner.best == 1 and machine.applied[-3:] == [1, 2, 1]


def test_a_slowdown_mid_call_triggers_a_new_comparison() -> None:
    machine = FakeMachine({2: 110.0, 1: 80.0})
    machine.call(24)
    machine.tuner.begin()
    for i in range(64):
        if i == 24:
            machine.speeds[2] = 25.0  # another program takes a core
        machine.now += 1.0 / machine.speeds[machine.tuner.active]
        machine.tuner.tick()
    assert machine.tuner.best == 1 and machine.tuner.active == 1
