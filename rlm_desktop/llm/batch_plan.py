"""How batched sub-calls are laid out over the lanes' memory: each request's KV need, streams
of whole LANE_STEP cells, requests packed into batches whose equal streams fit the pool, and
the prompt head all requests share (evaluated once, then copied)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rlm_desktop.llm.llama_sampling import TokenSampler


@dataclass
class Prepared:
    """One request, ready to decode: its prompt tokens and what ends its reply."""

    index: int  # place in the caller's list
    tokens: list[int]
    max_tokens: int
    stops: list[str]
    make_sampler: Callable[[], TokenSampler]

    @property
    def need(self) -> int:
        """KV cells it may take: its prompt and its longest reply."""
        return len(self.tokens) + self.max_tokens


LANE_STEP = 256  # llama.cpp pads a stream to this; a stream of 128 cells gave lane 0 a wrong reply


def lane_cells(need: int) -> int:
    """Cells of a stream that holds `need` tokens: a whole number of LANE_STEP."""
    return -(-max(1, need) // LANE_STEP) * LANE_STEP


def lane_shape(lanes: int, pool: int) -> tuple[int, int]:
    """(streams, cells a stream) for `lanes` asked over `pool` cells: equal streams of a whole
    number of LANE_STEP cells (fewer streams when the pool is small)."""
    cells = max(LANE_STEP, pool // max(1, lanes) // LANE_STEP * LANE_STEP)
    return max(1, min(lanes, pool // cells)), cells


def plan_groups(
    requests: Sequence[Prepared], lanes: int, pool: int
) -> tuple[list[list[Prepared]], list[Prepared]]:
    """(batches in order, requests too big for the pool). Greedy: a batch is closed when the
    next request would pass the lanes, or its equal streams (each as big as the batch's
    biggest request) would pass the pool."""
    groups: list[list[Prepared]] = []
    alone: list[Prepared] = []
    cells = 0
    for p in requests:
        if lane_cells(p.need) > pool:
            alone.append(p)
            continue
        bigger = max(cells, lane_cells(p.need))
        if not groups or len(groups[-1]) >= lanes or (len(groups[-1]) + 1) * bigger > pool:
            groups.append([])
            bigger = lane_cells(p.need)
        groups[-1].append(p)
        cells = bigger
    return groups, alone


def common_prefix(prompts: Sequence[Sequence[int]]) -> int:
    """Tokens every prompt starts with, leaving each at least its last token of its own."""
    limit = min(len(p) for p in prompts) - 1
    n = 0
    first = prompts[0]
    while n < limit and all(p[n] == first[n] for p in prompts):
        n += 1
    return n
