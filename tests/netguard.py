"""Records (and blocks) network access in tests: a PEP 578 audit hook on socket events.

`with no_network() as attempts:` collects every internet connect/DNS lookup made inside the
block and makes it fail with PermissionError; assert `attempts == []` afterwards. Unix-domain
sockets (local IPC) are not network and are ignored. The hook is installed once per process
(audit hooks cannot be removed) and is inert outside a block. Reusable by any test:
`from tests.netguard import no_network`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto")
_state = threading.local()
_active: list[tuple[list[tuple[str, str]], bool]] = []  # (record, block) of open blocks
_installed = threading.Event()


def _is_internet(event: str, args: tuple[object, ...]) -> bool:
    if event == "socket.connect" or event == "socket.sendto":
        address = args[-1]
        return isinstance(address, tuple)  # (host, port[, …]); a str is a Unix socket path
    return True


def _hook(event: str, args: tuple[object, ...]) -> None:
    if not _active or event not in _EVENTS or getattr(_state, "inside", False):
        return
    if not _is_internet(event, args):
        return
    _state.inside = True
    try:
        record, block = _active[-1]
        record.append((event, repr(args[-1] if event != "socket.getaddrinfo" else args[0])))
    finally:
        _state.inside = False
    if block:
        raise PermissionError(f"network access in a no-network test: {event}")


def install() -> None:
    if not _installed.is_set():
        sys.addaudithook(_hook)
        _installed.set()


@contextmanager
def no_network(block: bool = True) -> Iterator[list[tuple[str, str]]]:
    """Yield the list that collects every network attempt made inside the block."""
    install()
    record: list[tuple[str, str]] = []
    _active.append((record, block))
    try:
        yield record
    finally:
        _active.remove((record, block))
