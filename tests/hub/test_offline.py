"""Offline by default: starting the app core, reading the bundled model and choosing from the
catalogue opens no socket and does not even import huggingface_hub.

The run happens in a fresh interpreter so import-time behaviour counts too. Another test (the
llama backend's) can reuse `OFFLINE_PRELUDE` and `run_offline()` to add "load a model and answer".
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from rlm_desktop.store.paths import REPO_ROOT
from tests.netguard import no_network

# Installs the socket audit hook before anything else is imported; the script then ends with
# `report()`, which prints the attempts and the imported modules as JSON.
OFFLINE_PRELUDE = textwrap.dedent(
    """
    import json, sys
    from tests.netguard import no_network
    _guard = no_network()
    _attempts = _guard.__enter__()

    def report(**extra):
        print("NETGUARD" + json.dumps({"attempts": _attempts, "modules": sorted(sys.modules),
                                       **extra}))
    """
)

CORE_RUN = textwrap.dedent(
    """
    import rlm_desktop.engine.events, rlm_desktop.llm.base, rlm_desktop.cancel
    from rlm_desktop.hub.catalog import load_catalog
    from rlm_desktop.hub.fit import assess_all, recommend
    from rlm_desktop.hub.hardware import detect_hardware
    from rlm_desktop.hub.installed import list_installed, resolve_model
    from rlm_desktop.hub.download import partial_downloads
    from rlm_desktop.llm.gguf_info import read_gguf_info
    path = resolve_model("demo")
    info = read_gguf_info(path)
    catalog = load_catalog()
    hw = detect_hardware(probe_llama=False)
    verdicts = [a.verdict for a in assess_all(catalog, hw)]
    best = recommend(catalog, hw)
    installed = [m.id for m in list_installed()]
    partial_downloads()
    report(arch=info.architecture, verdicts=verdicts, best=best and best.entry.id,
           installed=installed)
    """
)


def run_offline(body: str, home: Path, timeout: float = 120) -> dict[str, object]:
    """Run `OFFLINE_PRELUDE + body` in a fresh interpreter with a private app home."""
    env = {**os.environ, "RLM_DESKTOP_HOME": str(home), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("HF_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_PRELUDE + body],
        capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("NETGUARD"))
    return json.loads(line.removeprefix("NETGUARD"))


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
