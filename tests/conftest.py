"""Shared test set-up: every test gets its own app folder, Qt runs offscreen, and the real
demo model is found where `make test` put it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
DEMO_MODEL = REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(autouse=True)
def _app_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("app-home")
    monkeypatch.setenv("RLM_DESKTOP_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def demo_model() -> Path:
    if not DEMO_MODEL.exists():
        pytest.fail(f"The test model is missing: run `make test` (it fetches {DEMO_MODEL.name}).")
    return DEMO_MODEL
