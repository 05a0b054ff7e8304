"""The app's folders. `RLM_DESKTOP_HOME` moves them all under one folder (tests, portable use).

Nothing here creates a folder at import time; callers ask for one with `ensure=True`.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "rlm-desktop"
HOME_ENV = "RLM_DESKTOP_HOME"
REPO_ROOT = Path(__file__).resolve().parents[2]


def _dirs() -> PlatformDirs:
    return PlatformDirs(APP_NAME, appauthor=False)


def _pick(kind: str) -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override) / kind
    dirs = _dirs()
    return Path(
        {
            "data": dirs.user_data_dir,
            "config": dirs.user_config_dir,
            "logs": dirs.user_log_dir,
            "cache": dirs.user_cache_dir,
        }[kind]
    )


def _ensure(path: Path, ensure: bool) -> Path:
    if ensure:
        path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir(ensure: bool = False) -> Path:
    return _ensure(_pick("data"), ensure)


def config_dir(ensure: bool = False) -> Path:
    return _ensure(_pick("config"), ensure)


def log_dir(ensure: bool = False) -> Path:
    return _ensure(_pick("logs"), ensure)


def cache_dir(ensure: bool = False) -> Path:
    return _ensure(_pick("cache"), ensure)


def models_dir(ensure: bool = False) -> Path:
    """Where downloaded and imported models live."""
    return _ensure(data_dir() / "models", ensure)


def resources_dir() -> Path:
    """Icons, styles, demo documents and the demo replay recording."""
    return REPO_ROOT / "resources"


def dev_models_dir() -> Path:
    """`models/` in a source checkout: the catalogue and the bundled demo model."""
    return REPO_ROOT / "models"
