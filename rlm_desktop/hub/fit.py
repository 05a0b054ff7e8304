"""Does a model fit this machine? Memory needed (weights + KV cache + overhead), a speed guess,
and a verdict: "recommended", "will be slow" or "does not fit".

The speed guess is memory-bandwidth bound: each generated token reads the active weights once.
CPU bandwidth is taken as 5 GB/s a core up to 20 GB/s (calibrated on the 2-core dev machine:
the 98 MB demo model predicts 100 tok/s; measured 110). A GPU or Apple Silicon is far faster.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlm_desktop.hub.catalog import Catalog, CatalogEntry
from rlm_desktop.hub.hardware import GIB, Hardware
from rlm_desktop.sizes import human_size

RECOMMENDED = "recommended"
SLOW = "will be slow"
NO_FIT = "does not fit"
MIN_TOKENS_PER_SECOND = 8.0  # below this an RLM run (thousands of tokens) feels stuck
CPU_BW_PER_CORE = 5 * GIB
CPU_BW_MAX = 20 * GIB
GPU_BW = {"cuda": 300 * GIB, "rocm": 250 * GIB, "metal": 100 * GIB}
GPU_BW_DEFAULT = 80 * GIB
OVERHEAD_FIXED = 256 << 20  # compute buffers, tokenizer, the app


@dataclass(frozen=True)
class Assessment:
    """One catalogue entry against one machine."""

    entry: CatalogEntry
    n_ctx: int
    weights_bytes: int
    kv_bytes: int
    overhead_bytes: int
    tokens_per_second: float
    gpu_fraction: float  # share of the weights that fit in GPU memory (0 without offload)
    verdict: str
    reason: str

    @property
    def memory_bytes(self) -> int:
        return self.weights_bytes + self.kv_bytes + self.overhead_bytes

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.entry.id,
            "name": self.entry.name,
            "verdict": self.verdict,
            "reason": self.reason,
            "memory_bytes": self.memory_bytes,
            "weights_bytes": self.weights_bytes,
            "kv_bytes": self.kv_bytes,
            "n_ctx": self.n_ctx,
            "tokens_per_second": round(self.tokens_per_second, 1),
            "gpu_fraction": round(self.gpu_fraction, 2),
            "size_bytes": self.entry.size_bytes,
        }


def assess(entry: CatalogEntry, hw: Hardware, n_ctx: int | None = None) -> Assessment:
    """Memory, speed and verdict for `entry` on `hw` at `n_ctx` (default: the model's, capped)."""
    ctx = min(n_ctx or entry.context_length, entry.context_length)
    weights = entry.size_bytes
    kv = entry.kv_cache_bytes(ctx)
    overhead = OVERHEAD_FIXED + weights // 20
    need = weights + kv + overhead
    vram = hw.usable_vram
    capacity = hw.usable_ram if hw.unified_memory else hw.usable_ram + vram
    gpu_fraction = min(1.0, vram / need) if need and vram else 0.0
    tps = _tokens_per_second(entry, hw, gpu_fraction)
    if need > capacity:
        verdict = NO_FIT
        spare = human_size(capacity)
        reason = f"needs about {human_size(need)} of memory; this computer can spare {spare}"
    elif tps < MIN_TOKENS_PER_SECOND:
        verdict = SLOW
        reason = f"fits ({human_size(need)}), but {_speed(tps)} here"
    else:
        verdict = RECOMMENDED
        reason = f"fits ({human_size(need)}), {_speed(tps)}"
    return Assessment(entry, ctx, weights, kv, overhead, tps, gpu_fraction, verdict, reason)


def assess_all(catalog: Catalog, hw: Hardware, n_ctx: int | None = None) -> list[Assessment]:
    ctx = n_ctx or catalog.default_context
    return [assess(entry, hw, ctx) for entry in catalog.entries]


def recommend(catalog: Catalog, hw: Hardware, n_ctx: int | None = None) -> Assessment | None:
    """The best model for this machine: the largest "recommended" one; failing that, the
    lightest one that fits (even if slow); None when nothing fits at all."""
    assessments = assess_all(catalog, hw, n_ctx)
    good = [a for a in assessments if a.verdict == RECOMMENDED and not a.entry.bundled]
    if good:
        return max(good, key=lambda a: a.entry.n_params)
    fitting = [a for a in assessments if a.verdict != NO_FIT]
    real = [a for a in fitting if not a.entry.bundled]
    if real:
        return min(real, key=lambda a: a.memory_bytes)
    return fitting[0] if fitting else None


def _tokens_per_second(entry: CatalogEntry, hw: Hardware, gpu_fraction: float) -> float:
    active = max(1, int(entry.size_bytes * entry.active_fraction))
    cpu_bw = min(CPU_BW_MAX, CPU_BW_PER_CORE * max(1, hw.cpu_cores))
    gpu_bw = GPU_BW.get(hw.gpu_backend, GPU_BW_DEFAULT)
    seconds = active * (1 - gpu_fraction) / cpu_bw + active * gpu_fraction / gpu_bw
    return 1.0 / seconds


def _speed(tps: float) -> str:
    return f"about {tps:.0f} words a second" if tps >= 1.5 else "about one word a second or less"


TYPICAL_MBIT_S = (50, 10)  # a fast and a slow home connection, for download time estimates


def download_minutes(size_bytes: int, mbit_s: float) -> float:
    return size_bytes * 8 / (mbit_s * 1e6) / 60


def download_estimate(size_bytes: int) -> str:
    """'about 3 minutes on a fast connection (50 Mbit/s), 13 minutes on a slow one (10 Mbit/s)'."""
    fast, slow = (max(1, round(download_minutes(size_bytes, m))) for m in TYPICAL_MBIT_S)

    def minutes(n: int) -> str:
        return f"{n} minute" if n == 1 else f"{n} minutes"

    return (
        f"about {minutes(fast)} on a fast connection ({TYPICAL_MBIT_S[0]} Mbit/s), "
        f"{minutes(slow)} on a slow one ({TYPICAL_MBIT_S[1]} Mbit/s)"
    )


def describe(assessment: Assessment) -> str:
    """One plain line: what the model is good for, the memory it needs, its speed here.
    'Good for most documents; needs 5.1 GB; about 10 words a second on this computer.'"""
    good_for = assessment.entry.good_for.rstrip(".")
    need = human_size(assessment.memory_bytes)
    return f"{good_for}; needs {need}; {_speed(assessment.tokens_per_second)} on this computer."
