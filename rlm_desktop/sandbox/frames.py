"""Reading `wire` frames from the worker with a deadline, a cancel check and a liveness check.

The host never blocks on the worker: it waits in short `select` slices, so a cancel or a dead
or stalled worker is noticed within about 20 ms, even mid-frame. Nor does it buffer more than
`max_frame` bytes for one frame, or let a malformed frame (bad JSON, nesting too deep for the
parser, not an object) escape as anything but `WireClosed`: the worker may be subverted.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from collections.abc import Callable
from typing import Any

from rlm_desktop.cancel import CancelToken
from rlm_desktop.sandbox.wire import MAX_FRAME, WireClosed

_HEADER = struct.Struct("!I")
POLL_S = 0.02


class ReadTimeout(TimeoutError):
    """The worker did not answer before the deadline."""


class FrameReader:
    def __init__(self, fd: int, max_frame: int = MAX_FRAME) -> None:
        self.fd = fd
        self.max_frame = max_frame
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
            raise WireClosed(f"frame too large ({size:,} bytes)")
        end = _HEADER.size + size
        if len(self.buffer) < end:
            return None
        data = bytes(self.buffer[_HEADER.size : end])
        del self.buffer[:end]
        try:
            message = json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            raise WireClosed("malformed frame") from exc
        if not isinstance(message, dict):
            raise WireClosed("malformed frame")
        return message

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
            if cancel is not None:
                cancel.raise_if_cancelled()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReadTimeout("no answer before the deadline")
            ready, _, _ = select.select([self.fd], [], [], min(POLL_S, remaining))
            if ready:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    raise WireClosed("the worker closed its pipe")
                self.buffer += chunk
            elif alive is not None and not alive():
                raise WireClosed("the worker is gone")
