"""Which file `--model` means: a path, an installed model's id, or None for the demo model.

Uses the hub's `resolve_model` (installed models, catalogue ids, the bundled demo) when the hub
is available; without it, paths and the bundled demo model in `models/` still work.
"""

from __future__ import annotations

from pathlib import Path

from rlm_desktop.llm.base import BackendError
from rlm_desktop.store.paths import dev_models_dir

DEMO_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEMO_ALIAS = "demo"


def resolve_model_path(model: str | Path | None) -> Path:
    """The GGUF file to load; BackendError (one line) when there is none."""
    wanted = DEMO_ALIAS if model is None or not str(model).strip() else model
    try:
        from rlm_desktop.hub.errors import HubError
        from rlm_desktop.hub.installed import resolve_model
    except ImportError:
        return _without_hub(wanted)
    try:
        return resolve_model(wanted)
    except HubError as exc:
        if wanted == DEMO_ALIAS:
            return _demo()
        raise BackendError(str(exc)) from None


def _without_hub(model: str | Path) -> Path:
    if model == DEMO_ALIAS:
        return _demo()
    path = Path(model).expanduser()
    if not path.exists():
        raise BackendError(f"model file not found: {model}")
    if path.is_dir():
        raise BackendError(f"{path} is a folder, not a .gguf model file")
    return path


def _demo() -> Path:
    path = dev_models_dir() / DEMO_FILE
    if not path.is_file():
        raise BackendError(
            f"the demo model is missing ({path}); fetch it with: python scripts/fetch_demo_model.py"
        )
    return path
