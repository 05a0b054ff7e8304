"""The audit-hook layer: a PEP 578 hook that refuses every event outside a short allow-list.

Installed last, once start-up is done, so nothing the worker itself needs is refused. After
that: file opens, `os.*` (system, exec, fork, kill, remove, listdir, ...), `socket.*`,
`subprocess.Popen`, `ctypes.*`, imports of modules not yet loaded, `marshal`/`pickle` code
loading, code and function construction, writing a function's `__code__` (however it is
reached: `f.__code__ = c`, `setattr`, `object.__setattr__`, `copy`'s state), `gc.*`,
`sys.settrace`/`setprofile`/`addaudithook`/`_current_frames`, and reading a suspended
generator's frame all raise.

The hook holds no state the model could change: it decides from the event name alone (an
exact `str` made by the interpreter) and, for attribute reads and writes, the name (an
attribute write whose name is not a plain `str` is refused). It never calls a method of an
argument, so model code cannot run inside it. Audit hooks cannot be removed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from rlm_desktop.sandbox.policy import (
    ALLOWED_EVENTS,
    DENIED_AUDITED_ATTRIBUTES,
    DENIED_AUDITED_WRITES,
    EVENT_REASONS,
    FRAME_EVENTS,
)


class Denied(PermissionError):
    """The sandbox refused an operation (raised inside model code)."""

    __module__ = "builtins"  # shown to the model as a plain name


class ImportDenied(ImportError):
    """The sandbox refused to import a module that was not loaded at start-up."""

    __module__ = "builtins"  # shown to the model as a plain name


class FrameDenied(ValueError):
    """Frames are out of reach (a ValueError so stdlib callers fall back quietly)."""

    __module__ = "builtins"  # shown to the model as a plain name


def _reason(event: str) -> str:
    for prefix, reason in EVENT_REASONS:
        if event.startswith(prefix):
            return reason
    return "it could change the sandbox or reach outside it"


def make_hook() -> Callable[[str, tuple[object, ...]], None]:
    allowed, frames = ALLOWED_EVENTS, FRAME_EVENTS
    attributes, writes = DENIED_AUDITED_ATTRIBUTES, DENIED_AUDITED_WRITES
    setting = frozenset({"object.__setattr__", "object.__delattr__"})

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event in allowed:
            if event == "object.__getattr__" and len(args) > 1:
                name = args[1]
                if type(name) is str and name in attributes:
                    raise Denied(f"reading {name} is not allowed in the sandbox")
            elif event in setting and len(args) > 1:
                name = args[1]
                if type(name) is not str or name in writes:
                    shown = name if type(name) is str else "a name that is not a str"
                    raise Denied(f"changing {shown} is not allowed in the sandbox")
            return
        if event in frames:
            raise FrameDenied("frames are not available in the sandbox")
        if event == "import":
            raise ImportDenied("only the modules loaded at start-up can be imported")
        raise Denied(f"{event} is not allowed in the sandbox: {_reason(event)}")

    return hook


def install() -> bool:
    sys.addaudithook(make_hook())
    return True
