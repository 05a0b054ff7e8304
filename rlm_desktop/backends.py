"""Making a backend from the CLI's / settings' words: `--backend B` and `--model PATH_OR_ID`.

`replay:FILE` → the replay backend; `openai:URL` → a model server the user runs (llama-server,
LM Studio, Ollama, vLLM), `--model` naming the server's model; `llama` (the default) →
llama.cpp in-process on the model given by path or catalogue id (the bundled demo model when
none is given).

This module sits above `llm`, `hub` and `store`: it resolves the model file (hub's installed
models and catalogue) and detects the machine (hub's hardware probe), and hands both to the
llama.cpp backend, which never looks either up itself. The hub is imported when a llama.cpp
model is opened, so the CLI starts without it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rlm_desktop.llm.base import Backend, BackendError

if TYPE_CHECKING:
    from rlm_desktop.llm.llama import LlamaBackend
    from rlm_desktop.llm.llama_load import Machine

log = logging.getLogger(__name__)
BACKENDS_HELP = (
    "replay:FILE | openai:URL (a local model server; --model is its model name) | llama (default)"
)


def make_backend(spec: str | None, model: str | None = None, **options: object) -> Backend:
    spec = (spec or "llama").strip()
    if spec.startswith("replay:"):
        from rlm_desktop.llm.replay import ReplayBackend

        path = spec.split(":", 1)[1]
        if not path:
            raise BackendError("--backend replay:FILE needs a file name after 'replay:'.")
        return ReplayBackend.from_file(path)
    if spec == "openai" or spec.startswith("openai:"):
        from rlm_desktop.llm.openai_compat import OpenAICompatBackend

        return OpenAICompatBackend.open(spec.partition(":")[2], model, **options)
    if spec in ("llama", "llama.cpp", "llamacpp"):
        return open_llama(model, **options)
    raise BackendError(f"Unknown backend {spec!r}: use {BACKENDS_HELP}.")


def open_llama(model: str | Path | None = None, **options: object) -> LlamaBackend:
    """llama.cpp in-process on `model` (a path, an installed id, or None for the demo model).

    llama.cpp's compute modules are loaded first: whether the build can use a GPU depends on
    which loaded, so the machine is detected after them."""
    try:
        from rlm_desktop.llm.llama import LlamaBackend
        from rlm_desktop.llm.llama_native import NativeError, init_backend
    except ImportError as exc:
        raise BackendError(f"The llama.cpp backend is not available: {exc}") from None
    path = resolve_model_path(model)
    try:
        init_backend()
    except NativeError as exc:
        raise BackendError(str(exc)) from None
    return LlamaBackend.open(path, detect_machine(), **options)


def resolve_model_path(model: str | Path | None) -> Path:
    """The GGUF file to load; BackendError (one line) when there is none."""
    from rlm_desktop.hub.errors import HubError
    from rlm_desktop.hub.installed import DEMO_ALIAS, DEMO_FILE, demo_model_path, resolve_model
    from rlm_desktop.store.paths import dev_models_dir

    if model is None or not str(model).strip() or str(model).strip().lower() == DEMO_ALIAS:
        path = demo_model_path()
        if path is None:
            raise BackendError(
                f"the demo model is missing ({dev_models_dir() / DEMO_FILE}); "
                "fetch it with: python scripts/fetch_demo_model.py"
            )
        return path
    try:
        return resolve_model(model)
    except HubError as exc:
        raise BackendError(str(exc)) from None


def detect_machine() -> Machine:
    """This computer as the loader needs it, from the hub's hardware probe.

    What the probe could not tell comes back in `Machine.notes` (with the reason), and reaches
    the backend's notes (`ask --json` → `backend.notes`, the status bar's tool tip). If the
    probe itself fails, that is logged with its traceback and noted, and loading goes on with
    the CPU only: a model still loads, and the user sees why the GPU is not used.
    """
    import psutil

    from rlm_desktop.hub import hardware
    from rlm_desktop.llm.llama_load import Machine

    try:
        hw = hardware.detect_hardware()
    except Exception as exc:  # a bug in the probe must not stop a model from loading
        log.exception("hardware detection failed")
        note = f"hardware detection failed ({type(exc).__name__}: {exc}); using the CPU only"
        cores = psutil.cpu_count(logical=False) or os.cpu_count() or 1
        available = psutil.virtual_memory().available
        return Machine(available_ram=available, physical_cores=cores, notes=(note,))
    return Machine(
        available_ram=hw.available_ram,
        physical_cores=hw.cpu_cores,
        gpu_offload=hw.gpu_offload,
        gpu_backend=hw.gpu_backend,
        usable_vram=hw.usable_vram,
        unified_memory=hw.unified_memory,
        notes=hw.notes,
    )
