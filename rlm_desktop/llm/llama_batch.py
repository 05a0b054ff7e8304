"""Batched sub-calls for the llama.cpp backend: N requests decoded together, one llama_batch
a step, each sequence with its own sampler, grammar, stop strings, limit and early finish.

The sequences live in a context of their own over the same loaded model ("lanes"), each lane
in a KV stream of its own (`kv_unified=False`): a lane's token attends only its own cells.
A unified pool made every token of a step attend over every lane's cells (CPU attention cannot
skip the masked ones), so one 8-lane step cost 8 single steps and batching was slower than one
at a time. The lanes' memory (`pool` cells) is split into equal streams; a prompt
prefix all prompts share is evaluated once in lane 0 and copied to the other streams with
`llama_memory_seq_cp` (across streams llama.cpp copies the whole stream: lane 0 then holds
only the prefix). The conversations' context keeps one fixed-size stream per session; the
lanes never touch the sessions' cache.

`batch_plan.plan_groups` packs requests into batches whose equal streams (each as big as the batch's
biggest prompt + reply, in steps of 256 cells) fit the pool; the context is made again when a
batch needs more or bigger streams. A request bigger than the pool goes alone through the
ordinary path. The backend notes such a fallback on the
completions.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from rlm_desktop.cancel import CancelToken
from rlm_desktop.llm.base import (
    BatchDoneCallback,
    BatchTokenCallback,
    Completion,
    GenerationRequest,
    TokenCallback,
    Usage,
    indexed,
)
from rlm_desktop.llm.batch_plan import (
    Prepared,
    common_prefix,
    lane_cells,
    lane_shape,
    plan_groups,
)
from rlm_desktop.llm.llama_generate import StopScanner
from rlm_desktop.llm.llama_native import NativeContext, NativeError, NativeModel
from rlm_desktop.llm.llama_sampling import TokenSampler


@dataclass
class Lane:
    """One request's sequence in the batch and the reply it is building."""

    prepared: Prepared
    seq: int
    sampler: TokenSampler
    scanner: StopScanner
    emit: Callable[[str], None]  # streams a piece of its reply
    pos: int = 0  # next position to decode
    out: int = -1  # where its logits are in the last batch
    n: int = 0  # tokens sampled
    evaluated: int = 0  # prompt tokens evaluated for this lane
    finish: str = "length"
    stopped: bool = False  # a stop string ended it (the held-back text is not sent)
    last: int = 0  # the token to decode next
    utf8: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="replace")
    )

    def take(self, token: int, model: NativeModel, window: int) -> bool:
        """Add a sampled token; True when the reply goes on (the token must then be decoded)."""
        self.n += 1
        if model.is_eog(token):
            self.finish = "stop"
            return False
        safe, stopped = self.scanner.feed(self.utf8.decode(model.piece(token)))
        if safe:
            self.emit(safe)
        if stopped:
            self.finish, self.stopped = "stop", True
            return False
        if self.n >= self.prepared.max_tokens or self.pos >= window:
            return False
        self.last = token
        return True

    def flush(self) -> None:
        if not self.stopped:
            tail = self.scanner.feed(self.utf8.decode(b"", final=True))[0] + self.scanner.flush()
            if tail:
                self.emit(tail)


class BatchDecoder:
    """Decodes batches of prepared requests in its own context, a KV stream a lane (made at
    first use by `make_context(streams, cells)`)."""

    def __init__(
        self,
        model: NativeModel,
        make_context: Callable[[int, int], NativeContext],
        lanes: int,
        pool: int,
        window: int,
    ) -> None:
        self.model = model
        self.make_context = make_context
        self.lanes = lanes
        self.pool = pool
        self.window = window  # a reply ends at the conversations' window, as one at a time
        self.ctx: NativeContext | None = None
        self.failure: str | None = None  # why the context could not be made
        self.share_prefix = True  # evaluate a prefix all prompts share once (seq_cp)
        self.threads = (0, 0)  # (n_threads, n_threads_batch) for reading prompts; 0: as made
        # threads for the generation steps (several tokens: llama.cpp's batch count), e.g.
        # what the backend's thread tuner measured faster on this machine now; None: as made
        self.step_threads: Callable[[], int] | None = None

    def context(self, streams: int = 0, cells: int = 0) -> NativeContext | None:
        """The lanes' context, made again when the one made has too few or too small streams
        for (`streams`, `cells`); 0, 0: the pool's default shape (`lane_shape`)."""
        if not streams:
            streams, cells = lane_shape(self.lanes, self.pool)
        ctx = self.ctx
        if ctx is not None and (ctx.n_seq < streams or ctx.n_ctx_seq < cells):
            self.close()
        if self.ctx is None and self.failure is None:
            try:
                self.ctx = self.make_context(streams, cells)
            except NativeError as exc:
                self.failure = str(exc)
        return self.ctx

    def close(self) -> None:
        if self.ctx is not None:
            self.ctx.close()
            self.ctx = None

    def run(
        self,
        group: Sequence[Prepared],
        results: dict[int, Completion],
        on_token: BatchTokenCallback | None,
        on_done: BatchDoneCallback | None,
        cancel: CancelToken | None,
        note: str = "",
    ) -> None:
        """Decode `group` together; each completion goes into `results` (and to `on_done`) as
        its sequence ends. NativeError (e.g. no room) leaves the unfinished ones out."""
        ctx = self.context(len(group), max(lane_cells(p.need) for p in group))
        if ctx is None:
            raise NativeError(self.failure or "no context for the lanes")
        ctx.clear()
        started = time.perf_counter()

        def emit(index: int, piece: str) -> None:
            if on_token is not None:
                on_token(index, piece)

        lanes = [
            Lane(p, seq, p.make_sampler(), StopScanner(p.stops), partial(emit, p.index))
            for seq, p in enumerate(group)
        ]

        def finish(lane: Lane) -> None:
            p = lane.prepared
            lane.flush()
            lane.sampler.close()
            usage = Usage(
                prompt_tokens=len(p.tokens),
                prompt_evaluated=lane.evaluated,
                completion_tokens=lane.n,
                seconds=time.perf_counter() - started,
            )
            done = Completion(lane.scanner.text, usage, lane.finish, note)
            results[p.index] = done
            if on_done is not None:
                on_done(p.index, done)

        try:
            if all(self.threads):
                ctx.set_threads(*self.threads)
            prompt_done = self._prompts(ctx, lanes, cancel)
            step = self.step_threads() if self.step_threads is not None else 0
            if step > 0:
                ctx.set_threads(step, step)
            active = lanes if prompt_done else []
            for lane in lanes if not prompt_done else []:
                lane.finish = "cancelled"
                finish(lane)
            while active:
                if cancel is not None and cancel.cancelled:
                    for lane in active:
                        lane.finish = "cancelled"
                        finish(lane)
                    break
                going = []
                for lane in active:
                    token = lane.sampler.sample(ctx, lane.out)
                    if lane.take(token, self.model, self.window):
                        going.append(lane)
                    else:
                        finish(lane)
                        ctx.seq_rm(lane.seq, 0)  # its cells are free for the others
                active = going
                if active:
                    self._step(ctx, active)
        finally:
            for lane in lanes:
                lane.sampler.close()
            ctx.clear()

    def _prompts(self, ctx: NativeContext, lanes: list[Lane], cancel: CancelToken | None) -> bool:
        """Evaluate every lane's prompt (a shared prefix once); False when cancelled."""
        prompts = [lane.prepared.tokens for lane in lanes]
        shared = common_prefix(prompts) if len(lanes) > 1 and self.share_prefix else 0
        ctx.should_abort = (lambda: cancel.cancelled) if cancel is not None else None
        try:
            todo: list[tuple[int, int, int]] = [
                (t, i, 0) for i, t in enumerate(prompts[0][:shared])
            ]
            if not self._evaluate(ctx, todo):
                return False
            lanes[0].evaluated = shared
            for lane in lanes[1:]:
                ctx.seq_cp(0, lane.seq)
            todo = []
            for lane in lanes:
                tokens = lane.prepared.tokens
                todo += [(tokens[i], i, lane.seq) for i in range(shared, len(tokens) - 1)]
                lane.evaluated += len(tokens) - shared
            if not self._evaluate(ctx, todo):
                return False
            for lane in lanes:
                lane.last, lane.pos = lane.prepared.tokens[-1], len(lane.prepared.tokens) - 1
            return self._step(ctx, lanes)
        finally:
            ctx.should_abort = None

    def _evaluate(self, ctx: NativeContext, todo: list[tuple[int, int, int]]) -> bool:
        for start in range(0, len(todo), ctx.n_batch):
            chunk = todo[start : start + ctx.n_batch]
            tokens, pos, seqs = zip(*chunk, strict=True)
            if not ctx.decode_mixed(tokens, pos, seqs, [False] * len(chunk)):
                return False
        return True

    def _step(self, ctx: NativeContext, lanes: list[Lane]) -> bool:
        """Decode each lane's next token in one batch; their logits are kept."""
        ok = ctx.decode_mixed(
            [lane.last for lane in lanes],
            [lane.pos for lane in lanes],
            [lane.seq for lane in lanes],
            [True] * len(lanes),
        )
        for i, lane in enumerate(lanes):
            lane.out = i
            lane.pos += 1
        return ok


OneCall = Callable[[GenerationRequest, TokenCallback | None, CancelToken | None], Completion]


def decode_requests(
    batcher: BatchDecoder | None,
    requests: list[GenerationRequest],
    prepare: Callable[[int, GenerationRequest], Prepared],
    one: OneCall,
    on_token: BatchTokenCallback | None,
    cancel: CancelToken | None,
    on_done: BatchDoneCallback | None,
) -> list[Completion]:
    """Every request's completion, in order: batches through `batcher` where it can, else
    `one` call at a time (no batcher, a single request, no memory for the lanes, a request
    bigger than their pool), with a note on the completion saying why."""
    results: dict[int, Completion] = {}

    def one_at_a_time(indexes: Sequence[int], note: str) -> None:
        for i in indexes:
            if i in results:
                continue
            if cancel is not None and cancel.cancelled:
                done = Completion("", finish_reason="cancelled", note=note)
            else:
                sink = None if on_token is None else indexed(on_token, i)
                done = one(requests[i], sink, cancel)
                done.note = note
            results[i] = done
            if on_done is not None:
                on_done(i, done)

    if batcher is None or len(requests) < 2:
        one_at_a_time(range(len(requests)), "")
    elif batcher.context() is None:
        one_at_a_time(
            range(len(requests)),
            f"sub-calls ran one at a time: no memory to decode them together ({batcher.failure})",
        )
    else:
        _batches(
            batcher,
            [prepare(i, r) for i, r in enumerate(requests)],
            results,
            one_at_a_time,
            on_token,
            cancel,
            on_done,
        )
        one_at_a_time(range(len(requests)), "")  # what a cancel left: ends "cancelled"
    return [results[i] for i in range(len(requests))]


def _batches(
    batcher: BatchDecoder,
    prepared: list[Prepared],
    results: dict[int, Completion],
    one_at_a_time: Callable[[Sequence[int], str], None],
    on_token: BatchTokenCallback | None,
    cancel: CancelToken | None,
    on_done: BatchDoneCallback | None,
) -> None:
    groups, alone = plan_groups(prepared, batcher.lanes, batcher.pool)
    note = ""
    fits = [p for p in prepared if p not in alone]
    if len(groups) > -(-len(fits) // batcher.lanes):
        note = (
            f"decoded in {len(groups)} smaller batches: {len(fits)} lanes of up to "
            f"{max(lane_cells(p.need) for p in fits):,} tokens do not fit the "
            f"{batcher.pool:,} tokens of batch memory"
        )
    for group in groups:
        if cancel is not None and cancel.cancelled:
            return
        try:
            batcher.run(group, results, on_token, on_done, cancel, note)
        except NativeError as exc:
            why = f"batched decoding stopped ({exc}); the rest ran one at a time"
            one_at_a_time([p.index for p in group], why)
    for p in alone:
        why = (
            f"ran alone: its prompt and reply ({p.need:,} tokens) do not fit the "
            f"{batcher.pool:,} tokens of batch memory"
        )
        one_at_a_time([p.index], why)
