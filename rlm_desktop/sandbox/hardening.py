"""Worker-side hardening, applied once start-up is done; returns the names of the active layers.

Order matters: everything the worker and the model's allowed modules need later is imported
and warmed up first (nothing can be opened afterwards), then the layers go on from the
outside in:
1. "rlimits": memory, CPU time, file size 0, processes, open files (`rlimits`);
2. no new privileges, not dumpable, capabilities dropped (`procctl`; part of "process");
3. "landlock": no file system access at all, no TCP, no signals out (`landlock_layer`);
4. "seccomp": the system call filter (`seccomp_layer`);
5. "audit-hook": the REPL's guarded builtins and restricted import (`restricted`, `guard`),
   then the PEP 578 hook (`audit`), last because the steps above use ctypes.
`limits["layers"]` may name a subset (tests use it to check each layer on its own).
Code that runs in the worker after this (the REPL helpers too) cannot import a module that was
not loaded by then, nor open any file: import at module level, or add to `policy`.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from rlm_desktop.sandbox import audit, landlock_layer, procctl, restricted, rlimits, seccomp_layer
from rlm_desktop.sandbox.policy import ALLOWED_MODULES, LAYER_NAMES, WARM_MODULES


def warm_up() -> None:
    """Import the allowed modules and run the lazy paths they take on first use."""
    for name in sorted(ALLOWED_MODULES) + list(WARM_MODULES):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    import datetime
    import hashlib
    import random
    import time

    datetime.datetime.strptime("2024-01-02", "%Y-%m-%d")
    datetime.datetime.now().astimezone()
    time.localtime()
    random.random()
    for algorithm in ("md5", "sha1", "sha256", "sha512", "blake2b", "sha3_256"):
        try:
            hashlib.new(algorithm, b"")
        except ValueError:
            continue


def apply(limits: dict[str, Any], namespace: dict[str, Any]) -> list[str]:
    wanted = set(limits.get("layers", LAYER_NAMES))
    warm_up()
    binding = seccomp_layer.load_binding() if "seccomp" in wanted else None
    active: set[str] = set()
    sys.setrecursionlimit(int(limits.get("recursion_limit", 1000)))
    if "rlimits" in wanted and rlimits.apply(limits):
        active.add("rlimits")
    procctl.lock_down()
    if "landlock" in wanted and landlock_layer.apply():
        active.add("landlock")
    if "seccomp" in wanted and seccomp_layer.apply(binding):
        active.add("seccomp")
    if "audit-hook" in wanted:
        restricted.install(namespace)
        if audit.install():
            active.add("audit-hook")
    return [name for name in LAYER_NAMES if name in active]
