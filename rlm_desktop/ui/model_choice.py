"""Where the window's models come from: the bundled demo model, a local .gguf file, or the
model manager (when that part of the app is installed). Local look-ups only, no network.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from rlm_desktop.store.paths import dev_models_dir

log = logging.getLogger(__name__)
DEMO_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEMO_BLURB = (
    "SmolLM2 135M, 98 MB, included with the app. It is tiny: quick to try the app with, "
    "but too small for real analysis, so expect wrong answers."
)
MANAGER_MODULE = "rlm_desktop.ui.model_manager"


def demo_model_path() -> Path | None:
    """The bundled demo model, if it is on this computer."""
    try:
        from rlm_desktop.hub.installed import find_installed

        found = find_installed("demo")
        if found is not None:
            return found.path
    except Exception as exc:  # the hub is optional here; fall back to the known file
        log.debug("hub lookup of the demo model failed: %s", exc)
    path = dev_models_dir() / DEMO_FILE
    return path if path.is_file() else None


def resolve_model(model: str) -> str:
    """A path for an installed model's id; anything else is passed on unchanged."""
    try:
        from rlm_desktop.hub.installed import resolve_model as hub_resolve

        return str(hub_resolve(model))
    except Exception:
        return model


def is_model_file(path: str) -> bool:
    return path.lower().endswith(".gguf")


def manager_available() -> bool:
    try:
        return importlib.util.find_spec(MANAGER_MODULE) is not None
    except (ImportError, ValueError):
        return False


def model_label(model: str) -> str:
    """'SmolLM2-135M-Instruct.Q4_1' for a path, the id itself otherwise."""
    return Path(model).stem if is_model_file(model) else model
