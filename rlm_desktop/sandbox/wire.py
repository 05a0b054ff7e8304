"""Length-prefixed JSON frames over pipe file descriptors (stdlib only).

JSON, never pickle: the worker runs untrusted code, so nothing it sends may be able to run
code in the host.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

_HEADER = struct.Struct("!I")
MAX_FRAME = 1 << 31


class WireClosed(EOFError):
    """The other side closed its end of the pipe (usually: the worker died)."""


def send(fd: int, message: dict[str, Any]) -> None:
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    payload = memoryview(_HEADER.pack(len(data)) + data)
    while payload:
        written = os.write(fd, payload)
        payload = payload[written:]


def _read_exact(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise WireClosed("pipe closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def recv(fd: int) -> dict[str, Any]:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size))
    if size > MAX_FRAME:
        raise WireClosed(f"frame too large ({size} bytes)")
    message = json.loads(_read_exact(fd, size).decode("utf-8"))
    if not isinstance(message, dict):
        raise WireClosed("malformed frame")
    return message
