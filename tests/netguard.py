"""Records (and blocks) network access in tests: a PEP 578 audit hook on socket events.

`with no_network() as attempts:` collects every internet connect/DNS lookup made inside the
block and makes it fail with PermissionError; assert `attempts == []` afterwards. Unix-domain
sockets (local IPC) are not network and are ignored. The hook is installed once per process
(audit hooks cannot be removed) and is inert outside a block. Reusable by any test:
`from tests.netguard import no_network`.

`run_offline(body, home)` runs `body` in a fresh interpreter with the guard installed before
anything else is imported (import-time network counts too); `body` ends with `report(...)`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

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


# Installs the socket audit hook before anything else is imported; the script then ends with
# `report()`, which prints the attempts and the imported modules as JSON.
OFFLINE_PRELUDE = textwrap.dedent(
    """
    import json, sys
    from tests.netguard import no_network
    _guard = no_network()
    _attempts = _guard.__enter__()

    def report(**extra):
        print("NETGUARD" + json.dumps({"attempts": _attempts, "modules": sorted(sys.modules),
                                       **extra}))
    """
)


def run_offline(body: str, home: Path, timeout: float = 120) -> dict[str, object]:
    """Run `OFFLINE_PRELUDE + body` in a fresh interpreter with a private app home."""
    env = {**os.environ, "RLM_DESKTOP_HOME": str(home), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("HF_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_PRELUDE + body],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("NETGUARD"))
    return json.loads(line.removeprefix("NETGUARD"))
