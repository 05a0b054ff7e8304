"""What this machine can run: RAM, cores, the llama.cpp build's GPU backend, VRAM, free disk.

Every probe is local (psutil, `nvidia-smi`, the llama_cpp library if importable) and never
touches the network. A probe that fails leaves its field empty and says why in `notes` (also
logged), so a failed GPU probe is never a silent CPU-only fallback; detection never raises.
"""

from __future__ import annotations

import logging
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psutil

from rlm_desktop.store.paths import models_dir

log = logging.getLogger(__name__)
GIB = 1 << 30
_BACKEND_MARKERS = (
    ("CUDA", "cuda"),
    ("METAL", "metal"),
    ("HIP", "rocm"),
    ("VULKAN", "vulkan"),
    ("SYCL", "sycl"),
    ("OPENCL", "opencl"),
)


@dataclass(frozen=True)
class Hardware:
    """A snapshot of the machine. Sizes are bytes; None means "could not tell"."""

    total_ram: int
    available_ram: int
    cpu_cores: int  # physical where known
    logical_cpus: int
    system: str  # "Linux", "Darwin", "Windows"
    machine: str  # "x86_64", "arm64", …
    llama_available: bool  # llama_cpp imports
    gpu_offload: bool  # the llama.cpp build can offload layers to a GPU
    gpu_backend: str  # "cpu", "cuda", "metal", "rocm", "vulkan", … ("gpu" if unnamed)
    gpu_name: str | None = None
    vram_total: int | None = None
    vram_free: int | None = None
    unified_memory: bool = False  # Apple Silicon: the GPU shares RAM
    free_disk: int | None = None  # at the models folder
    models_path: Path | None = None
    notes: tuple[str, ...] = ()  # what a probe could not tell, and why

    @property
    def usable_ram(self) -> int:
        """RAM a model may take: the total less a reserve for the system and the app."""
        return max(0, self.total_ram - max(GIB, self.total_ram // 4))

    @property
    def usable_vram(self) -> int:
        """GPU memory a model may take (0 without offload). Unified memory is counted once,
        in `usable_ram`; this is the share the GPU may use of it."""
        if not self.gpu_offload:
            return 0
        if self.unified_memory:
            return self.usable_ram
        if self.vram_free is not None:
            return max(0, self.vram_free - 512 * (1 << 20))
        return 0

    def to_json(self) -> dict[str, object]:
        out = dict(self.__dict__)
        out["models_path"] = str(self.models_path) if self.models_path else None
        out["notes"] = list(self.notes)
        return out


def detect_hardware(models_path: Path | None = None, probe_llama: bool = True) -> Hardware:
    """Probe the machine. `probe_llama=False` skips importing llama_cpp (faster, for tests)."""
    mem = psutil.virtual_memory()
    system, machine = platform.system(), platform.machine().lower()
    logical = os.cpu_count() or 1
    physical = psutil.cpu_count(logical=False) or logical
    notes: list[str] = []
    llama_ok, offload, backend = _llama_backend(notes) if probe_llama else (False, False, "cpu")
    unified = system == "Darwin" and machine in ("arm64", "aarch64")
    if unified and offload:
        backend = "metal"
    gpu_name, vram_total, vram_free = (None, None, None) if unified else _nvidia_smi(notes)
    if unified:
        gpu_name, vram_total, vram_free = "Apple GPU (unified memory)", mem.total, mem.available
    path = models_path or models_dir()
    return Hardware(
        total_ram=mem.total,
        available_ram=mem.available,
        cpu_cores=physical,
        logical_cpus=logical,
        system=system,
        machine=machine,
        llama_available=llama_ok,
        gpu_offload=offload,
        gpu_backend=backend,
        gpu_name=gpu_name,
        vram_total=vram_total,
        vram_free=vram_free,
        unified_memory=unified,
        free_disk=free_disk(path),
        models_path=path,
        notes=tuple(notes),
    )


def free_disk(path: Path) -> int | None:
    """Free bytes on the disk holding `path` (or its nearest existing parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def _note(notes: list[str], text: str) -> None:
    log.warning("hardware probe: %s", text)
    notes.append(text)


def _llama_backend(notes: list[str]) -> tuple[bool, bool, str]:
    """(llama_cpp importable, GPU offload supported, backend name); a failure is noted."""
    try:
        import llama_cpp
    except Exception as exc:
        _note(notes, f"llama.cpp is not importable ({type(exc).__name__}: {exc})")
        return (False, False, "cpu")
    try:
        offload = bool(llama_cpp.llama_supports_gpu_offload())
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        _note(notes, f"cannot ask llama.cpp about GPU offload ({reason}); using the CPU only")
        offload = False
    if not offload:
        return (True, False, "cpu")
    try:
        info = llama_cpp.llama_print_system_info()
        text = (info.decode(errors="replace") if isinstance(info, bytes) else str(info)).upper()
    except Exception as exc:
        _note(notes, f"cannot read llama.cpp's system info ({type(exc).__name__}: {exc})")
        text = ""
    backend = next((name for marker, name in _BACKEND_MARKERS if marker in text), "gpu")
    return (True, True, backend)


def _nvidia_smi(notes: list[str]) -> tuple[str | None, int | None, int | None]:
    """First NVIDIA GPU's name, total and free memory, if `nvidia-smi` answers (a failure of
    an installed `nvidia-smi` is noted: without free VRAM no layer goes to the GPU)."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return (None, None, None)
    query = "--query-gpu=name,memory.total,memory.free"
    try:
        out = subprocess.run(
            [exe, query, "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
        name, total, free = (part.strip() for part in out.splitlines()[0].split(","))
        return (name, int(float(total)) << 20, int(float(free)) << 20)
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as exc:
        _note(notes, f"nvidia-smi gave no GPU memory figures ({type(exc).__name__}: {exc})")
        return (None, None, None)
