"""Thin typed wrappers over llama.cpp's C API (`llama_cpp.llama_cpp`, ctypes): model, context.

`NativeModel` owns one loaded `llama_model` (weights, vocabulary, tokenizer); `NativeContext`
owns one `llama_context` with several sequences (one KV stream each). Nothing here knows about
sessions, chat or the engine. llama.cpp's log lines go to Python logging (`rlm_desktop.llama`),
so a failed load can report llama.cpp's own reason in one line instead of printing to stderr.
"""

from __future__ import annotations

import ctypes
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import llama_cpp.llama_cpp as C

from rlm_desktop.llm.cpu_backends import BackendReport, load_backends

NATIVE_LOG = logging.getLogger("rlm_desktop.llama")
NATIVE_LOG.addHandler(logging.NullHandler())  # a library: never print through logging's last resort
# ggml's log levels (ggml.h): 1 debug, 2 info, 3 warn, 4 error, 5 continuation of the last line.
_LEVELS = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_FUNC_PREFIX = re.compile(r"^[A-Za-z_][\w:]*: ")


def _log_to_python(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
    message = text.decode("utf-8", errors="replace").rstrip()
    if message:
        NATIVE_LOG.log(_LEVELS.get(level, logging.DEBUG), "%s", message)


_route_log = C.llama_log_callback(_log_to_python)  # kept referenced: llama.cpp calls it


class NativeError(RuntimeError):
    """llama.cpp refused something (load, context, decode); the message is one line."""


class ErrorCapture(logging.Handler):
    """Collects llama.cpp's error lines while a `with` block runs (for one-line reasons)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def __enter__(self) -> ErrorCapture:
        NATIVE_LOG.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        NATIVE_LOG.removeHandler(self)

    def reason(self, default: str) -> str:
        """The most specific line (llama.cpp logs the cause first, then "failed to …")."""
        if not self.lines:
            return default
        line = self.lines[0].rsplit("error loading model: ", 1)[-1]
        line = "".join(c if c.isprintable() else " " for c in line)
        return " ".join(_FUNC_PREFIX.sub("", line.strip(), count=1).split()) or default


def init_backend() -> BackendReport:
    """Route llama.cpp's logging to Python, load the best CPU variant (and GPU modules) of a
    portable build, and initialise llama.cpp (idempotent). Says what was loaded."""
    C.llama_log_set(_route_log, ctypes.c_void_p(0))
    try:
        report = load_backends()
    except RuntimeError as exc:
        raise NativeError(str(exc)) from None
    C.llama_backend_init()
    return report


def supports_gpu_offload() -> bool:
    return bool(C.llama_supports_gpu_offload())


class NativeModel:
    """One loaded model file: weights and vocabulary."""

    def __init__(self, path: Path, n_gpu_layers: int, use_mmap: bool = True) -> None:
        params = C.llama_model_default_params()
        params.n_gpu_layers = n_gpu_layers
        params.use_mmap = use_mmap
        with ErrorCapture() as errors:
            model = C.llama_model_load_from_file(str(path).encode("utf-8"), params)
        if not model:
            raise NativeError(errors.reason("llama.cpp could not load the model"))
        self.ptr = model
        self.vocab = C.llama_model_get_vocab(model)
        self.n_vocab = int(C.llama_vocab_n_tokens(self.vocab))
        self.n_layer = int(C.llama_model_n_layer(model))
        self.n_ctx_train = int(C.llama_model_n_ctx_train(model))
        self.add_bos = bool(C.llama_vocab_get_add_bos(self.vocab))
        self.recurrent = bool(C.llama_model_is_recurrent(model) or C.llama_model_is_hybrid(model))
        self._piece_buf = ctypes.create_string_buffer(256)

    def tokenize(self, text: str, add_special: bool, parse_special: bool = True) -> list[int]:
        raw = text.encode("utf-8")
        capacity = len(raw) + 8
        out = (C.llama_token * capacity)()
        n = C.llama_tokenize(self.vocab, raw, len(raw), out, capacity, add_special, parse_special)
        if n < 0:  # cannot happen with one slot a byte, but stay safe
            out = (C.llama_token * -n)()
            n = C.llama_tokenize(self.vocab, raw, len(raw), out, -n, add_special, parse_special)
        return list(out[:n])

    def piece(self, token: int) -> bytes:
        n = C.llama_token_to_piece(self.vocab, token, self._piece_buf, 256, 0, False)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = C.llama_token_to_piece(self.vocab, token, buf, -n, 0, False)
            return buf.raw[:n]
        return self._piece_buf.raw[:n]

    def is_eog(self, token: int) -> bool:
        return bool(C.llama_vocab_is_eog(self.vocab, token))

    def token_text(self, token: int) -> str:
        if token < 0 or token >= self.n_vocab:
            return ""
        raw = C.llama_vocab_get_text(self.vocab, token)
        return raw.decode("utf-8", errors="replace") if raw else ""

    def bos_eos_text(self) -> tuple[str, str]:
        return (
            self.token_text(C.llama_vocab_bos(self.vocab)),
            self.token_text(C.llama_vocab_eos(self.vocab)),
        )

    def close(self) -> None:
        if self.ptr:
            C.llama_model_free(self.ptr)
            self.ptr = None


class NativeContext:
    """One llama_context with `n_seq` sequences of `n_ctx_seq` tokens each (separate KV streams),
    or, `unified`, `n_seq` sequences sharing one pool of `n_ctx_seq` cells (batched sub-calls:
    a copied prefix is shared, not duplicated).

    `decode` evaluates tokens into one sequence; only the last token's logits are kept.
    `decode_mixed` evaluates tokens of several sequences in one batch (llama_batch).
    A multi-token decode can be aborted between graph nodes through `should_abort` (CPU).
    """

    def __init__(
        self,
        model: NativeModel,
        n_ctx_seq: int,
        n_seq: int,
        n_batch: int,
        n_threads: int,
        n_threads_batch: int,
        flash_attn: int,
        unified: bool = False,
    ) -> None:
        params = C.llama_context_default_params()
        params.n_ctx = n_ctx_seq if unified else n_ctx_seq * n_seq
        params.n_batch = n_batch
        params.n_ubatch = n_batch
        params.n_seq_max = n_seq
        params.kv_unified = unified  # else a stream per sequence: each attends only its own
        params.swa_full = True  # sliding-window models: keep what a rewind needs
        params.n_threads = n_threads
        params.n_threads_batch = n_threads_batch
        params.flash_attn_type = flash_attn
        with ErrorCapture() as errors:
            ctx = C.llama_init_from_model(model.ptr, params)
        if not ctx:
            raise NativeError(errors.reason("llama.cpp could not create a context"))
        self.ptr = ctx
        self.model = model
        self.memory = C.llama_get_memory(ctx)
        self.n_seq = n_seq
        self.n_ctx_seq = int(C.llama_n_ctx_seq(ctx))
        self.n_batch = n_batch
        self._batch = C.llama_batch_init(n_batch, 0, 1)
        self.should_abort: Callable[[], bool] | None = None
        self._abort_cb = C.ggml_abort_callback(self._abort)
        self._no_abort = C.ggml_abort_callback()

    def _abort(self, _data: ctypes.c_void_p) -> bool:
        return bool(self.should_abort and self.should_abort())

    def set_threads(self, n_threads: int, n_threads_batch: int) -> None:
        C.llama_set_n_threads(self.ptr, n_threads, n_threads_batch)

    def decode(self, tokens: Sequence[int], pos0: int, seq: int) -> int:
        """Evaluate `tokens` at positions pos0… of `seq`. Returns how many were evaluated:
        fewer than asked only when `should_abort` stopped it (the rest is not in the cache)."""
        done = 0
        batch = self._batch
        abortable = len(tokens) > 1 and self.should_abort is not None
        if abortable:
            C.llama_set_abort_callback(self.ptr, self._abort_cb, None)
        try:
            while done < len(tokens):
                chunk = tokens[done : done + self.n_batch]
                batch.n_tokens = len(chunk)
                for i, token in enumerate(chunk):
                    batch.token[i] = token
                    batch.pos[i] = pos0 + done + i
                    batch.n_seq_id[i] = 1
                    batch.seq_id[i][0] = seq
                    batch.logits[i] = 0
                batch.logits[len(chunk) - 1] = 1
                rc = C.llama_decode(self.ptr, batch)
                if rc == 2:  # aborted: drop whatever part of this chunk got in
                    self.seq_rm(seq, pos0 + done)
                    return done
                if rc != 0:
                    self.seq_rm(seq, pos0 + done)
                    raise NativeError(_decode_error(rc))
                done += len(chunk)
        finally:
            if abortable:
                C.llama_set_abort_callback(self.ptr, self._no_abort, None)
        return done

    def decode_mixed(
        self, tokens: Sequence[int], pos: Sequence[int], seqs: Sequence[int], logits: Sequence[bool]
    ) -> bool:
        """Evaluate tokens of several sequences in one llama_batch (at most `n_batch`); token
        i goes to `seqs[i]` at `pos[i]`, and its logits are kept when `logits[i]` (read them
        with `logits_ptr(i)`, i its place in this batch). False when `should_abort`
        stopped it; NativeError when llama.cpp refused (1: no room in the memory)."""
        batch = self._batch
        batch.n_tokens = len(tokens)
        for i, token in enumerate(tokens):
            batch.token[i] = token
            batch.pos[i] = pos[i]
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seqs[i]
            batch.logits[i] = 1 if logits[i] else 0
        abortable = len(tokens) > 1 and self.should_abort is not None
        if abortable:
            C.llama_set_abort_callback(self.ptr, self._abort_cb, None)
        try:
            rc = C.llama_decode(self.ptr, batch)
        finally:
            if abortable:
                C.llama_set_abort_callback(self.ptr, self._no_abort, None)
        if rc == 2:
            return False
        if rc != 0:
            raise NativeError(_decode_error(rc))
        return True

    def seq_cp(self, src: int, dst: int) -> None:
        """Give `dst` every cell of `src` (a unified pool shares them, copying nothing)."""
        C.llama_memory_seq_cp(self.memory, src, dst, -1, -1)

    def clear(self) -> None:
        C.llama_memory_clear(self.memory, True)

    def decode_one(self, token: int, pos: int, seq: int) -> None:
        batch = self._batch
        batch.n_tokens = 1
        batch.token[0] = token
        batch.pos[0] = pos
        batch.n_seq_id[0] = 1
        batch.seq_id[0][0] = seq
        batch.logits[0] = 1
        rc = C.llama_decode(self.ptr, batch)
        if rc != 0:
            raise NativeError(_decode_error(rc))

    def seq_rm(self, seq: int, start: int) -> bool:
        """Forget positions start… of `seq`; False when the memory cannot cut there."""
        return bool(C.llama_memory_seq_rm(self.memory, seq, start, -1))

    def seq_clear(self, seq: int) -> None:
        C.llama_memory_seq_rm(self.memory, seq, -1, -1)

    def seq_save(self, seq: int) -> bytes:
        size = C.llama_state_seq_get_size(self.ptr, seq)
        buf = (ctypes.c_uint8 * size)()
        n = C.llama_state_seq_get_data(self.ptr, buf, size, seq)
        # one copy; slicing the ctypes array (`buf[:n]`) built a list of n ints while holding
        # the GIL, which stalled the window ~190 ms for a 135M model's system prompt
        return bytes(memoryview(buf)[:n]) if n else b""

    def seq_restore(self, seq: int, data: bytes) -> bool:
        self.seq_clear(seq)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        ok = bool(C.llama_state_seq_set_data(self.ptr, buf, len(data), seq) > 0)
        if not ok:
            self.seq_clear(seq)
        return ok

    def logits_ptr(self, index: int = -1) -> ctypes._Pointer[ctypes.c_float]:
        logits: ctypes._Pointer[ctypes.c_float] = C.llama_get_logits_ith(self.ptr, index)
        return logits

    def close(self) -> None:
        if self.ptr:
            C.llama_batch_free(self._batch)
            C.llama_free(self.ptr)
            self.ptr = None


def _decode_error(rc: int) -> str:
    if rc == 1:
        return "the model's memory is full (no room for these tokens)"
    return f"llama.cpp could not evaluate the prompt (llama_decode returned {rc})"
