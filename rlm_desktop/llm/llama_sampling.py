"""Choosing the next token: greedy or temperature sampling, optionally under a GBNF grammar.

The grammar is checked lazily, as llama.cpp's own `common_sampler` does: the token the plain
sampler picks is tested against the grammar alone, and only when the grammar rejects it are
all candidates filtered. Measured on the demo model, a chain that runs the grammar over the
whole 49k-token vocabulary every step generated about 35% slower; the lazy check costs a few
per cent because the model's own choice is almost always allowed.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import llama_cpp.llama_cpp as C
import numpy as np

from rlm_desktop.llm.llama_native import ErrorCapture, NativeContext, NativeModel

_CANDIDATE = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])


class GrammarError(ValueError):
    """The GBNF text does not parse (the message is llama.cpp's reason)."""


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.0
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    seed: int = 0


def grammar_sampler(model: NativeModel, gbnf: str) -> ctypes.c_void_p:
    """A llama.cpp grammar sampler for `gbnf` (root rule `root`); GrammarError if it is bad."""
    with ErrorCapture() as errors:
        ptr: ctypes.c_void_p = C.llama_sampler_init_grammar(
            model.vocab, gbnf.encode("utf-8"), b"root"
        )
    if not ptr:
        raise GrammarError(errors.reason("the grammar does not parse"))
    return ptr


class TokenSampler:
    """One request's sampler. `sample(ctx)` picks from the last decoded token's logits."""

    def __init__(self, model: NativeModel, params: SamplingParams, gbnf: str | None) -> None:
        self.model = model
        self.chain = C.llama_sampler_chain_init(C.llama_sampler_chain_default_params())
        self.grammar = grammar_sampler(model, gbnf) if gbnf else None
        add = C.llama_sampler_chain_add
        if params.temperature <= 0:
            add(self.chain, C.llama_sampler_init_greedy())
        else:
            add(self.chain, C.llama_sampler_init_top_k(params.top_k))
            add(self.chain, C.llama_sampler_init_top_p(params.top_p, 1))
            add(self.chain, C.llama_sampler_init_min_p(params.min_p, 1))
            add(self.chain, C.llama_sampler_init_temp(params.temperature))
            add(self.chain, C.llama_sampler_init_dist(params.seed))
        self._one = C.llama_token_data()
        self._one_array = C.llama_token_data_array(ctypes.pointer(self._one), 1, -1, False)
        self._all: np.ndarray | None = None
        self.grammar_rejections = 0

    def sample(self, ctx: NativeContext, index: int = -1) -> int:
        """The next token from the logits of output `index` of the last decode (-1: its last)."""
        token = int(C.llama_sampler_sample(self.chain, ctx.ptr, index))  # also accepts it
        if self.grammar is None:
            return token
        if not self._allowed(token):
            self.grammar_rejections += 1
            token = self._constrained(ctx, index)
        C.llama_sampler_accept(self.grammar, token)
        return token

    def _allowed(self, token: int) -> bool:
        self._one.id, self._one.logit, self._one.p = C.llama_token(token), 1.0, 0.0
        self._one_array.size, self._one_array.selected = 1, -1
        C.llama_sampler_apply(self.grammar, ctypes.byref(self._one_array))
        return bool(np.isfinite(self._one.logit))

    def _constrained(self, ctx: NativeContext, index: int) -> int:
        n = self.model.n_vocab
        if self._all is None:
            self._all = np.zeros(n, dtype=_CANDIDATE)
            self._all["id"] = np.arange(n, dtype=np.int32)
        cand = self._all
        cand["logit"] = np.ctypeslib.as_array(ctx.logits_ptr(index), shape=(n,))
        cand["p"] = 0.0
        data = cand.ctypes.data_as(ctypes.POINTER(C.llama_token_data))
        array = C.llama_token_data_array(data, n, -1, False)
        C.llama_sampler_apply(self.grammar, ctypes.byref(array))
        C.llama_sampler_apply(self.chain, ctypes.byref(array))
        if array.selected < 0 or array.selected >= array.size:
            raise GrammarError("no token satisfies the grammar here")
        token = int(array.data[array.selected].id)  # samplers may reorder the array
        C.llama_sampler_accept(self.chain, token)
        return token

    def close(self) -> None:
        if self.chain:
            C.llama_sampler_free(self.chain)
            self.chain = None
        if self.grammar:
            C.llama_sampler_free(self.grammar)
            self.grammar = None
