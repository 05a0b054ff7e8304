"""Offline by default: starting the app core, reading the bundled model and choosing from the
catalogue opens no socket and does not even import huggingface_hub.

The run happens in a fresh interpreter (tests.netguard.run_offline) so import-time behaviour
counts too. The llama backend's tests can reuse `run_offline` to add "load a model and answer".
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.hub.conftest import SMALL_NAME, SMALL_REPO
from tests.hub.fake_hub import FakeHub
from tests.netguard import REPO_ROOT, no_network, run_offline

CORE_RUN = textwrap.dedent(
    """
    import importlib
    CORE = ("rlm_desktop.cli", "rlm_desktop.engine.engine", "rlm_desktop.documents.ingest",
            "rlm_desktop.backends", "rlm_desktop.commands.models", "rlm_desktop.hub.service")
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
    from rlm_desktop.backends import make_backend
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


DOWNLOAD_RUN = textwrap.dedent(
    """
    import json, sys
    from tests.netguard import no_network
    with no_network(block=False) as attempts:
        if sys.argv[1] == "telemetry-on":  # the control: our switch undone after it ran
            import rlm_desktop.hub.remote as remote
            real_hf = remote.hf

            def telemetry_on():
                lib = real_hf()
                lib.constants.HF_HUB_DISABLE_TELEMETRY = False
                return lib

            remote.hf = telemetry_on
        from rlm_desktop.hub.download import Downloader
        Downloader().download(sys.argv[2], sys.argv[3])
    print("NETGUARD" + json.dumps(attempts))
    """
)


def _download_in_fresh_process(hub: FakeHub, home: Path, mode: str) -> list[list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
    env.update(
        RLM_DESKTOP_HOME=str(home),
        PYTHONPATH=str(REPO_ROOT),
        HF_ENDPOINT=hub.url,
        HF_HOME=str(home / "hf"),
    )
    done = subprocess.run(
        [sys.executable, "-c", DOWNLOAD_RUN, mode, SMALL_REPO, SMALL_NAME],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("NETGUARD"))
    return json.loads(line.removeprefix("NETGUARD"))


def test_download_sends_no_telemetry(hub: FakeHub, home: Path) -> None:
    """A download talks to the hub's file addresses only, over connections to the hub only;
    huggingface_hub's telemetry (its agent-registry request, its user-agent extras) stays off,
    even in a fresh interpreter with no HF_* variables set."""
    attempts = _download_in_fresh_process(hub, home, "ours")
    port = hub.url.rsplit(":", 1)[1]
    connects = [address for event, address in attempts if event == "socket.connect"]
    assert connects and all(a == f"('127.0.0.1', {port})" for a in connects), attempts
    assert all("/resolve/" in r.path for r in hub.requests), [r.path for r in hub.requests]
    assert all("agent/" not in r.headers.get("user-agent", "") for r in hub.requests)
    assert (home / "data" / "models" / SMALL_NAME).is_file()


def test_the_telemetry_check_can_fail(hub: FakeHub, home: Path) -> None:
    """The control: with telemetry left on, the stand-in hub does see the extra request."""
    _download_in_fresh_process(hub, home, "telemetry-on")
    assert any(r.path.startswith("/api/agent-harnesses") for r in hub.requests)
