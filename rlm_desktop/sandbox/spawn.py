"""Worker processes as the host starts and buries them: environment, working folder, death.

Stdlib only. Each worker gets an empty temporary folder named after the app's pid, so a folder
left behind by a killed app is swept at a later start; a dead worker's exit status becomes a
one-line reason the model reads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile

TMP_PREFIX = "rlm-sandbox-"  # + the app's pid: a folder left by a killed app is swept later
DEATH_WAIT_S = 0.5
SIGNAL_NOTES = {
    "SIGKILL": " (out of memory, or stopped from outside)",
    "SIGXCPU": " (its CPU time limit was reached)",
    "SIGSEGV": " (it crashed)",
    "SIGSYS": " (a forbidden system call)",
}


def worker_env() -> dict[str, str]:
    """The few variables a worker inherits (locale, time zone), and UTF-8 output."""
    keep = {"LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def death_reason(proc: subprocess.Popen[bytes] | None) -> str:
    """Why a worker stopped talking, for the model: a signal, an exit code, or a bad frame."""
    code = None
    if proc is not None:  # its pipe closes a moment before it can be reaped
        with contextlib.suppress(subprocess.TimeoutExpired):
            code = proc.wait(timeout=DEATH_WAIT_S)
    if code is None:
        return "WorkerCrashed: the REPL process sent a malformed message"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"WorkerCrashed: the REPL process was killed by {name}{SIGNAL_NOTES.get(name, '')}"
    return f"WorkerCrashed: the REPL process exited (code {code})"


def sweep_stale_folders(root: str | None = None) -> list[str]:
    """Remove the empty working folders of workers whose app was killed (SIGKILL skips the
    clean-up); returns what was removed. A folder of a running app, or one with anything in it,
    is left alone."""
    root = root or tempfile.gettempdir()
    removed: list[str] = []
    with contextlib.suppress(OSError):
        names = [n for n in os.listdir(root) if n.startswith(TMP_PREFIX)]
        for name in names:
            pid = name[len(TMP_PREFIX) :].split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(root, name))  # only succeeds when empty
                removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
