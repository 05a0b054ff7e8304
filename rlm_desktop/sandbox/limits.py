"""Default resource limits for a sandbox worker (host side, stdlib only).

`SandboxConfig.limits` overrides any of these keys; the worker's `rlimits` layer applies them.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

GIB = 1 << 30
MEMORY_CAP = 4 * GIB
MIN_CPU_SECONDS = 600


def total_memory() -> int:
    """Physical memory in bytes (0 where unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return 0


@dataclass(frozen=True)
class Limits:
    memory_bytes: int  # address space (RLIMIT_AS)
    cpu_seconds: int  # CPU time over the worker's life (the per-cell timeout is wall-clock)
    file_size: int = 0  # no file can be written
    processes: int = 0  # no fork (the kernel exempts root: seccomp covers it)
    open_files: int = 64
    recursion_limit: int = 1000


def default_limits(cell_timeout: float) -> dict[str, Any]:
    """A quarter of RAM, at most 4 GiB; ten cells' worth of CPU time, at least 10 minutes."""
    ram = total_memory()
    memory = min(MEMORY_CAP, ram // 4) if ram else MEMORY_CAP
    cpu = max(MIN_CPU_SECONDS, int(10 * cell_timeout))
    return asdict(Limits(memory_bytes=memory, cpu_seconds=cpu))
