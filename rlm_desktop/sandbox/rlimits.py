"""The rlimits layer: caps on the worker's memory, CPU time, file size, processes and files.

Applied in the worker once start-up is done (POSIX `resource`; skipped where it is missing).
The file size limit is 0 and SIGXFSZ is ignored, so a write to any file fails with EFBIG
instead of killing the worker. RLIMIT_NPROC = 0 stops fork and threads for a normal user (root
is exempt by the kernel; seccomp covers that case).
"""

from __future__ import annotations

import signal
from typing import Any

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


def _set(name: str, value: int) -> bool:
    limit = getattr(resource, name, None)
    if limit is None:
        return False
    try:
        _soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY and value > hard:
            value = hard
        resource.setrlimit(limit, (value, value))
    except (OSError, ValueError):  # e.g. RLIMIT_AS on macOS
        return False
    return True


def _set_cpu(seconds: int) -> bool:
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = seconds if hard == resource.RLIM_INFINITY else min(seconds, hard)
        top = soft + 5 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_CPU, (soft, top))  # SIGXCPU at soft, SIGKILL at top
    except (OSError, ValueError):
        return False
    return True


def apply(limits: dict[str, Any]) -> bool:
    """Set the limits; True when the memory, CPU and file size caps all hold."""
    if resource is None:
        return False
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    memory = int(limits.get("memory_bytes", 0))
    cpu = int(limits.get("cpu_seconds", 0))
    ok = _set("RLIMIT_AS", memory) if memory > 0 else True
    ok = (_set_cpu(cpu) if cpu > 0 else True) and ok
    ok = _set("RLIMIT_FSIZE", int(limits.get("file_size", 0))) and ok
    _set("RLIMIT_CORE", 0)
    _set("RLIMIT_NPROC", int(limits.get("processes", 0)))
    _set("RLIMIT_NOFILE", int(limits.get("open_files", 64)))
    return ok
