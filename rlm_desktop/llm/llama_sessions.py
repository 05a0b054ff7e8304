"""Which KV sequence holds which conversation, and reuse of evaluated prefixes between them.

Each session ("d0", "d1", "leaf", …) gets a slot: one sequence of the shared context, with the
list of tokens its KV cache holds (position i holds `tokens[i]`). Before a call, `prepare`
cuts the slot's cache back to the longest prefix it shares with the new prompt, so an
append-only conversation evaluates only its new tokens.

Two host-side stores of per-sequence state (`llama_state_seq_*`, a copy of just that
sequence's cells: ~13 MB and ~10 ms for a 600-token prefix of the demo model) add reuse:
- prefixes: the evaluated system prompt of each conversation, so a child RLM that starts with
  the same system prompt restores it instead of evaluating it;
- parked: a live session's whole state when its slot had to be given to another session
  (only when more sessions are live than there are slots).
A finished session frees its slot but keeps the cache, so the next child can reuse it too.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rlm_desktop.llm.llama_native import NativeContext


@dataclass
class Slot:
    seq: int
    tokens: list[int] = field(default_factory=list)
    session: str | None = None  # None: free (its cache is kept for reuse)
    used: int = 0  # logical clock of the last use


@dataclass(frozen=True)
class SavedState:
    tokens: tuple[int, ...]
    data: bytes


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    if list(a[:n]) == list(b[:n]):
        return n
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class SessionTable:
    def __init__(self, ctx: NativeContext, n_slots: int, budget_bytes: int) -> None:
        self.ctx = ctx
        self.slots = [Slot(seq=i) for i in range(n_slots)]
        self.budget_bytes = budget_bytes  # for prefixes and parked states together
        self.prefixes: OrderedDict[tuple[int, ...], SavedState] = OrderedDict()
        self.parked: dict[str, SavedState] = {}
        self._clock = 0

    # --- slots ---------------------------------------------------------------------------
    def slot_for(self, session: str, prompt: Sequence[int]) -> Slot:
        self._clock += 1
        slot = next((s for s in self.slots if s.session == session), None)
        if slot is None:
            free = [s for s in self.slots if s.session is None]
            if free:
                slot = max(free, key=lambda s: (common_prefix(s.tokens, prompt), -s.used))
            else:
                slot = self._evict()
            slot.session = session
        slot.used = self._clock
        return slot

    def _evict(self) -> Slot:
        slot = min(self.slots, key=lambda s: s.used)
        if slot.session is not None and slot.tokens:
            data = self.ctx.seq_save(slot.seq)
            if data and len(data) <= self.budget_bytes:
                self.parked[slot.session] = SavedState(tuple(slot.tokens), data)
                self._trim()
        self.ctx.seq_clear(slot.seq)
        slot.tokens.clear()
        return slot

    def end(self, session: str) -> None:
        self.parked.pop(session, None)
        for slot in self.slots:
            if slot.session == session:
                slot.session = None

    def clear(self) -> None:
        self.prefixes.clear()
        self.parked.clear()
        for slot in self.slots:
            self.ctx.seq_clear(slot.seq)
            slot.tokens.clear()
            slot.session = None

    # --- reuse ---------------------------------------------------------------------------
    def prepare(self, slot: Slot, prompt: Sequence[int]) -> int:
        """Cut the slot's cache to the longest reusable prefix of `prompt`; return its length.
        The last prompt token is always evaluated again: its logits start the reply."""
        limit = max(0, len(prompt) - 1)
        keep = min(common_prefix(slot.tokens, prompt), limit)
        best: SavedState | None = None
        parked = self.parked.get(slot.session or "")
        for saved in ([parked] if parked else []) + list(self.prefixes.values()):
            n = min(common_prefix(saved.tokens, prompt), limit)
            if n > keep:
                best, keep = saved, n
        if best is not None:
            if self.ctx.seq_restore(slot.seq, best.data):
                slot.tokens = list(best.tokens)
                if best is parked:
                    del self.parked[slot.session or ""]
                elif best.tokens in self.prefixes:
                    self.prefixes.move_to_end(best.tokens)
            else:
                slot.tokens.clear()
                keep = 0
        if keep < len(slot.tokens) and not self.ctx.seq_rm(slot.seq, keep):
            self.ctx.seq_clear(slot.seq)  # e.g. a recurrent model: start this sequence over
            keep = 0
        del slot.tokens[keep:]
        return keep

    def has_prefix(self, tokens: Sequence[int]) -> bool:
        return tuple(tokens) in self.prefixes

    def remember_prefix(self, slot: Slot) -> None:
        """Save the slot's whole current state as a reusable prefix (call it when the slot
        holds exactly a system prompt)."""
        key = tuple(slot.tokens)
        if not key or key in self.prefixes:
            return
        data = self.ctx.seq_save(slot.seq)
        if data and len(data) <= self.budget_bytes // 2:
            self.prefixes[key] = SavedState(key, data)
            self._trim()

    def _trim(self) -> None:
        def used() -> int:
            saved = list(self.prefixes.values()) + list(self.parked.values())
            return sum(len(s.data) for s in saved)

        while self.prefixes and used() > self.budget_bytes:
            self.prefixes.popitem(last=False)
        while self.parked and used() > self.budget_bytes:
            self.parked.pop(next(iter(self.parked)))

    @property
    def saved_bytes(self) -> int:
        return sum(len(s.data) for s in [*self.prefixes.values(), *self.parked.values()])
