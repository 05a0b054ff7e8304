"""Length-prefixed JSON frames over pipe file descriptors (stdlib only).

JSON, never pickle: the worker runs untrusted code, so nothing it sends may be able to run
code in the host.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

from rlm_desktop.safetext import replace_surrogates

_HEADER = struct.Struct("!I")
MAX_FRAME = (1 << 32) - 1  # what the header can say; each side passes its own cap


class WireClosed(EOFError):
    """The other side closed its end of the pipe (usually: the worker died)."""


class FrameTooLarge(ValueError):
    """A message larger than the other side accepts; nothing was sent."""


def encode(message: dict[str, Any], max_frame: int = MAX_FRAME) -> bytes:
    """The frame (header and JSON body) for `message`; lone surrogates become U+FFFD."""
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = replace_surrogates(text).encode("utf-8")
    if len(data) > max_frame:
        raise FrameTooLarge(f"{len(data):,} bytes; at most {max_frame:,} in one message")
    return _HEADER.pack(len(data)) + data


def send(fd: int, message: dict[str, Any], max_frame: int = MAX_FRAME) -> None:
    """Write one frame, blocking (the worker's side; the host uses `frames.FrameWriter`)."""
    write_frame(fd, encode(message, max_frame))


def write_frame(fd: int, data: bytes) -> None:
    """Write an encoded frame, blocking."""
    payload = memoryview(data)
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
