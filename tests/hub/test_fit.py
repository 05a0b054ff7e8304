"""Catalogue and fit: verdicts and the recommendation for made-up small and large machines."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from rlm_desktop.hub.catalog import load_catalog
from rlm_desktop.hub.errors import HubError
from rlm_desktop.hub.fit import NO_FIT, RECOMMENDED, SLOW, assess, assess_all, recommend
from rlm_desktop.hub.hardware import GIB, Hardware, detect_hardware
from tests.hub.machines import CPU_LAPTOP

DEV_BOX = replace(CPU_LAPTOP, total_ram=24 * GIB, cpu_cores=2, logical_cpus=2)
GPU_TOWER = replace(
    CPU_LAPTOP,
    total_ram=64 * GIB,
    cpu_cores=16,
    gpu_offload=True,
    gpu_backend="cuda",
    vram_total=24 * GIB,
    vram_free=23 * GIB,
)
MAC = replace(
    CPU_LAPTOP,
    total_ram=36 * GIB,
    cpu_cores=12,
    system="Darwin",
    machine="arm64",
    gpu_offload=True,
    gpu_backend="metal",
    unified_memory=True,
)
TINY = replace(CPU_LAPTOP, total_ram=2 * GIB)


def verdicts(hw: Hardware) -> dict[str, str]:
    return {a.entry.id: a.verdict for a in assess_all(load_catalog(), hw)}


def test_catalogue_is_complete() -> None:
    catalog = load_catalog()
    assert 6 <= len(catalog.entries) <= 10
    assert catalog.demo is not None and catalog.demo.first_file.endswith(".gguf")
    for e in catalog.entries:
        assert e.repo.count("/") == 1 and e.files and e.size_bytes > 0
        assert e.license and e.good_for and e.context_length >= 8192
        assert e.kv_cache_bytes(1024) > 0
    assert any(e.sharded for e in catalog.entries)
    assert max(e.n_params for e in catalog.entries) > 25e9


def test_demo_entry_matches_the_real_file() -> None:
    from rlm_desktop.llm.gguf_info import read_gguf_info
    from rlm_desktop.store.paths import dev_models_dir

    demo = load_catalog().demo
    assert demo is not None
    path = dev_models_dir() / demo.first_file
    if not path.is_file():
        pytest.skip("demo model missing")
    info = read_gguf_info(path)
    assert info.file_size == demo.size_bytes and info.n_params == demo.n_params
    assert info.kv_cache_bytes(4096) == demo.kv_cache_bytes(4096)


def test_small_cpu_laptop() -> None:
    v = verdicts(CPU_LAPTOP)
    assert v["smollm2-135m"] == RECOMMENDED
    assert v["qwen2.5-coder-1.5b"] == RECOMMENDED
    assert v["qwen2.5-coder-7b"] == SLOW
    assert v["qwen2.5-coder-14b"] == NO_FIT and v["qwen2.5-coder-32b"] == NO_FIT
    best = recommend(load_catalog(), CPU_LAPTOP)
    assert best is not None and best.verdict == RECOMMENDED
    assert best.entry.id in ("qwen2.5-coder-3b", "qwen3-4b-instruct-2507", "qwen2.5-coder-1.5b")


def test_this_dev_box() -> None:
    """2 cores, 24 GB: the demo runs near its measured 110 tok/s; 7B fits but crawls."""
    demo = assess(load_catalog().get("smollm2-135m"), DEV_BOX)  # type: ignore[arg-type]
    assert 70 < demo.tokens_per_second < 150
    v = verdicts(DEV_BOX)
    assert v["qwen2.5-coder-7b"] == SLOW and v["qwen2.5-coder-14b"] == SLOW
    assert v["qwen2.5-coder-32b"] == NO_FIT


def test_big_gpu_machine() -> None:
    v = verdicts(GPU_TOWER)
    assert v["qwen2.5-coder-14b"] == RECOMMENDED
    assert v["qwen2.5-coder-32b"] == RECOMMENDED
    best = recommend(load_catalog(), GPU_TOWER)
    assert best is not None and best.entry.id in ("qwen2.5-coder-32b", "qwen3-coder-30b-a3b")
    assert best.gpu_fraction > 0.9


def test_apple_unified_memory() -> None:
    a = assess(load_catalog().get("qwen2.5-coder-14b"), MAC)  # type: ignore[arg-type]
    assert a.verdict == RECOMMENDED and a.gpu_fraction == 1.0


def test_nothing_fits_but_the_demo() -> None:
    best = recommend(load_catalog(), TINY)
    v = verdicts(TINY)
    assert v["qwen2.5-coder-7b"] == NO_FIT
    assert best is not None and best.verdict != NO_FIT


def test_memory_grows_with_context() -> None:
    entry = load_catalog().get("qwen2.5-coder-7b")
    assert entry is not None
    small, large = assess(entry, GPU_TOWER, 4096), assess(entry, GPU_TOWER, 32768)
    assert large.kv_bytes == 8 * small.kv_bytes
    assert large.memory_bytes > small.memory_bytes > entry.size_bytes
    assert assess(entry, GPU_TOWER, 10**9).n_ctx == entry.context_length
    assert "GB" in small.reason and small.to_json()["verdict"] == RECOMMENDED


def test_detect_hardware_here(tmp_path: Path) -> None:
    hw = detect_hardware(tmp_path / "not-yet" / "models", probe_llama=False)
    assert hw.total_ram > GIB and hw.cpu_cores >= 1 and hw.logical_cpus >= 1
    assert hw.free_disk and hw.free_disk > 0
    assert hw.gpu_backend == "cpu" and not hw.gpu_offload
    assert hw.to_json()["total_ram"] == hw.total_ram


def test_detect_hardware_with_llama_probe_never_raises() -> None:
    hw = detect_hardware(probe_llama=True)  # llama_cpp may be missing: degrade, do not fail
    assert isinstance(hw.llama_available, bool)


def test_bad_catalogue(tmp_path: Path) -> None:
    bad = tmp_path / "catalog.json"
    bad.write_text('{"models": [{"id": "x"}]}')
    with pytest.raises(HubError, match="unreadable"):
        load_catalog(bad)
    with pytest.raises(HubError, match="missing"):
        load_catalog(tmp_path / "nope.json")


def test_a_failing_gpu_probe_is_noted_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An `nvidia-smi` that fails leaves no free VRAM (so no GPU layers): never silently."""
    fake = tmp_path / "bin" / "nvidia-smi"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed: driver mismatch' >&2\nexit 9\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    hw = detect_hardware(tmp_path / "models", probe_llama=False)
    assert hw.vram_free is None
    assert len(hw.notes) == 1 and hw.notes[0].startswith("nvidia-smi gave no GPU memory")
    assert "CalledProcessError" in hw.notes[0] and "status 9" in hw.notes[0]
    assert hw.to_json()["notes"] == list(hw.notes)


def test_a_crashing_hardware_probe_reaches_the_machine_notes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in the probe (injected) is logged with its traceback and becomes a note: the
    model still loads on the CPU, and the user is told why."""
    import rlm_desktop.backends as backends
    import rlm_desktop.hub.hardware as hardware

    def broken_probe() -> Hardware:
        raise ZeroDivisionError("division by zero in the VRAM sum")

    monkeypatch.setattr(hardware, "detect_hardware", broken_probe)
    with caplog.at_level("ERROR", logger="rlm_desktop.backends"):
        machine = backends.detect_machine()
    assert not machine.gpu_offload and machine.physical_cores >= 1
    assert machine.notes == (
        "hardware detection failed (ZeroDivisionError: division by zero in the VRAM sum); "
        "using the CPU only",
    )
    assert "hardware detection failed" in caplog.text and "Traceback" in caplog.text
