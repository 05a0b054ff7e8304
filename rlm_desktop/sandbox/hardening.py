"""Worker-side hardening, applied once start-up is done (stdlib only).

First version: the host already isolates the worker (own process and session, empty temporary
working directory, scrubbed environment, stdin closed). Further layers (rlimits, the audit
hook, seccomp, landlock) are added here; `apply` returns the names of the layers now active.
"""

from __future__ import annotations

from typing import Any


def apply(limits: dict[str, Any]) -> list[str]:
    return []
