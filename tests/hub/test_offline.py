"""Offline by default: starting the app core, reading the bundled model and choosing from the
catalogue opens no socket and does not even import huggingface_hub.

The run happens in a fresh interpreter (tests.netguard.run_offline) so import-time behaviour
counts too. The llama backend's tests can reuse `run_offline` to add "load a model and answer".
"""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

import pytest

from tests.netguard import no_network, run_offline

CORE_RUN = textwrap.dedent(
    """
    import importlib
    CORE = ("rlm_desktop.cli", "rlm_desktop.engine.engine", "rlm_desktop.documents.ingest",
            "rlm_desktop.llm.factory", "rlm_desktop.commands.models", "rlm_desktop.hub.service")
    for name in CORE:
        importlib.import_module(name)
    from rlm_desktop.hub.catalog import load_catalog
    from rlm_desktop.hub.fit import assess_all, recommend
    from rlm_desktop.hub.hardware import detect_hardware
    from rlm_desktop.hub.installed import list_installed, resolve_model
    from rlm_desktop.hub.download import partial_downloads
    from rlm_desktop.llm.gguf_info import read_gguf_info
    path = resolve_model("demo")
    info = read_gguf_info(path)
    catalog = load_catalog()
    hw = detect_hardware()  # imports llama_cpp if it is installed
    verdicts = [a.verdict for a in assess_all(catalog, hw)]
    best = recommend(catalog, hw)
    installed = [m.id for m in list_installed()]
    partial_downloads()
    report(arch=info.architecture, verdicts=verdicts, best=best and best.entry.id,
           installed=installed)
    """
)


def test_offline_core_run_opens_no_socket(home: Path, demo_gguf: Path) -> None:
    result = run_offline(CORE_RUN, home)
    assert result["attempts"] == []
    assert result["arch"] == "llama"
    assert "smollm2-135m" in result["installed"]  # type: ignore[operator]
    assert result["best"] and len(result["verdicts"]) >= 6  # type: ignore[arg-type]
    modules = result["modules"]
    assert "huggingface_hub" not in modules and "httpx2" not in modules  # type: ignore[operator]
    assert not any(m.startswith("PySide6") for m in modules)  # type: ignore[union-attr]


def test_the_guard_does_catch_a_connection() -> None:
    import socket

    with no_network() as attempts, contextlib.suppress(OSError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    assert attempts and attempts[0][0] in ("socket.getaddrinfo", "socket.connect")


MODEL_RUN = textwrap.dedent(
    """
    from rlm_desktop.documents.model import Context, Document
    from rlm_desktop.engine.config import EngineConfig
    from rlm_desktop.engine.engine import RlmEngine
    from rlm_desktop.llm.factory import make_backend
    backend = make_backend("llama", "demo")
    doc = Document(name="note.txt", text="Intro.\\nThe access code for the Elm vault is K-42.\\n")
    config = EngineConfig(max_iterations=2, max_turn_tokens=64, final_max_tokens=48)
    result = RlmEngine(backend, config).run("What is the access code?", Context([doc]))
    backend.close()
    report(status=result.status, backend=result.backend.name, turns=result.total_iterations)
    """
)


@pytest.mark.model
def test_offline_model_run_opens_no_socket(home: Path, demo_gguf: Path) -> None:
    """Start the core, load the bundled model and answer with it: no socket is opened."""
    result = run_offline(MODEL_RUN, home, timeout=300)
    assert result["attempts"] == []
    assert result["backend"] == "llama.cpp" and result["status"] in ("ok", "budget")
    assert result["turns"] >= 1
    assert "huggingface_hub" not in result["modules"]  # type: ignore[operator]
