"""The host side of the sandbox: starts the worker process, runs cells, serves sub-calls.

Runs on the engine thread. A cell that runs past its timeout, a cancel, a dead worker, or one
that stops reading, writes too much or breaks the protocol ends with the worker killed (its
whole process group) and a fresh one started; the caller is told that the REPL's variables are
gone. Sub-call requests from the worker are parsed into typed messages and handed to a request
handler synchronously (`exchange`), so the model is only ever used from the engine thread.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.model import Context, sandbox_path
from rlm_desktop.sandbox import wire
from rlm_desktop.sandbox.exchange import (
    Exchange,
    ProtocolError,
    RequestHandler,
    default_request_limits,
    frame_bounds,
    refuse_subcalls,
)
from rlm_desktop.sandbox.frames import FrameReader, FrameWriter, ReadTimeout
from rlm_desktop.sandbox.limits import default_limits
from rlm_desktop.sandbox.messages import RequestLimits, SubcallFailed
from rlm_desktop.sandbox.spawn import TMP_PREFIX, death_reason, sweep_stale_folders, worker_env
from rlm_desktop.sandbox.worker import BOOT

__all__ = [
    "CellResult",
    "RequestHandler",
    "Sandbox",
    "SandboxConfig",
    "SandboxError",
    "SubcallFailed",
    "sweep_stale_folders",
]
PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_LIVE: weakref.WeakSet[Sandbox] = weakref.WeakSet()
OUTPUT_NOTICE_ROOM = 4000  # the worker's truncation notice and error report ride on top
MAX_ERROR_CHARS = 4000
SUBCALL_TIMEOUTS = 30  # a cell's sub-calls may take 30 cell timeouts together, by default


class SandboxError(RuntimeError):
    """The worker could not be started at all."""


@dataclass
class SandboxConfig:
    cell_timeout: float = 60.0
    max_output_chars: int = 1_000_000
    start_timeout: float = 20.0
    helpers: bool | tuple[str, ...] = True  # all, none, or these names (HELPER_NAMES)
    chunk_chars: int = 4000
    grep_results: int = 20  # lines grep() returns unless asked for more
    # overrides `limits.default_limits` (memory_bytes, cpu_seconds, file_size, processes,
    # open_files, recursion_limit); "layers" names a subset of `policy.LAYER_NAMES` (tests)
    limits: dict[str, Any] = field(default_factory=dict)
    # what one sub-call may carry; None: the defaults, with room for the whole context
    request_limits: RequestLimits | None = None
    # wall time the sub-calls of one cell may take together; None: SUBCALL_TIMEOUTS timeouts
    subcall_seconds: float | None = None


@dataclass
class CellResult:
    output: str
    error: str | None = None
    final: str | None = None
    seconds: float = 0.0
    restarted: bool = False  # the worker was killed or died; its variables are gone


class Sandbox:
    """One REPL in its own worker process."""

    def __init__(
        self,
        context: Context,
        request_handler: RequestHandler | None = None,
        config: SandboxConfig | None = None,
    ) -> None:
        self.context = context
        self.handler = request_handler or refuse_subcalls
        self.config = config or SandboxConfig()
        docs = context.documents
        self.request_limits = self.config.request_limits or default_request_limits(
            len(docs), sum(len(d.text) + len(d.name) for d in docs)
        )
        self.bounds = frame_bounds(self.request_limits, self.config.max_output_chars)
        self.layers: list[str] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._pipes: Exchange | None = None
        _LIVE.add(self)

    # --- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        if self._proc is not None:
            return
        host_r, worker_w = os.pipe()
        worker_r, host_w = os.pipe()
        sweep_stale_folders()
        self._tmp = tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-")
        cmd = [sys.executable, "-I", "-c", BOOT, PACKAGE_PARENT]
        cmd += [str(worker_r), str(worker_w), str(os.getpid())]
        try:
            self._proc = subprocess.Popen(
                cmd,
                pass_fds=(worker_r, worker_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self._tmp.name,
                env=worker_env(),
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            for fd in (host_r, worker_w, worker_r, host_w):
                os.close(fd)
            raise SandboxError(f"Could not start the sandbox worker: {exc}") from exc
        os.close(worker_r)
        os.close(worker_w)
        reader = FrameReader(host_r, self.bounds.max_frame, self.bounds.max_values)
        self._pipes = Exchange(reader, FrameWriter(host_w), self._alive, self.request_limits)
        init = {
            "documents": [
                {
                    "name": d.name,
                    "path": sandbox_path(d),
                    "kind": d.kind,
                    "text": d.text,
                    "pages": d.pages,
                }
                for d in self.context.documents
            ],
            "max_output_chars": self.config.max_output_chars,
            "helpers": self.config.helpers,
            "chunk_chars": self.config.chunk_chars,
            "grep_results": self.config.grep_results,
            "limits": self.limits(),
            "max_frame": self.bounds.max_frame,
            "request_limits": asdict(self.request_limits),
        }
        deadline = time.monotonic() + self.config.start_timeout
        try:
            self._pipes.writer.send(init, deadline, alive=self._alive)
            ready = self._pipes.reader.read(deadline, alive=self._alive)
        except (OSError, wire.WireClosed, ReadTimeout) as exc:
            self.close()
            raise SandboxError(f"The sandbox worker did not start: {exc}") from exc
        self.layers = ["process"] + [str(x) for x in ready.get("layers", [])]

    def limits(self) -> dict[str, Any]:
        """The worker's resource limits: the defaults, then `config.limits` on top."""
        return {**default_limits(self.config.cell_timeout), **self.config.limits}

    def _capped(self, output: str) -> str:
        """The worker caps its output; a subverted one might not."""
        limit = self.config.max_output_chars + OUTPUT_NOTICE_ROOM
        if len(output) <= limit:
            return output
        return output[:limit] + "\n[output truncated by the host]"

    def _answer_text(self, value: Any, chars: Any = None) -> str | None:
        """A FINAL answer, cut like output: a 100 MB answer would freeze whatever shows it.
        `chars` is its whole length, where the worker had already cut it."""
        if value is None:
            return None
        text, limit = str(value), self.config.max_output_chars
        total = chars if type(chars) is int and chars > len(text) else len(text)
        if total <= limit:
            return text
        return text[:limit] + f"\n[answer truncated: {total - limit:,} more characters]"

    def close(self) -> None:
        """Stop the worker (and anything it started) and remove its temporary folder."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.kill()
            proc.wait()
        if self._pipes is not None:
            self._pipes.close()
            self._pipes = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def restart(self) -> None:
        self.close()
        self.start()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- cells ---------------------------------------------------------------------------
    def run_cell(
        self,
        code: str,
        cancel: CancelToken | None = None,
        on_request: RequestHandler | None = None,
    ) -> CellResult:
        """Run one cell; `on_request` (default: the sandbox's handler) serves its sub-calls.
        Sub-call time does not count against the cell's timeout."""
        self.start()
        assert self._pipes is not None
        started = time.monotonic()
        try:
            message = self._pipes.command(
                {"type": "exec", "code": code},
                "done",
                started + self.config.cell_timeout,
                cancel,
                on_request or self.handler,
                self.subcall_seconds,
            )
            result = CellResult(
                output=self._capped(str(message.get("output", ""))),
                error=_text_or_none(message.get("error"), MAX_ERROR_CHARS),
                final=self._answer_text(message.get("final"), message.get("final_chars")),
                seconds=time.monotonic() - started,
            )
            if message.get("restart"):
                return self._restarted(result, str(message["restart"]))
            return result
        except ReadTimeout:
            return self._lost(
                f"TimeoutError: the cell ran longer than {self.config.cell_timeout:g} s "
                "and was stopped",
                started,
            )
        except ProtocolError as exc:
            return self._lost(f"WorkerCrashed: {exc}", started)
        except (OSError, wire.WireClosed, ValueError):
            return self._lost(self._death_reason(), started)
        except BaseException:
            # Cancelled, or a fatal backend error while serving a sub-call: the worker is
            # waiting for a reply it will never get, so it goes.
            self.close()
            raise

    @property
    def subcall_seconds(self) -> float:
        """The wall time the sub-calls of one cell may take together."""
        chosen = self.config.subcall_seconds
        return SUBCALL_TIMEOUTS * self.config.cell_timeout if chosen is None else chosen

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _death_reason(self) -> str:
        return death_reason(self._proc)

    def _lost(self, reason: str, started: float) -> CellResult:
        self.restart()
        note = "The REPL was restarted: all variables are gone (context is still loaded)."
        return CellResult(
            output=f"{reason}.\n{note}",
            error=reason,
            seconds=time.monotonic() - started,
            restarted=True,
        )

    def _restarted(self, result: CellResult, why: str) -> CellResult:
        self.restart()
        note = f"{why}; the REPL was restarted: all variables are gone (context is still loaded)."
        result.output = f"{result.output}\n{note}" if result.output else note
        result.restarted = True
        return result

    def get_var(
        self,
        name: str,
        cancel: CancelToken | None = None,
        on_request: RequestHandler | None = None,
    ) -> tuple[bool, str, list[str]]:
        """(found, value as text, names defined) for `FINAL_VAR(name)` written as text.

        The value's `__str__` is model code: its sub-calls are served by `on_request` (default:
        refused), and their time does not count against the timeout."""
        self.start()
        assert self._pipes is not None
        try:
            reply = self._pipes.command(
                {"type": "get_var", "name": name},
                "var",
                time.monotonic() + self.config.cell_timeout,
                cancel,
                on_request or refuse_subcalls,
                self.subcall_seconds,
            )
        except (OSError, wire.WireClosed, ValueError, ReadTimeout):
            self.restart()  # a hung or dead worker: the variable is gone with it
            return False, "", []
        except BaseException:
            self.close()  # cancelled, or a sub-call failed: the model's __str__ still runs
            raise
        defined = reply.get("defined", [])
        names = [str(x) for x in defined][:1000] if isinstance(defined, list) else []
        value = self._answer_text(reply.get("value", ""), reply.get("value_chars")) or ""
        return bool(reply.get("found")), value, names


def _text_or_none(value: Any, limit: int | None = None) -> str | None:
    return None if value is None else str(value)[:limit]


@atexit.register
def _close_all() -> None:
    for sandbox in list(_LIVE):
        sandbox.close()
