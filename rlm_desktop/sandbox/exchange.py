"""One command's exchange with the worker, in sequence, and the bounds on what it may send.

The host sends a command (`exec`, `get_var`) with a sequence number; the worker answers it
(`done`, `var`) with the same number, and may first send sub-call requests, numbered 1, 2, …
over its life, each answered by a reply with the request's number. Anything else (a frame out of
turn, a number that does not follow, a stray frame waiting before a command) is a
`ProtocolError`: the worker is killed rather than the protocol shifted by one. Writes and
reads both have the command's deadline (sub-call time is added to it) and notice a cancel.

Sub-calls of one command share a wall budget of their own (`subcall_seconds`); past it, further
requests are refused and the cell sees a RuntimeError.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rlm_desktop.cancel import CancelToken
from rlm_desktop.sandbox.frames import FrameReader, FrameWriter
from rlm_desktop.sandbox.messages import (
    BadRequest,
    LlmAnswers,
    LlmQuery,
    RequestLimits,
    RlmAnswer,
    SubcallFailed,
    SubcallRefused,
    SubcallReply,
    SubcallRequest,
    parse_request,
)
from rlm_desktop.sandbox.wire import WireClosed

# Serves one sub-call; raises SubcallFailed (or returns SubcallRefused) when it cannot.
RequestHandler = Callable[[SubcallRequest], SubcallReply]
NOTICE_CHARS = 16_000  # truncation notices and an error report on top of a cell's output
HEADROOM = 64 << 10
BYTES_PER_CHAR = 6  # the most JSON spends on a character: a control character as \u001b
BYTES_PER_ITEM = 64  # quotes, commas, keys: what each prompt or document adds in JSON


class ProtocolError(WireClosed):
    """The worker sent a frame out of turn or out of sequence."""


@dataclass(frozen=True)
class FrameBounds:
    max_frame: int  # bytes in one frame from the worker
    max_values: int  # JSON values in one frame


def default_request_limits(doc_count: int, doc_chars: int) -> RequestLimits:
    """The default caps, with room for an `rlm_query` on the whole context and a little more."""
    base = RequestLimits()
    return RequestLimits(
        max_prompts=base.max_prompts,
        max_documents=max(base.max_documents, doc_count),
        max_chars=max(base.max_chars, doc_chars + base.max_chars // 4),
    )


def frame_bounds(limits: RequestLimits, max_output_chars: int) -> FrameBounds:
    """The largest frame a well-behaved worker can send, and no more.

    Its largest messages are a request at `limits` and a cell's result (output and a FINAL
    answer, each at most `max_output_chars` plus notices). JSON as the worker writes it
    (UTF-8, `ensure_ascii=False`) spends at most 6 bytes on one character, so 6 bytes a
    character plus a little per item is a cap no legitimate frame reaches. With the defaults
    (4 M characters a request, 1 M of output) that is about 25 MB, where it used to be 256 MB;
    `max_values` bounds how many Python objects parsing a frame may create.
    """
    chars = max(limits.max_chars, 2 * (max_output_chars + NOTICE_CHARS))
    items = limits.max_prompts + limits.max_documents
    max_frame = BYTES_PER_CHAR * chars + BYTES_PER_ITEM * items + HEADROOM
    max_values = 2 * (2 * limits.max_prompts + 3 * limits.max_documents) + 4000
    return FrameBounds(max_frame, max_values)


def refuse_subcalls(request: SubcallRequest) -> SubcallReply:
    """The handler of a sandbox that serves no sub-calls."""
    return SubcallRefused(f"{request.kind} is not available here")


def _check_reply(request: SubcallRequest, reply: SubcallReply) -> None:
    """The engine's answer has the request's shape (a programming error otherwise)."""
    if isinstance(reply, SubcallRefused):
        return
    if isinstance(request, LlmQuery):
        ok = isinstance(reply, LlmAnswers) and len(reply.answers) == len(request.prompts)
    else:
        ok = isinstance(reply, RlmAnswer)
    if not ok:
        raise TypeError(f"the answer to {request.kind} was {type(reply).__name__}")


class Exchange:
    """The protocol state of one worker: its pipes and the next sequence numbers."""

    def __init__(
        self,
        reader: FrameReader,
        writer: FrameWriter,
        alive: Callable[[], bool],
        limits: RequestLimits,
    ) -> None:
        self.reader, self.writer, self.alive = reader, writer, alive
        self.limits = limits
        self.commands = 0
        self.requests = 0

    def close(self) -> None:
        self.reader.close()
        self.writer.close()

    def command(
        self,
        message: dict[str, Any],
        answer: str,
        deadline: float,
        cancel: CancelToken | None,
        handler: RequestHandler,
        subcall_seconds: float,
    ) -> dict[str, Any]:
        """Send `message`, serve the sub-calls it leads to, and return its `answer` frame."""
        if self.reader.pending():
            raise ProtocolError("the REPL process sent a message nobody asked for")
        self.commands += 1
        seq = self.commands
        self.writer.send({**message, "seq": seq}, deadline, cancel, self.alive)
        spent = 0.0
        while True:
            frame = self.reader.read(deadline, cancel, self.alive)
            kind = frame.get("type")
            if kind == answer and frame.get("seq") == seq:
                return frame
            if kind != "request" or frame.get("seq") != self.requests + 1:
                raise ProtocolError("the REPL process sent a message out of sequence")
            self.requests += 1
            started = time.monotonic()
            if spent >= subcall_seconds:
                reply: SubcallReply = SubcallRefused(
                    f"sub-call refused: this cell's sub-calls have used their {subcall_seconds:g} s"
                )
            else:
                reply = self._serve(frame, handler)
            took = time.monotonic() - started
            spent += took
            deadline += took  # sub-call time has its own budget, not the cell's timeout
            wire_reply = {"type": "reply", "seq": self.requests, **reply.to_wire()}
            self.writer.send(wire_reply, deadline, cancel, self.alive)

    def _serve(self, raw: dict[str, Any], handler: RequestHandler) -> SubcallReply:
        try:
            request = parse_request(raw, self.limits)
        except BadRequest as exc:
            return SubcallRefused(f"malformed sub-call request: {exc}")
        try:
            reply = handler(request)
        except SubcallFailed as exc:
            return SubcallRefused(str(exc))
        _check_reply(request, reply)
        return reply
