"""The token loop: sample, stream, stop, decode — and cancel between any two tokens.

Text is streamed as soon as it is safe: whole UTF-8 characters only, and never a piece that
might turn out to be the start of a stop string. The cache bookkeeping is exact: `decoded`
lists the generated tokens that went into the sequence's KV cache (the token that ended the
reply is sampled but not decoded).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field

from rlm_desktop.cancel import CancelToken
from rlm_desktop.llm.llama_native import NativeContext, NativeModel
from rlm_desktop.llm.llama_sampling import TokenSampler
from rlm_desktop.llm.llama_threads import ThreadTuner


@dataclass
class GenerationResult:
    text: str
    finish_reason: str  # "stop" | "length" | "cancelled"
    n_generated: int  # tokens sampled (the reply's completion tokens)
    decoded: list[int] = field(default_factory=list)


class StopScanner:
    """Finds stop strings in streamed text and holds back what could still become one."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = [s for s in stops if s]
        self.text = ""
        self.sent = 0

    def feed(self, piece: str) -> tuple[str, bool]:
        """Add text; return (text now safe to emit, stopped)."""
        start = max(0, len(self.text) - max((len(s) for s in self.stops), default=0))
        self.text += piece
        cut = min((i for s in self.stops if (i := self.text.find(s, start)) != -1), default=-1)
        if cut != -1:
            self.text = self.text[:cut]
            return self._release(len(self.text)), True
        hold = 0
        for stop in self.stops:
            for k in range(min(len(stop) - 1, len(self.text)), 0, -1):
                if self.text.endswith(stop[:k]):
                    hold = max(hold, k)
                    break
        return self._release(len(self.text) - hold), False

    def flush(self) -> str:
        return self._release(len(self.text))

    def _release(self, upto: int) -> str:
        out = self.text[self.sent : upto] if upto > self.sent else ""
        self.sent = max(self.sent, upto)
        return out


def generate(
    model: NativeModel,
    ctx: NativeContext,
    sampler: TokenSampler,
    seq: int,
    pos: int,
    max_tokens: int,
    stops: list[str],
    on_token: Callable[[str], None] | None,
    cancel: CancelToken | None,
    tuner: ThreadTuner | None = None,
) -> GenerationResult:
    """Generate after a prompt whose last token was just decoded at position `pos - 1`."""
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
    scanner = StopScanner(stops)
    decoded: list[int] = []
    finish = "length"
    stopped = False
    n = 0
    if tuner is not None:
        tuner.begin()
    while n < max_tokens:
        if cancel is not None and cancel.cancelled:
            finish = "cancelled"
            break
        token = sampler.sample(ctx)
        n += 1
        if model.is_eog(token):
            finish = "stop"
            break
        safe, stopped = scanner.feed(utf8.decode(model.piece(token)))
        if safe and on_token is not None:
            on_token(safe)
        if stopped:
            finish = "stop"
            break
        if n >= max_tokens or pos >= ctx.n_ctx_seq:  # "length": the reply or the window is full
            break
        ctx.decode_one(token, pos, seq)
        decoded.append(token)
        pos += 1
        if tuner is not None:
            tuner.tick()
    if tuner is not None:
        tuner.end()
    if not stopped:
        tail = scanner.feed(utf8.decode(b"", final=True))[0] + scanner.flush()
        if tail and on_token is not None:
            on_token(tail)
    return GenerationResult(scanner.text, finish, n, decoded)
