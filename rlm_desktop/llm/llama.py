"""The in-process llama.cpp backend: a local GGUF model behind the `Backend` interface.

Cache design — one loaded model, one llama_context with one sequence per live session
("d0", "d1", "d2", "leaf"; `n_slots`, default 4), each sequence in its own KV stream
(`kv_unified=False`). Chosen by measurement on the dev machine (SmolLM2-135M, 2 cores):
- One `Llama` shared by every session re-evaluates the root's whole prompt after each sub-call
  (45 s against 0.4 s for 6.4k tokens). Separate sequences never evict one another.
- A unified KV buffer makes every decode attend over all sessions' cells: with 3,000 tokens of
  another session cached, generation dropped from 118 to 98 tok/s. Separate streams: 140 vs
  137 tok/s (unaffected).
- Several contexts over one model cost the same memory (+365 MB for 4 × 4k tokens either way)
  but a compute buffer each; whole-state save/load costs 0.6–1.4 s for an 8k context.
- Per-sequence state copies (`llama_state_seq_get/set_data`) move only one sequence's cells:
  a 600-token system prompt is ~13 MB and ~10 ms, against ~3 s to evaluate it. They carry the
  evaluated system prompt to every child RLM (see llama_sessions.py).
Batched sub-calls (`complete_batch`, `llm_query_batched`) are decoded together in a second
context over the same model, a KV stream a lane (llama_batch.py).
Within a session each call tokenizes the whole formatted conversation and evaluates only the
tokens after the longest prefix the cache already holds.

Threads: llama.cpp contexts are not thread-safe. The first thread that calls `complete()` or
`end_session()` owns the backend (loading may happen elsewhere, e.g. on a loader thread); a
call from any other thread raises `ThreadOwnershipError` instead of racing. `count_tokens` only
reads the immutable vocabulary and may be called from any thread; `close()` too, unless a
call is in progress.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rlm_desktop.cancel import CancelToken
from rlm_desktop.llm.base import (
    BackendError,
    BackendInfo,
    BatchDoneCallback,
    BatchTokenCallback,
    Completion,
    GenerationRequest,
    TokenCallback,
    Usage,
)
from rlm_desktop.llm.batch_plan import Prepared
from rlm_desktop.llm.gguf_info import GGUFError, GGUFInfo, read_gguf_info
from rlm_desktop.llm.llama_batch import BatchDecoder, decode_requests
from rlm_desktop.llm.llama_chat import ChatFormat, FormattedPrompt
from rlm_desktop.llm.llama_generate import GenerationResult, generate
from rlm_desktop.llm.llama_load import (
    LoadOptions,
    LoadPlan,
    Machine,
    cpu_fallback,
    plan_load,
)
from rlm_desktop.llm.llama_native import NativeContext, NativeError, NativeModel, init_backend
from rlm_desktop.llm.llama_sampling import GrammarError, SamplingParams, TokenSampler
from rlm_desktop.llm.llama_sessions import SessionTable, Slot
from rlm_desktop.llm.llama_threads import ThreadTuner

N_BATCH = 512
ModelLoader = Callable[[Path, int], NativeModel]


class ThreadOwnershipError(BackendError):
    """A model call came from a thread other than the one that owns the backend."""


class LlamaBackend:
    def __init__(
        self,
        info: GGUFInfo,
        plan: LoadPlan,
        model: NativeModel,
        ctx: NativeContext,
        chat: ChatFormat,
        seed: int = 0,
    ) -> None:
        self.gguf = info
        self.plan = plan
        self.model = model
        self.ctx = ctx
        self.chat = chat
        self.seed = seed
        # Host memory for saved sequence states: about one more window's KV cache.
        budget = max(32 << 20, min(1 << 30, info.kv_cache_bytes(plan.n_ctx)))
        self.sessions = SessionTable(ctx, plan.n_slots, budget_bytes=budget)
        notes = [*plan.notes, *chat.notes]
        if not chat.uses_template:
            notes.append("no chat template in the model: using the plain '### User' format")
        self.info = BackendInfo(
            name="llama.cpp",
            model=info.path.name,
            context_window=ctx.n_ctx_seq,
            n_params=info.n_params,
            device=plan.device,
            gpu_layers=plan.gpu_layers,
            notes=notes,
        )
        self.tuner: ThreadTuner | None = None
        if plan.tune_threads:
            batch = plan.n_threads_batch
            self.tuner = ThreadTuner(
                lambda n: ctx.set_threads(n, batch), (plan.n_threads, plan.n_threads - 1)
            )
        self.batcher: BatchDecoder | None = None
        if plan.parallel > 1 and plan.batch_ctx > 0:
            self.batcher = BatchDecoder(
                model, self._batch_context, plan.parallel, plan.batch_ctx, ctx.n_ctx_seq
            )
            self.batcher.threads = (plan.n_threads, plan.n_threads_batch)
            if self.tuner is not None:  # generation steps: the count the tuner found faster
                self.batcher.step_threads = lambda: self.tuner.best if self.tuner else 0
        self.info.parallel = plan.parallel if self.batcher is not None else 1
        self._owner: int | None = None
        self._busy = threading.Lock()
        self._system_tokens: dict[str, list[int]] = {}
        self._bos = model.bos_eos_text()[0]

    # --- loading -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, machine: Machine, **options: object) -> LlamaBackend:
        """Load the GGUF file `path` on `machine` with the user's `options` (validated)."""
        return cls.load(path, LoadOptions.from_dict(options), machine)

    @classmethod
    def load(
        cls,
        path: Path,
        options: LoadOptions,
        machine: Machine,
        loader: ModelLoader = NativeModel,
    ) -> LlamaBackend:
        try:
            info = read_gguf_info(path)
        except GGUFError as exc:
            raise BackendError(f"cannot load the model: {exc}") from None
        try:
            kernels = init_backend()  # idempotent; the caller ran it before detecting `machine`
        except NativeError as exc:
            raise BackendError(str(exc)) from None
        plan = plan_load(info, machine, options)
        model, ctx, plan = _load_native(path, info, plan, machine, options, loader)
        template = info.chat_template if options.chat_template is None else options.chat_template
        bos, eos = model.bos_eos_text()
        backend = cls(info, plan, model, ctx, ChatFormat(template or None, bos, eos), options.seed)
        backend.info.notes.extend(kernels.notes)
        if kernels.cpu_variant:
            backend.info.notes.append(f"CPU kernels: {kernels.cpu_variant}")
        return backend

    # --- the Backend interface -------------------------------------------------------------
    def complete(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Completion:
        self._claim_thread()
        if not self._busy.acquire(blocking=False):
            raise BackendError("the model is already generating (a call from inside a callback?)")
        try:
            return self._complete(request, on_token, cancel)
        except (NativeError, GrammarError) as exc:
            raise BackendError(f"llama.cpp: {exc}") from None
        finally:
            self._busy.release()

    def complete_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_token: BatchTokenCallback | None = None,
        cancel: CancelToken | None = None,
        on_done: BatchDoneCallback | None = None,
    ) -> list[Completion]:
        """The requests decoded together (llama_batch.py), in batches that fit the lanes and
        their memory; what cannot be batched goes one at a time, with a note saying why."""
        self._claim_thread()
        if not self._busy.acquire(blocking=False):
            raise BackendError("the model is already generating (a call from inside a callback?)")
        try:
            return decode_requests(
                self.batcher,
                list(requests),
                self._prepare,
                self._complete,
                on_token,
                cancel,
                on_done,
            )
        except (NativeError, GrammarError) as exc:
            raise BackendError(f"llama.cpp: {exc}") from None
        finally:
            self._busy.release()

    def count_tokens(self, text: str) -> int:
        self._check_open()
        return len(self.model.tokenize(text, add_special=False, parse_special=False))

    def end_session(self, session: str) -> None:
        self._claim_thread()
        self.sessions.end(session)

    def close(self) -> None:
        if self.model.ptr is None:
            return
        if not self._busy.acquire(blocking=False):
            raise BackendError("cannot close the model while it is generating; cancel first")
        try:
            if self.batcher is not None:
                self.batcher.close()
            self.ctx.close()
            self.model.close()
        finally:
            self._busy.release()

    # --- internals -----------------------------------------------------------------------
    def _check_open(self) -> None:
        if self.model.ptr is None:
            raise BackendError("the model has been closed")

    def _claim_thread(self) -> None:
        self._check_open()
        me = threading.get_ident()
        if self._owner is None:
            self._owner = me
        elif self._owner != me:
            raise ThreadOwnershipError(
                f"the llama.cpp model belongs to thread {self._owner} and was called from "
                f"thread {me}: run every model call on the engine thread"
            )

    def _tokenize(self, text: str) -> list[int]:
        add_bos = self.model.add_bos and not (self._bos and text.startswith(self._bos))
        return self.model.tokenize(text, add_special=add_bos, parse_special=True)

    def _system_boundary(self, prompt: FormattedPrompt, tokens: list[int]) -> int | None:
        if prompt.system_end is None:
            return None
        head = prompt.text[: prompt.system_end]
        sys_tokens = self._system_tokens.get(head)
        if sys_tokens is None:
            sys_tokens = self._tokenize(head)
            if len(self._system_tokens) >= 16:
                self._system_tokens.pop(next(iter(self._system_tokens)))
            self._system_tokens[head] = sys_tokens
        n = len(sys_tokens)
        return n if 0 < n < len(tokens) and tokens[:n] == sys_tokens else None

    def _batch_context(self, streams: int, cells: int) -> NativeContext:
        plan = self.plan
        n_batch = min(N_BATCH, plan.batch_ctx)
        return NativeContext(
            self.model,
            cells,
            streams,
            n_batch,
            plan.n_threads,
            plan.n_threads_batch,
            plan.flash_attn,
        )

    def _prepare(self, index: int, request: GenerationRequest) -> Prepared:
        prompt = self.chat.format(request.messages)
        tokens = self._tokenize(prompt.text)
        window = self.ctx.n_ctx_seq
        if len(tokens) >= window:
            raise BackendError(
                f"the prompt has {len(tokens)} tokens but the model's window is {window}"
            )
        params = SamplingParams(temperature=request.temperature, seed=self.seed)
        return Prepared(
            index,
            tokens,
            request.max_tokens,
            [*request.stop, *prompt.stops],
            lambda: TokenSampler(self.model, params, request.grammar),
        )

    def _complete(
        self, request: GenerationRequest, on_token: TokenCallback | None, cancel: CancelToken | None
    ) -> Completion:
        started = time.perf_counter()
        prompt = self.chat.format(request.messages)
        tokens = self._tokenize(prompt.text)
        window = self.ctx.n_ctx_seq
        if len(tokens) >= window:
            raise BackendError(
                f"the prompt has {len(tokens)} tokens but the model's window is {window}"
            )
        slot = self.sessions.slot_for(request.session, tokens)
        reused = self.sessions.prepare(slot, tokens)
        self.ctx.should_abort = (lambda: cancel.cancelled) if cancel is not None else None
        try:
            boundary = self._system_boundary(prompt, tokens)
            head = tokens[:boundary] if boundary and reused < boundary else None
            complete = True
            if head and not self.sessions.has_prefix(head):
                complete = self._evaluate(slot, head)  # then save the system prompt's state
                if complete:
                    self.sessions.remember_prefix(slot)
            complete = complete and self._evaluate(slot, tokens)
        finally:
            self.ctx.should_abort = None
        usage = Usage(prompt_tokens=len(tokens), prompt_evaluated=len(slot.tokens) - reused)
        if not complete or (cancel is not None and cancel.cancelled):
            usage.seconds = time.perf_counter() - started
            return Completion(text="", usage=usage, finish_reason="cancelled")
        result = self._generate(request, slot.seq, len(tokens), prompt.stops, on_token, cancel)
        slot.tokens.extend(result.decoded)
        usage.completion_tokens = result.n_generated
        usage.seconds = time.perf_counter() - started
        return Completion(text=result.text, usage=usage, finish_reason=result.finish_reason)

    def _evaluate(self, slot: Slot, target: list[int]) -> bool:
        """Extend the slot's cache to `target` (which it is a prefix of); False if cancelled."""
        todo = target[len(slot.tokens) :]
        done = self.ctx.decode(todo, len(slot.tokens), slot.seq) if todo else 0
        slot.tokens.extend(todo[:done])
        return done == len(todo)

    def _generate(
        self,
        request: GenerationRequest,
        seq: int,
        pos: int,
        stops: tuple[str, ...],
        on_token: TokenCallback | None,
        cancel: CancelToken | None,
    ) -> GenerationResult:
        params = SamplingParams(temperature=request.temperature, seed=self.seed)
        sampler = TokenSampler(self.model, params, request.grammar)
        try:
            return generate(
                self.model,
                self.ctx,
                sampler,
                seq,
                pos,
                request.max_tokens,
                [*request.stop, *stops],
                on_token,
                cancel,
                self.tuner,
            )
        finally:
            sampler.close()


def _load_native(
    path: Path,
    info: GGUFInfo,
    plan: LoadPlan,
    machine: Machine,
    options: LoadOptions,
    loader: ModelLoader,
) -> tuple[NativeModel, NativeContext, LoadPlan]:
    """Load weights and create the context; on a GPU failure, again on the CPU with a note."""
    try:
        return _load_with(path, plan, loader)
    except NativeError as exc:
        if plan.gpu_layers == 0:
            raise BackendError(f"llama.cpp could not load {path.name}: {exc}") from None
        plan = cpu_fallback(plan, info, machine, options, str(exc))
    try:
        return _load_with(path, plan, loader)
    except NativeError as exc:
        raise BackendError(f"llama.cpp could not load {path.name}: {exc}") from None


def _load_with(
    path: Path, plan: LoadPlan, loader: ModelLoader
) -> tuple[NativeModel, NativeContext, LoadPlan]:
    model = loader(path, plan.gpu_layers)
    try:
        ctx = NativeContext(
            model,
            plan.n_ctx,
            plan.n_slots,
            min(N_BATCH, plan.n_ctx),
            plan.n_threads,
            plan.n_threads_batch,
            plan.flash_attn,
        )
    except NativeError:
        model.close()
        raise
    return model, ctx, plan
