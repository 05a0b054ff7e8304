"""Where the window's models come from: the bundled demo model, a local .gguf file, or the
model manager (when that part of the app is installed). Local look-ups only, no network.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

from rlm_desktop.hub.catalog import load_catalog
from rlm_desktop.hub.installed import DEMO_ALIAS, DEMO_FILE
from rlm_desktop.hub.installed import demo_model_path as installed_demo_path
from rlm_desktop.store.paths import dev_models_dir

log = logging.getLogger(__name__)
DEMO_BLURB = (
    "SmolLM2 135M, 98 MB, included with the app. It is tiny: quick to try the app with, "
    "but too small for real analysis, so expect wrong answers."
)
MANAGER_MODULE = "rlm_desktop.ui.model_manager"


@dataclass(frozen=True)
class DemoModel:
    path: Path | None  # the bundled demo model's file, if it is on this computer
    problem: str = ""  # why the installed models could not be looked at (one line)


def find_demo_model(catalog_file: Path | None = None) -> DemoModel:
    """The bundled demo model through the app's one lookup (`hub.installed.demo_model_path`).
    A model library that cannot be read is logged with its reason and returned as a problem
    to show; the known file is still found without it."""
    try:
        catalog = load_catalog(catalog_file)
    except Exception as exc:  # a broken catalogue: say so, go on without it
        log.warning("demo model lookup failed: %s", exc, exc_info=True)
        path = dev_models_dir() / DEMO_FILE
        problem = f"The installed models could not be read: {exc}"
        return DemoModel(path if path.is_file() else None, problem)
    return DemoModel(installed_demo_path(catalog=catalog))


def first_run_model(demo: DemoModel | None = None) -> str | None:
    """The model a start loads by itself when none was chosen (no `--model`, no last model):
    the bundled demo model, when it is on this computer and no other model is installed
    (then the user chooses). Local look-ups only, no network."""
    from rlm_desktop.hub.installed import list_installed

    path = (demo or find_demo_model()).path
    if path is None:
        return None
    try:
        others = [m for m in list_installed(include_bundled=False) if m.path != path]
    except Exception as exc:  # an unreadable models folder: let the user choose
        log.warning("installed models not listed: %s", exc)
        return None
    return None if others else str(path)


def demo_model_path() -> Path | None:
    """The bundled demo model, if it is on this computer."""
    return find_demo_model().path


def resolve_model(model: str) -> str:
    """A path for an installed model's id; anything else is passed on unchanged (loading it
    then says what is wrong with it)."""
    try:
        from rlm_desktop.hub.errors import HubError
        from rlm_desktop.hub.installed import resolve_model as hub_resolve
    except ImportError:
        return model
    try:
        return str(hub_resolve(model))
    except HubError as exc:
        log.info("model %r is not an installed model: %s", model, exc)
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


def unreadable_model(path: str) -> str:
    """Why a model file cannot be used, read from its header in milliseconds ("" if it looks
    right), so a bad file is refused before the loaded model is closed."""
    from rlm_desktop.llm.gguf_info import GGUFError, read_gguf_info

    if not is_model_file(path) or not Path(path).is_file():
        return ""  # an installed model's id, or a missing file: loading says what is wrong
    try:
        read_gguf_info(path, check_data=False)
    except GGUFError as exc:
        log.info("model file refused: %s: %s", path, exc)
        return (
            f"{Path(path).name} is not a model the app can read (it may be damaged or not a "
            "GGUF file)."
        )
    return ""


def is_demo_model(model: str | None) -> bool:
    """Whether `model` (a path or an id) is the bundled demo model."""
    return bool(model) and (Path(str(model)).name == DEMO_FILE or model == DEMO_ALIAS)


UNREADABLE_HINTS = ("magic", "GGUF", "truncated", "corrupt", "not a model")


def plain_model_error(message: str) -> str:
    """A model that could not be loaded, said in words with what to do next."""
    if any(hint in message for hint in UNREADABLE_HINTS):
        return (
            "This file is not a model the app can read (it may be damaged or not a GGUF "
            "file). Choose another: the demo model, a .gguf file, or Models ▸ Manage models…"
        )
    return f"{message.rstrip('.')}. Choose another model, or try this one again."
