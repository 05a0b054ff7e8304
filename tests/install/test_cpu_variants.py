"""The portable llama.cpp build: the best CPU variant this processor runs, never AMX."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rlm_desktop.llm.cpu_backends import AMX_VARIANTS, choose_variant, library_dir, variant_files

REPO = Path(__file__).resolve().parents[2]
SCORES = {"x64": 1, "sse42": 3, "haswell": 40, "icelake": 90, "sapphirerapids": 200, "zen4": 0}


def test_the_best_variant_that_runs_here_is_chosen_but_never_amx() -> None:
    assert choose_variant(SCORES) == ("icelake", ())


def test_a_forced_variant_is_used_when_it_runs_here() -> None:
    chosen, notes = choose_variant(SCORES, forced="haswell")
    assert chosen == "haswell" and "forced" in notes[0]


def test_a_forced_variant_this_cpu_cannot_run_falls_back_with_a_note() -> None:
    chosen, notes = choose_variant(SCORES, forced="zen4")
    assert chosen == "icelake" and "cannot run on this processor" in notes[0]
    chosen, _ = choose_variant(SCORES, forced="sapphirerapids")
    assert chosen == "icelake"


def test_no_usable_variant_is_said() -> None:
    chosen, notes = choose_variant({"zen4": 0, "sapphirerapids": 5})
    assert chosen is None and "no CPU variant" in notes[-1]


def test_the_installed_build_has_every_variant_and_no_amx() -> None:
    files = variant_files(library_dir())
    assert {"x64", "sse42", "haswell"} <= set(files), sorted(files)
    assert not AMX_VARIANTS & set(files)
    stamp = library_dir().parent / "rlm_build_profile.txt"
    profile_args = stamp.read_text().splitlines()[1]
    assert "-DGGML_NATIVE=OFF" in profile_args and "GGML_CPU_ALL_VARIANTS=ON" in profile_args


def _load_in_child(env: dict[str, str]) -> dict[str, object]:
    code = (
        "import json; from rlm_desktop.llm.cpu_backends import load_backends; "
        "r = load_backends(); print(json.dumps({'variant': r.cpu_variant, 'notes': r.notes}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_process_loads_the_best_variant_or_the_one_asked_for() -> None:
    env = {k: v for k, v in os.environ.items() if k != "RLM_DESKTOP_CPU_VARIANT"}
    best = _load_in_child(env)
    assert best["variant"] and best["variant"] not in AMX_VARIANTS
    forced = _load_in_child({**env, "RLM_DESKTOP_CPU_VARIANT": "sse42"})
    assert forced["variant"] == "sse42" and "forced" in forced["notes"][0]


QEMU = shutil.which("qemu-x86_64")


@pytest.fixture(scope="module")
def tiny_model(demo_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny_model import write_tiny_model

    return write_tiny_model(demo_model, tmp_path_factory.mktemp("tiny") / "tiny.gguf")


@pytest.mark.skipif(QEMU is None, reason="qemu-user is not installed (scripts/system_deps.sh)")
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="emulates older x86-64 processors")
@pytest.mark.slow
@pytest.mark.model
@pytest.mark.timeout(900)
@pytest.mark.parametrize(("cpu", "variant"), [("Haswell", "haswell"), ("Nehalem", "sse42")])
def test_the_model_check_passes_on_an_older_processor(
    cpu: str, variant: str, tiny_model: Path
) -> None:
    """The doctor's model check (load, 512-token batch, 16 tokens) on an emulated CPU without
    AVX-512 (Haswell) and without AVX at all (Nehalem). Emulation runs every vector
    instruction in software, so the model is a two-layer one made from the demo model
    (tiny_model.py): same tokenizer, chat format, quantisation and code path, 1/50 the work."""
    assert QEMU is not None
    command = [QEMU, "-cpu", cpu, sys.executable, "-m", "rlm_desktop", "doctor"]
    proc = subprocess.run(
        [*command, "--check", "model", "--model", str(tiny_model)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert f"CPU kernels: {variant}" in proc.stdout
