"""Deciding how to load a model: which file, how many GPU layers, context size, slots, threads.

The decisions are pure functions of the GGUF header (`GGUFInfo`), the machine (`Machine`) and
the user's options, so they are testable with made-up figures (e.g. injected free VRAM).

- Window (`n_ctx`, per conversation): the user's setting, else the model's maximum capped at
  DEFAULT_WINDOW; halved (not below MIN_WINDOW) until weights + KV cache for every slot fit in
  the available RAM; if even that fails, fewer slots; if nothing fits, a one-line error.
- GPU: when the llama.cpp build can offload, as many layers as fit in free VRAM (weights and
  their KV cache, less a reserve for compute buffers); everything on Apple unified memory.
- Threads: from 3 cores on, one is left to the GUI for generation. On 2 cores neither fixed
  choice is right (2 threads are a third faster on a quiet machine and half as fast as 1 when
  another process is busy: llama_threads.py), so generation picks 1 or 2 while it runs.
  Prompt evaluation always uses every core. A user setting fixes the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rlm_desktop.llm.base import BackendError
from rlm_desktop.llm.gguf_info import GGUFInfo
from rlm_desktop.sizes import human_size

GIB = 1 << 30
MIB = 1 << 20
DEFAULT_WINDOW = 16384
MIN_WINDOW = 2048
DEFAULT_SLOTS = 4  # d0, d1, d2 and leaf: the engine's sessions at its default depth limit
DEFAULT_PARALLEL = 1  # sub-calls decoded together (llama_batch.py); 1: one at a time
AUTO_PARALLEL = 8  # ... where the weights' kind is multiplied faster several tokens at a time
BATCH_FRIENDLY = ("Q4_K", "Q8_0")
"""Weight kinds (GGUF file types, by prefix: Q4_K_M, Q4_K_S) for which `bench batch` measured
batched decoding faster on the CPU (8 lanes, the same prompts: Gemma 3 270M Q4_K_M 1.61x,
generation 2.7x; SmolLM2-135M as Q8_0 1.27x, generation 2.1x). llama.cpp's CPU code has tiled
or repacked kernels for them; the demo model's Q4_1 has none, and batching it gained nothing
(0.95-1.11x), so it stays one at a time. With a GPU, batching is always on."""
BATCH_POOL = 8192  # KV cells the batched sub-calls share, at most (and never above the window)
RAM_RESERVE = 1 * GIB  # left for the app, the sandbox worker and the system
VRAM_RESERVE = 384 * MIB  # compute buffers and the driver's own needs
FLASH_AUTO, FLASH_OFF, FLASH_ON = -1, 0, 1


@dataclass(frozen=True)
class Machine:
    """What loading needs to know about this computer. Sizes in bytes.

    The caller detects it (`rlm_desktop.backends.detect_machine`, from the hub's probe) and
    passes it in; `notes` says what detection could not tell and why (shown with the model).
    """

    available_ram: int
    physical_cores: int
    gpu_offload: bool = False  # the llama.cpp build can offload layers
    gpu_backend: str = "cpu"  # "cuda", "metal", "rocm", "vulkan", …
    usable_vram: int = 0  # GPU memory a model may take (unified memory: a share of RAM)
    unified_memory: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadOptions:
    """The user's settings (all optional); `from_dict` validates `make_backend(**options)`."""

    n_ctx: int | None = None
    n_slots: int = DEFAULT_SLOTS
    n_threads: int | None = None
    n_threads_batch: int | None = None
    gpu_layers: int | None = None  # None: automatic; 0: CPU only
    flash_attn: bool | None = None  # None: llama.cpp decides
    chat_template: str | None = None  # None: the GGUF's; "": none (the plain fallback)
    seed: int = 0
    parallel: int | None = None  # sub-calls decoded together (1: one at a time)
    batch_ctx: int | None = None  # KV cells for them (None: chosen; 0: no batching)

    @classmethod
    def from_dict(cls, options: dict[str, object]) -> LoadOptions:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(options) - known)
        if unknown:
            raise BackendError(f"unknown llama.cpp option(s): {', '.join(unknown)}")
        values = {k: v for k, v in options.items() if v is not None}
        whole = ("n_ctx", "n_slots", "n_threads", "n_threads_batch", "gpu_layers", "seed")
        for key in (*whole, "parallel", "batch_ctx"):
            if key in values:
                value = values[key]
                if isinstance(value, bool) or not isinstance(value, int | str):
                    raise BackendError(f"option {key} must be a whole number")
                try:
                    values[key] = int(value)
                except ValueError:
                    raise BackendError(f"option {key} must be a whole number") from None
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class LoadPlan:
    n_ctx: int  # per conversation (sequence)
    n_slots: int
    n_threads: int
    n_threads_batch: int
    gpu_layers: int
    device: str
    flash_attn: int = FLASH_AUTO
    tune_threads: bool = False  # generation switches between n_threads and n_threads - 1
    notes: tuple[str, ...] = field(default_factory=tuple)
    parallel: int = DEFAULT_PARALLEL  # sub-calls decoded together (1: one at a time)
    batch_ctx: int = 0  # KV cells the batched sub-calls share (0: no batching)


def auto_parallel(info: GGUFInfo, gpu: bool) -> int:
    """Sub-calls decoded together when the user has not chosen: AUTO_PARALLEL on a GPU or for a
    batch-friendly weight kind (BATCH_FRIENDLY), else one at a time."""
    friendly = info.quantization.upper().startswith(BATCH_FRIENDLY)
    return AUTO_PARALLEL if gpu or friendly else DEFAULT_PARALLEL


def choose_threads(physical_cores: int) -> tuple[int, int]:
    """(generation threads, prompt-evaluation threads); see the module docstring. On 2 cores
    generation starts with 2 and may switch to 1 (`LoadPlan.tune_threads`)."""
    cores = max(1, physical_cores)
    return (cores if cores <= 2 else cores - 1, cores)


def choose_gpu_layers(n_layers: int, weights: int, kv_bytes: int, usable_vram: int) -> int:
    """Layers (llama.cpp's count: repeating layers + the output layer) that fit in VRAM."""
    room = usable_vram - VRAM_RESERVE
    if n_layers <= 0 or room <= 0:
        return 0
    per_layer = weights / (n_layers + 1) + kv_bytes / n_layers
    return max(0, min(n_layers + 1, int(room // per_layer)))


def choose_context(
    info: GGUFInfo, want: int, slots: int, ram_budget: int, cpu_share: float
) -> tuple[int, int]:
    """(window, slots) that fit `ram_budget` with `cpu_share` of weights and KV on the CPU."""
    weights = info.weights_bytes * cpu_share
    for n_slots in sorted({slots, min(slots, 2), 1}, reverse=True):
        window = want
        while window >= MIN_WINDOW or window == want:
            kv = info.kv_cache_bytes(window) * n_slots * cpu_share
            if weights + kv <= ram_budget:
                return window, n_slots
            if window <= MIN_WINDOW:
                break
            window = max(MIN_WINDOW, window // 2 // 256 * 256)
    need = info.weights_bytes + info.kv_cache_bytes(min(want, MIN_WINDOW))
    raise BackendError(
        f"not enough memory for {info.path.name}: it needs about {human_size(need)} "
        f"with a {min(want, MIN_WINDOW)}-token window; {human_size(max(0, ram_budget))} "
        "is free. Close other programs or choose a smaller model."
    )


def plan_load(info: GGUFInfo, machine: Machine, options: LoadOptions) -> LoadPlan:
    notes: list[str] = list(machine.notes)
    model_max = info.context_length or 4096
    want = options.n_ctx or min(model_max, DEFAULT_WINDOW)
    if want > model_max:
        notes.append(f"context {want} is above the model's maximum; using {model_max}")
        want = model_max
    want = max(256, want // 256 * 256) if want >= 256 else want
    layers = info.block_count or 0
    gpu_layers = 0
    if machine.gpu_offload:
        if options.gpu_layers is not None:
            gpu_layers = max(0, min(options.gpu_layers, layers + 1))
        else:
            kv = info.kv_cache_bytes(want) * options.n_slots
            gpu_layers = choose_gpu_layers(layers, info.weights_bytes, kv, machine.usable_vram)
    elif options.gpu_layers:
        notes.append("this llama.cpp build has no GPU support; running on the CPU")
    cpu_share = 1.0 - (min(gpu_layers, layers + 1) / (layers + 1) if layers else 0.0)
    if machine.unified_memory:
        cpu_share = 1.0  # one memory: everything counts against RAM
    budget = machine.available_ram - RAM_RESERVE
    window, slots = choose_context(info, want, max(1, options.n_slots), budget, cpu_share)
    if window < want:
        notes.append(f"context reduced to {window} tokens to fit in memory")
    if slots < options.n_slots:
        notes.append(f"{slots} cached conversation(s) instead of {options.n_slots} (memory)")
    gen, batch = choose_threads(machine.physical_cores)
    flash = {None: FLASH_AUTO, True: FLASH_ON, False: FLASH_OFF}[options.flash_attn]
    parallel = max(1, options.parallel or auto_parallel(info, gpu_layers > 0))
    pool = options.batch_ctx if options.batch_ctx is not None else min(window, BATCH_POOL)
    pool = max(0, pool // 256 * 256) if parallel > 1 else 0
    room = budget - (info.weights_bytes + info.kv_cache_bytes(window) * slots) * cpu_share
    while pool and info.kv_cache_bytes(pool) * cpu_share > room:
        pool = pool // 2 // 256 * 256 if pool > 1024 else 0
    if parallel > 1 and not pool:
        notes.append("sub-calls run one at a time: no memory for decoding them together")
    return LoadPlan(
        n_ctx=window,
        n_slots=slots,
        n_threads=options.n_threads or gen,
        n_threads_batch=options.n_threads_batch or options.n_threads or batch,
        gpu_layers=gpu_layers,
        device=machine.gpu_backend if gpu_layers > 0 else "cpu",
        flash_attn=flash,
        tune_threads=options.n_threads is None and gen == 2,
        notes=tuple(notes),
        parallel=parallel,
        batch_ctx=pool,
    )


def cpu_fallback(
    plan: LoadPlan, info: GGUFInfo, machine: Machine, options: LoadOptions, reason: str
) -> LoadPlan:
    """The plan after loading on the GPU failed: everything on the CPU, with a note saying why."""
    cpu_machine = replace(machine, gpu_offload=False, notes=())
    cpu = plan_load(info, cpu_machine, replace(options, gpu_layers=0))
    note = f"GPU load failed: {reason}; running on the CPU"
    return replace(cpu, notes=(*plan.notes, note, *cpu.notes))
