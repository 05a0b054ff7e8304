"""The host's end of the pipes: frames read and written with a deadline, cancel and liveness.

The host never blocks on the worker: it waits in short `select` slices, in both directions, so
a cancel or a dead or stalled worker (one that stops reading or writing) is noticed within about
20 ms, even mid-frame. It distrusts every frame: one larger than `max_frame` is refused from its
header, before anything is buffered; one with more JSON values than `max_values` is refused
before it is parsed (parsing memory stays within a few times the frame: a frame of 66 MB of
`{}` once took 1.7 GB); bad JSON, nesting too deep, or not an object ends as `WireClosed`, and
lone surrogates in the text are replaced. The worker may be subverted.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import struct
import time
from collections.abc import Callable
from typing import Any

from rlm_desktop.cancel import CancelToken
from rlm_desktop.safetext import replace_surrogates
from rlm_desktop.sandbox.wire import MAX_FRAME, WireClosed, encode

_HEADER = struct.Struct("!I")
POLL_S = 0.02
CHUNK = 1 << 20
MAX_VALUES = 100_000
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"')


class ReadTimeout(TimeoutError):
    """The worker did not answer (or read what it was sent) before the deadline."""


def _wait(
    fd: int,
    write: bool,
    deadline: float,
    cancel: CancelToken | None,
    alive: Callable[[], bool] | None,
) -> bool:
    """Wait one slice for `fd` to be ready; False when it was not (the caller loops)."""
    if cancel is not None:
        cancel.raise_if_cancelled()
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ReadTimeout("no answer before the deadline")
    fds = [fd]
    ready = select.select([] if write else fds, fds if write else [], [], min(POLL_S, remaining))
    if ready[0] or ready[1]:
        return True
    if alive is not None and not alive():
        raise WireClosed("the worker is gone")
    return False


def value_count(data: bytes, enough: int = MAX_VALUES) -> int:
    """An upper bound on the JSON values in `data`, counted outside its strings when a rough
    count passes `enough`."""
    rough = data.count(b",") + data.count(b"[") + data.count(b"{")
    if rough <= enough:
        return rough
    skeleton = _STRING.sub(b'""', data)
    return skeleton.count(b",") + skeleton.count(b"[") + skeleton.count(b"{")


def _clean(value: Any) -> Any:
    if type(value) is str:
        return replace_surrogates(value)
    if type(value) is list:
        return [_clean(x) for x in value]
    if type(value) is dict:
        return {replace_surrogates(k): _clean(v) for k, v in value.items()}
    return value


def decode(data: bytes, max_values: int = MAX_VALUES) -> dict[str, Any]:
    """One frame's body as a dict, or `WireClosed`; memory bounded by `max_values`."""
    if value_count(data, max_values) > max_values:
        raise WireClosed("malformed frame (too many values)")
    try:
        message = json.loads(data.decode("utf-8"))
        if isinstance(message, dict):
            return dict(_clean(message))
    except (ValueError, RecursionError) as exc:
        raise WireClosed("malformed frame") from exc
    raise WireClosed("malformed frame")


class FrameReader:
    def __init__(self, fd: int, max_frame: int = MAX_FRAME, max_values: int = MAX_VALUES) -> None:
        self.fd = fd
        self.max_frame = max_frame
        self.max_values = max_values
        self.buffer = bytearray()

    def close(self) -> None:
        if self.fd != -1:
            os.close(self.fd)
            self.fd = -1

    def _frame(self) -> dict[str, Any] | None:
        if len(self.buffer) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(self.buffer)
        if size > self.max_frame:
            raise WireClosed(f"frame too large ({size:,} bytes; at most {self.max_frame:,})")
        end = _HEADER.size + size
        if len(self.buffer) < end:
            return None
        with memoryview(self.buffer) as view:
            data = bytes(view[_HEADER.size : end])  # one copy, not two
        del self.buffer[:end]
        return decode(data, self.max_values)

    def pending(self) -> bool:
        """Whether anything has arrived that nobody asked for (a stray or forged frame)."""
        if self.buffer:
            return True
        ready, _, _ = select.select([self.fd], [], [], 0)
        return bool(ready)

    def read(
        self,
        deadline: float,
        cancel: CancelToken | None = None,
        alive: Callable[[], bool] | None = None,
    ) -> dict[str, Any]:
        while True:
            frame = self._frame()
            if frame is not None:
                return frame
            if _wait(self.fd, False, deadline, cancel, alive):
                chunk = os.read(self.fd, CHUNK)
                if not chunk:
                    raise WireClosed("the worker closed its pipe")
                self.buffer += chunk


class FrameWriter:
    """Writes frames to the worker without ever blocking: a worker that stops reading is
    noticed at the deadline (`ReadTimeout`), on cancel, or when it dies."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)

    def close(self) -> None:
        if self.fd != -1:
            os.close(self.fd)
            self.fd = -1

    def send(
        self,
        message: dict[str, Any],
        deadline: float,
        cancel: CancelToken | None = None,
        alive: Callable[[], bool] | None = None,
    ) -> None:
        view = memoryview(encode(message))
        while True:
            with contextlib.suppress(BlockingIOError):
                view = view[os.write(self.fd, view[:CHUNK]) :]
            if not view:
                return
            _wait(self.fd, True, deadline, cancel, alive)
