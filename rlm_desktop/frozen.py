"""The packaged app (PyInstaller) is its own Python: what `python -I -c CODE ARGS…` does.

The sandbox starts its worker as `sys.executable -I -c BOOT …`. In the packaged app
`sys.executable` is the app itself, so its entry point hands such a command line to
`run_python_command`, which runs CODE as the interpreter would (isolated: no user site, no
PYTHON* variables are read by a frozen app anyway). Imports nothing beyond the standard library.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def python_command(argv: Sequence[str]) -> tuple[str, list[str]] | None:
    """(code, argv for it) when `argv` is `APP -I -c CODE ARGS…` (or `APP -c CODE ARGS…`)."""
    args = list(argv[1:])
    if args[:1] == ["-I"]:
        args = args[1:]
    if len(args) >= 2 and args[0] == "-c":
        return args[1], ["-c", *args[2:]]
    return None


def run_python_command(argv: Sequence[str]) -> bool:
    """Run `-c CODE` in a frozen app; False (nothing run) for any other command line."""
    if not is_frozen():
        return False
    command = python_command(argv)
    if command is None:
        return False
    code, sys.argv = command[0], command[1]
    exec(compile(code, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    return True
