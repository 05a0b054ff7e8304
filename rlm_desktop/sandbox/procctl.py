"""Linux process controls for the worker, through libc with ctypes (no-ops elsewhere).

- `die_with_parent`: PR_SET_PDEATHSIG, so the worker is killed when the host goes, even by
  SIGKILL (then checks that the host did not die before it was set);
- `lock_down`: no new privileges, not dumpable (no ptrace or /proc/PID/mem from outside), and
  every capability dropped, so a worker started by root is not root-powerful.
Each returns False where it could not be done. `ThreadCount` tells whether a cell left a
thread running.
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily at run time (see `libc`)
    import ctypes

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
CAPABILITY_VERSION_3 = 0x20080522


def libc() -> ctypes.CDLL | None:
    """libc with errno, or None off Linux (or without ctypes)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
    except ImportError:
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def prctl_call(lib: ctypes.CDLL, option: int, value: int) -> bool:
    import ctypes

    prctl = lib.prctl
    prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    prctl.restype = ctypes.c_int
    return bool(prctl(option, value, 0, 0, 0) == 0)


def die_with_parent(host_pid: int) -> bool:
    lib = libc()
    if lib is None or not prctl_call(lib, PR_SET_PDEATHSIG, int(signal.SIGKILL)):
        return False
    if host_pid and os.getppid() != host_pid:  # the host died before the call above
        os._exit(0)
    return True


def _drop_capabilities(lib: ctypes.CDLL) -> bool:
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):
        _fields_ = (
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        )

    header = Header(CAPABILITY_VERSION_3, 0)
    data = (Data * 2)()
    capset = lib.capset
    capset.argtypes = (ctypes.POINTER(Header), ctypes.POINTER(Data))
    return bool(capset(ctypes.byref(header), data) == 0)


def lock_down() -> bool:
    lib = libc()
    if lib is None:
        return False
    ok = prctl_call(lib, PR_SET_NO_NEW_PRIVS, 1)
    ok = prctl_call(lib, PR_SET_DUMPABLE, 0) and ok
    return _drop_capabilities(lib) and ok


class ThreadCount:
    """Threads besides the main one, from /proc/self/stat through a descriptor opened before
    hardening (counts a thread the moment it is cloned); `_thread._count()` elsewhere."""

    def __init__(self) -> None:
        try:
            self.fd = os.open("/proc/self/stat", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            self.fd = -1

    def others(self) -> int:
        if self.fd >= 0:
            try:
                fields = os.pread(self.fd, 4096, 0).rsplit(b")", 1)[1].split()
                return int(fields[17]) - 1  # field 20, num_threads
            except (OSError, ValueError, IndexError):
                pass
        return _thread._count()
