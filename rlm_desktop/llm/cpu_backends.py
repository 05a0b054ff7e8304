"""Loading llama.cpp's compute backends at run time: the best CPU variant this processor runs.

The portable build (scripts/install_llama.sh) compiles llama.cpp's CPU code once per processor
generation (`libggml-cpu-haswell.so`, `-icelake`, …, GGML_CPU_ALL_VARIANTS) as modules beside
`libggml.so`; nothing is linked in. Before a model loads, `load_backends()` asks every CPU
variant for its score on this processor (each module's `ggml_backend_score()`: 0 when the CPU
lacks one of its instructions), loads the best one, then any GPU module present (CUDA, Vulkan…).

Variants that use AMX are never loaded: llama.cpp's AMX kernels crash on some Xeons (SIGILL at
`tileloadd`, upstream llama.cpp PR #26954). `RLM_DESKTOP_CPU_VARIANT=haswell` forces a variant
(benchmarks compare them; a user can step down if one misbehaves).

A build without run-time loading (Metal, or an older build) registers its backends itself:
then this module finds them registered and does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

VARIANT_ENV = "RLM_DESKTOP_CPU_VARIANT"
# Variants whose kernels use AMX tiles (the only x86 one today).
AMX_VARIANTS = frozenset({"sapphirerapids"})
_VARIANT_FILE = re.compile(r"^(?:lib)?ggml-cpu-(?P<tag>[\w.]+?)\.(?:so|dll|dylib)$")
_GPU_FILE = re.compile(
    r"^(?:lib)?ggml-(?P<name>cuda|vulkan|hip|musa|sycl|opencl|metal|blas)\.(?:so|dll|dylib)$"
)


@dataclass(frozen=True)
class BackendReport:
    """What `load_backends` did, for `doctor`, `ask --json` and the About box."""

    cpu_variant: str | None  # e.g. "icelake"; None when the build links its CPU code in
    scores: dict[str, int] = field(default_factory=dict)  # every variant found → its score
    gpu: tuple[str, ...] = ()  # GPU modules loaded
    notes: tuple[str, ...] = ()  # anything the user should know (a forced or failed variant)
    dynamic: bool = False  # the build loads its backends at run time


def library_dir() -> Path:
    """llama-cpp-python's folder of shared libraries, without importing llama.cpp."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        raise ImportError("llama-cpp-python is not installed")
    return Path(spec.origin).parent / "lib"


def variant_files(lib_dir: Path) -> dict[str, Path]:
    """CPU variant tag → module file, for the variants in `lib_dir`."""
    found: dict[str, Path] = {}
    for path in sorted(lib_dir.iterdir()) if lib_dir.is_dir() else []:
        match = _VARIANT_FILE.match(path.name)
        if match:
            found[match["tag"]] = path
    return found


def variant_score(path: Path) -> int:
    """The module's own score for this processor (0: cannot run here). Loading a module runs
    no kernel, so asking a variant built for a newer CPU is safe."""
    try:
        lib = ctypes.CDLL(str(path))
        score = lib.ggml_backend_score
    except (OSError, AttributeError):
        return 0
    score.restype = ctypes.c_int
    score.argtypes = []
    return int(score())


def choose_variant(
    scores: dict[str, int], forced: str | None = None
) -> tuple[str | None, tuple[str, ...]]:
    """The variant to load and notes: the forced one if it runs here, else the best-scoring
    one that runs here and is not an AMX variant."""
    notes: list[str] = []
    usable = {tag: s for tag, s in scores.items() if s > 0 and tag not in AMX_VARIANTS}
    if forced:
        if usable.get(forced):
            return forced, (f"CPU variant {forced} forced by {VARIANT_ENV}",)
        notes.append(f"{VARIANT_ENV}={forced} cannot run on this processor; using the best one")
    if not usable:
        return None, (*notes, "no CPU variant of llama.cpp runs on this processor")
    return max(usable, key=lambda tag: (usable[tag], tag)), tuple(notes)


def _ggml(lib_dir: Path) -> ctypes.CDLL:
    """The very libggml that libllama uses (the backend registry is a static in it).

    A wheel cannot hold symbolic links, so `libggml.so`, `libggml.so.0` and the versioned file
    are three copies: libllama loads the one its DT_NEEDED names (`libggml.so.0`), and loading
    any other would register the CPU code in a registry llama.cpp never reads. Asking the
    dynamic loader for that name after libllama is loaded returns libllama's copy."""
    import llama_cpp.llama_cpp  # noqa: F401  (loads libllama and, through it, its libggml)

    for path in sorted(lib_dir.glob("libggml.so.[0-9]*")):
        if path.name.count(".") == 2:  # libggml.so.N: the soname
            try:
                return ctypes.CDLL(path.name, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
            except (OSError, AttributeError):
                break
    from llama_cpp._ggml import libggml  # Windows, macOS: one file

    lib: ctypes.CDLL = libggml
    return lib


def _registered(libggml: ctypes.CDLL) -> list[str]:
    libggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    libggml.ggml_backend_reg_get.restype = ctypes.c_void_p
    libggml.ggml_backend_reg_get.argtypes = [ctypes.c_size_t]
    libggml.ggml_backend_reg_name.restype = ctypes.c_char_p
    libggml.ggml_backend_reg_name.argtypes = [ctypes.c_void_p]
    names = []
    for i in range(int(libggml.ggml_backend_reg_count())):
        reg = libggml.ggml_backend_reg_get(i)
        names.append((libggml.ggml_backend_reg_name(reg) or b"?").decode("utf-8", "replace"))
    return names


@functools.cache
def load_backends(lib_dir: Path | None = None) -> BackendReport:
    """Load the best CPU variant and the GPU modules. llama.cpp keeps what a process loaded,
    so this runs once per process (cached); later calls return the same report.
    Raises RuntimeError with one line when no CPU code can run here."""
    lib_dir = lib_dir or library_dir()
    libggml = _ggml(lib_dir)
    files = variant_files(lib_dir)
    if not files:  # CPU code linked in: the build registered its backends already
        return BackendReport(cpu_variant=None, gpu=tuple(_registered(libggml)), dynamic=False)
    scores = {tag: variant_score(path) for tag, path in files.items()}
    chosen, notes = choose_variant(scores, os.environ.get(VARIANT_ENV) or None)
    if chosen is None:
        raise RuntimeError(
            "llama.cpp has no CPU code for this processor; run `make llama` to rebuild it"
        )
    libggml.ggml_backend_load.restype = ctypes.c_void_p
    libggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
    if not libggml.ggml_backend_load(str(files[chosen]).encode()):
        raise RuntimeError(f"llama.cpp's CPU code ({files[chosen].name}) could not be loaded")
    gpu: list[str] = []
    extra_notes: list[str] = []
    for path in sorted(lib_dir.iterdir()):
        match = _GPU_FILE.match(path.name)
        if not match:
            continue
        if libggml.ggml_backend_load(str(path).encode()):
            gpu.append(match["name"])
        else:
            extra_notes.append(f"the {match['name']} backend could not be loaded (no driver?)")
    return BackendReport(
        cpu_variant=chosen,
        scores=scores,
        gpu=tuple(gpu),
        notes=(*notes, *extra_notes),
        dynamic=True,
    )
