"""The escape corpus through the real worker: with every layer on, and with the Python layer alone.

The Python layer (restricted builtins and imports, the syntax-tree check, the audit hook) is the
only boundary on macOS and Windows and on Linux kernels without landlock, so the whole corpus
also runs with seccomp and landlock off (rlimits stay: they exist on macOS too, and the memory
bombs need them). Per case: the effect did not happen (no secret, environment or listing
printed, no canary file, the dropped document unchanged in bytes, times, mode and inode, no
connection reached the listener, the victim process and this process alive, no process left
behind), and the next cell in the same sandbox still works. One sandbox per set of layers
serves the whole module; cases that kill or hang the worker get a fresh one through the
sandbox's own restart.
"""

from __future__ import annotations

import collections
import os
import socket
import time
from collections.abc import Iterator

import psutil
import pytest

from rlm_desktop.sandbox.host import CellResult, Sandbox, SandboxConfig
from rlm_desktop.sandbox.messages import LlmAnswers, LlmQuery, RlmAnswer, SubcallRequest
from rlm_desktop.sandbox.worker import BOOT
from tests.sandbox.arena import Arena
from tests.sandbox.corpus import CORPUS, Case

CELL_TIMEOUT = 2.0
TEST_MEMORY = 512 << 20
PYTHON_LAYER = ["rlimits", "audit-hook"]
CATEGORIES = {
    "open",
    "os-subprocess",
    "import-tricks",
    "builtins-sys-modules",
    "subclasses",
    "format-strings",
    "gc-frames",
    "python-routes",
    "ctypes-native",
    "code-loading",
    "network",
    "signals",
    "fork-bomb",
    "memory-bomb",
    "hang",
    "output-flood",
    "threads",
    "documents",
    "tamper",
}


def reply_to(request: SubcallRequest) -> LlmAnswers | RlmAnswer:
    if isinstance(request, LlmQuery):
        return LlmAnswers(("sub-call answer",) * len(request.prompts))
    return RlmAnswer("child answer")


@pytest.fixture(scope="module", params=["all-layers", "python-layer"])
def sandbox(arena: Arena, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    limits: dict[str, object] = {"memory_bytes": TEST_MEMORY}
    if request.param == "python-layer":
        limits["layers"] = PYTHON_LAYER
    config = SandboxConfig(cell_timeout=CELL_TIMEOUT, limits=limits)
    with Sandbox(arena.context(), reply_to, config) as box:
        if request.param == "python-layer":
            assert box.layers == ["process", *PYTHON_LAYER]
        else:
            assert {"seccomp", "landlock"} <= set(box.layers)
        yield box


def is_worker(process: psutil.Process) -> bool:
    """A sandbox worker started by this process (other fixtures' sandboxes may be alive)."""
    try:
        return process.ppid() == os.getpid() and BOOT in process.cmdline()
    except psutil.Error:
        return False


def is_multiprocessing(process: psutil.Process) -> bool:
    """multiprocessing's forkserver and resource tracker, started by other tests' ingestion."""
    try:
        return any("multiprocessing." in part for part in process.cmdline())
    except psutil.Error:
        return False


def leftover_processes(arena: Arena, sandbox: Sandbox) -> list[str]:
    """Processes below this one that are neither a sandbox worker nor the victim."""
    return [
        f"{p.pid} {p.name()} {p.status()}"
        for p in psutil.Process().children(recursive=True)
        if p.pid not in {arena.victim.pid, sandbox.pid}
        and not is_worker(p)
        and not is_multiprocessing(p)
    ]


def assert_no_effect(case: Case, arena: Arena, sandbox: Sandbox, result: CellResult) -> None:
    text = "\n".join([result.output, result.error or "", result.final or ""])
    assert "ESCAPED" not in text, f"{case.name}: the attack ran to its end:\n{text[:2000]}"
    assert arena.secret_token not in text, "a secret file's content was printed"
    assert arena.env_token not in text, "the app's environment was printed"
    assert arena.listing_token not in text, "a directory was listed"
    assert not arena.canary(case.name).exists(), "a file was created"
    assert arena.secret.exists()
    assert arena.victim.poll() is None, "the victim process was killed"
    assert leftover_processes(arena, sandbox) == []
    assert sandbox.pid is not None and psutil.pid_exists(sandbox.pid)
    assert psutil.Process(sandbox.pid).children() == []


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: f"{c.category}/{c.name}")
def test_escape_case(case: Case, arena: Arena, sandbox: Sandbox) -> None:
    before = arena.snapshot()
    started = time.monotonic()
    result = sandbox.run_cell(arena.fill(case.code, case.name))
    assert time.monotonic() - started < CELL_TIMEOUT + 5, "the cell hung the host"
    assert_no_effect(case, arena, sandbox, result)
    assert arena.snapshot() == before, "the dropped document changed"
    assert len(result.output) <= 1_000_000 + 500, "the output cap did not hold"
    follow = sandbox.run_cell("6 * 7")
    assert follow.error is None, follow.output
    assert follow.output.strip() == "42"


def test_no_connection_ever_reached_the_listener(arena: Arena) -> None:
    """A probe connection of our own: once the listener has accepted it, it has accepted every
    connection queued before it, so the count is exact (no sleeping on the accept loop)."""
    with socket.create_connection(("127.0.0.1", arena.listener.port), timeout=5):
        deadline = time.monotonic() + 10
        while arena.listener.accepted == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert arena.listener.accepted == 1, "a connection from the sandbox reached the listener"


def test_corpus_covers_the_issue() -> None:
    counts = collections.Counter(case.category for case in CORPUS)
    assert set(counts) == CATEGORIES
    assert len(CORPUS) >= 60
    assert len({case.name for case in CORPUS}) == len(CORPUS)


def test_this_process_is_alive_and_its_group_intact() -> None:
    assert psutil.Process(os.getpid()).status() != psutil.STATUS_ZOMBIE
