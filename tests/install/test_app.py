"""The packaged app (build.spec, PyInstaller): built, then run as a user would run it, in a clean
environment (`env -i`, a fresh HOME, no venv on PATH): its self-test, and `ask` with the
recorded demo and with the bundled demo model."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.model]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if shutil.which("pyinstaller", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("PyInstaller is missing: `make test` installs it (the test extra)")
    out = tmp_path_factory.mktemp("app")
    places = ["--distpath", str(out / "dist"), "--workpath", str(out / "build")]
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            *places,
            "build.spec",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    yield out / "dist" / "RLM Desktop"


def _clean_run(
    program: Path, *args: str, home: Path, cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(
        ["env", "-i", *(f"{k}={v}" for k, v in env.items()), str(program), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_packaged_app_passes_its_self_test_in_a_clean_environment(
    app: Path, tmp_path: Path
) -> None:
    proc = _clean_run(app / "rlm-desktop", "--self-test", home=tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert [ln.split()[1] for ln in lines] == ["model", "sandbox", "window", "pdf", "ocr"]
    assert all(ln.startswith("ok") for ln in lines), lines


def test_the_packaged_app_answers_with_the_recorded_demo_and_the_demo_model(
    app: Path, tmp_path: Path
) -> None:
    demo = app / "_internal" / "resources" / "demo"
    for name in ("a.txt", "b.txt", "demo.json"):
        shutil.copy(demo / name, tmp_path / name)
    replay = _clean_run(
        app / "rlm-desktop",
        *("ask", "What is the magic number?", "--doc", "a.txt", "--doc", "b.txt"),
        *("--backend", "replay:demo.json", "--json"),
        home=tmp_path,
        cwd=tmp_path,
    )
    assert replay.returncode == 0, replay.stderr[-2000:]
    result = json.loads(replay.stdout)
    assert result["status"] == "ok" and result["answer"]
    real = _clean_run(
        app / "rlm-desktop",
        *("ask", "What is the magic number?", "--doc", "a.txt", "--json"),
        *("--max-iterations", "2"),
        home=tmp_path,
        cwd=tmp_path,
    )
    assert real.returncode == 0, real.stderr[-2000:]
    result = json.loads(real.stdout)
    assert result["backend"]["name"] == "llama.cpp"
    assert result["backend"]["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert result["iterations"] >= 1 and result["status"] in ("ok", "budget")
