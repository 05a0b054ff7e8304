"""No zombie or orphan workers, nor working folders: after close, cancel, restart, the app's
exit, SIGTERM or SIGKILL. Every wait is on a condition (a process gone, a worker busy in its
cell), never a fixed sleep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from rlm_desktop.cancel import Cancelled, CancelToken
from rlm_desktop.documents.model import Context, Document
from rlm_desktop.sandbox.host import Sandbox, SandboxConfig, sweep_stale_folders
from tests.sandbox.waiting import is_running, wait_until

REPO = Path(__file__).resolve().parents[2]
CONTEXT = Context([Document(name="a.txt", text="text")])


def gone(pid: int, within: float = 5.0) -> bool:
    """The process no longer runs (reaped, or a zombie waiting for init to reap it)."""

    def ended() -> bool:
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    return wait_until(ended, within, step=0.05)


@pytest.fixture
def private_tmp(tmp_path: Path) -> Iterator[Path]:
    """A temporary folder of this test's own: other programs' sandboxes (other test runs on
    this machine) sweep the shared one, and would race this test for a dead app's folder."""
    old = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)
    try:
        yield tmp_path
    finally:
        tempfile.tempdir = old


def my_children() -> list[int]:
    return [p.pid for p in psutil.Process().children(recursive=True)]


def test_close_leaves_nothing() -> None:
    sandbox = Sandbox(CONTEXT, lambda r: None)
    sandbox.start()
    pid = sandbox.pid
    assert pid is not None
    sandbox.run_cell("x = 1")
    sandbox.close()
    assert not psutil.pid_exists(pid)  # killed and reaped, no zombie
    assert pid not in my_children()


def test_the_working_folder_is_empty_private_and_removed_afterwards() -> None:
    with Sandbox(CONTEXT, lambda r: None, SandboxConfig(cell_timeout=0.5)) as sandbox:
        assert sandbox.pid is not None
        first = Path(psutil.Process(sandbox.pid).cwd())
        assert first.name.startswith("rlm-sandbox-") and list(first.iterdir()) == []
        assert sandbox.run_cell("while True:\n    pass").restarted  # a fresh worker and folder
        assert sandbox.pid is not None
        second = Path(psutil.Process(sandbox.pid).cwd())
        assert second != first and not first.exists()
    assert not second.exists()


def test_cancel_kills_the_worker_at_once() -> None:
    cancel = CancelToken()
    with Sandbox(CONTEXT, lambda r: None, SandboxConfig(cell_timeout=60)) as sandbox:
        pid = sandbox.pid
        assert pid is not None

        def cancel_once_busy() -> None:  # the cell is running when the worker is on a CPU
            wait_until(lambda: is_running(pid))
            cancel.cancel()

        threading.Thread(target=cancel_once_busy, daemon=True).start()
        started = time.monotonic()
        with pytest.raises(Cancelled):
            sandbox.run_cell("while True:\n    pass", cancel=cancel)
        assert time.monotonic() - started < 4
        assert not psutil.pid_exists(pid)


def test_restarts_leave_nothing_behind() -> None:
    with Sandbox(CONTEXT, lambda r: None, SandboxConfig(cell_timeout=0.5)) as sandbox:
        pids = []
        for _ in range(3):
            pids.append(sandbox.pid)
            assert sandbox.run_cell("while True:\n    pass").restarted
        assert all(not psutil.pid_exists(pid) for pid in pids)
        assert [p for p in my_children() if p in pids] == []


HOST = """
import sys, time
sys.path.insert(0, {repo!r})
from rlm_desktop.documents.model import Context, Document
from rlm_desktop.sandbox.host import Sandbox
sandbox = Sandbox(Context([Document(name="a.txt", text="text")]), lambda r: None)
sandbox.start()
print(sandbox.pid, flush=True)
if {busy}:
    sandbox.run_cell("while True:\\n    pass")  # the host waits here, the worker spins
else:
    time.sleep({sleep})
"""


def host_with_worker(
    busy: bool, sleep: float = 60, tmp: Path | None = None
) -> tuple[subprocess.Popen[str], int]:
    """A host process with a started worker; when `busy`, returned once the worker runs its
    endless cell (an idle worker sleeps on its pipe)."""
    code = textwrap.dedent(HOST).format(repo=str(REPO), busy=busy, sleep=sleep)
    env = None if tmp is None else {**os.environ, "TMPDIR": str(tmp)}
    host = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    )
    assert host.stdout is not None
    worker = int(host.stdout.readline())
    assert psutil.pid_exists(worker)
    if busy:
        assert wait_until(lambda: is_running(worker)), "the worker never started its cell"
    return host, worker


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_worker_dies_with_a_killed_host(how: signal.Signals, private_tmp: Path) -> None:
    host, worker = host_with_worker(busy=True, tmp=private_tmp)
    folder = Path(psutil.Process(worker).cwd())
    host.send_signal(how)
    host.wait(10)
    assert gone(worker), "the worker outlived its host"
    # a killed app cannot remove its worker's folder; the next sandbox started sweeps it
    assert folder.exists() and folder.parent == private_tmp
    with Sandbox(CONTEXT, lambda r: None):
        assert not folder.exists()


def test_the_sweep_removes_only_empty_folders_of_dead_apps(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    own = psutil.Process().pid
    for name in (
        f"rlm-sandbox-{dead.pid}-a",
        f"rlm-sandbox-{dead.pid}-b",
        f"rlm-sandbox-{own}-c",
        "rlm-sandbox-x-d",
        f"other-{dead.pid}-e",
    ):
        (tmp_path / name).mkdir()
    (tmp_path / f"rlm-sandbox-{dead.pid}-b" / "kept.txt").write_text("not empty")
    assert sweep_stale_folders(str(tmp_path)) == [f"rlm-sandbox-{dead.pid}-a"]
    assert len(list(tmp_path.iterdir())) == 4


def test_app_exit_without_close_stops_the_worker() -> None:
    host, worker = host_with_worker(busy=False, sleep=0)
    assert host.wait(20) == 0
    assert gone(worker)
