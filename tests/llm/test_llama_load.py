"""Load decisions (threads, GPU layers, window, slots) with made-up machines, and the GPU→CPU
fallback with the real model and an injected GPU failure."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rlm_desktop.llm.base import BackendError
from rlm_desktop.llm.gguf_info import GGUFInfo, read_gguf_info
from rlm_desktop.llm.llama_load import (
    GIB,
    LoadOptions,
    Machine,
    choose_gpu_layers,
    choose_threads,
    cpu_fallback,
    plan_load,
)

MIB = 1 << 20


@pytest.fixture
def seven_b(demo_model: Path) -> GGUFInfo:
    """A 7B-like model: 4 GiB of weights, 32 layers, 1 GiB of KV cache per 8k tokens."""
    info = read_gguf_info(demo_model)
    return dataclasses.replace(
        info,
        file_size=4 * GIB,
        block_count=32,
        embedding_length=4096,
        head_count=32,
        head_count_kv=8,
        key_length=128,
        value_length=128,
        context_length=32768,
    )


def cpu_machine(ram: float = 16, cores: int = 8) -> Machine:
    return Machine(available_ram=int(ram * GIB), physical_cores=cores)


def test_threads_leave_the_gui_a_core_from_three_cores_on() -> None:
    assert choose_threads(1) == (1, 1)
    assert choose_threads(2) == (2, 2)  # measured: 2 threads generate faster on 2 cores
    assert choose_threads(4) == (3, 4)
    assert choose_threads(8) == (7, 8)


def test_everything_goes_to_a_gpu_with_room(seven_b: GGUFInfo) -> None:
    gpu = dataclasses.replace(
        cpu_machine(), gpu_offload=True, gpu_backend="cuda", usable_vram=24 * GIB
    )
    plan = plan_load(seven_b, gpu, LoadOptions())
    assert (plan.gpu_layers, plan.device) == (33, "cuda")  # 32 layers + the output layer
    assert plan.n_ctx == 16384 and plan.n_slots == 4


def test_part_of_the_model_goes_to_a_small_gpu(seven_b: GGUFInfo) -> None:
    gpu = dataclasses.replace(
        cpu_machine(), gpu_offload=True, gpu_backend="cuda", usable_vram=4 * GIB
    )
    plan = plan_load(seven_b, gpu, LoadOptions(n_ctx=8192))
    # per layer: 4 GiB / 33 of weights + 4 slots × 1 GiB / 32 of KV ≈ 252 MiB; 4 GiB - 384 MiB
    assert plan.gpu_layers == 14 and plan.device == "cuda"
    assert choose_gpu_layers(32, 4 * GIB, 4 * GIB, 300 * MIB) == 0  # below the reserve
    assert choose_gpu_layers(32, 4 * GIB, 4 * GIB, 64 * GIB) == 33


def test_apple_unified_memory_offloads_all_layers(seven_b: GGUFInfo) -> None:
    mac = Machine(
        available_ram=24 * GIB,
        physical_cores=8,
        gpu_offload=True,
        gpu_backend="metal",
        usable_vram=18 * GIB,
        unified_memory=True,
    )
    plan = plan_load(seven_b, mac, LoadOptions(n_ctx=8192))
    assert (plan.gpu_layers, plan.device) == (33, "metal")


def test_a_cpu_only_build_ignores_a_gpu_layer_setting_and_says_so(seven_b: GGUFInfo) -> None:
    plan = plan_load(seven_b, cpu_machine(), LoadOptions(gpu_layers=20))
    assert (plan.gpu_layers, plan.device) == (0, "cpu")
    assert any("no GPU support" in note for note in plan.notes)


def test_the_window_shrinks_to_fit_memory(seven_b: GGUFInfo) -> None:
    # 1 GiB reserve + 4 GiB weights + 4 slots × 512 MiB (4k tokens) + a little
    plan = plan_load(seven_b, cpu_machine(ram=7.2), LoadOptions())
    assert plan.n_ctx == 4096 and plan.n_slots == 4
    assert any("reduced to 4096" in note for note in plan.notes)


def test_fewer_slots_before_giving_up_then_one_clear_line(seven_b: GGUFInfo) -> None:
    plan = plan_load(seven_b, cpu_machine(ram=5.4), LoadOptions())
    assert plan.n_slots < 4 and plan.n_ctx >= 2048
    with pytest.raises(BackendError) as caught:
        plan_load(seven_b, cpu_machine(ram=4.5), LoadOptions())
    assert "not enough memory" in str(caught.value) and "\n" not in str(caught.value)


def test_the_window_never_exceeds_the_model_maximum(demo_model: Path) -> None:
    info = read_gguf_info(demo_model)  # 8192 tokens at most
    assert plan_load(info, cpu_machine(), LoadOptions()).n_ctx == 8192
    plan = plan_load(info, cpu_machine(), LoadOptions(n_ctx=32768))
    assert plan.n_ctx == 8192 and any("maximum" in note for note in plan.notes)


def test_what_detection_could_not_tell_is_in_the_plan_notes_once(seven_b: GGUFInfo) -> None:
    probe_note = "nvidia-smi gave no GPU memory figures (CalledProcessError: status 9)"
    machine = dataclasses.replace(cpu_machine(), notes=(probe_note,))
    plan = plan_load(seven_b, machine, LoadOptions())
    assert plan.notes[0] == probe_note
    after = cpu_fallback(plan, seven_b, machine, LoadOptions(), "CUDA error")
    assert after.notes.count(probe_note) == 1 and after.notes[1].startswith("GPU load failed")


def test_options_are_validated() -> None:
    assert LoadOptions.from_dict({"n_ctx": "4096", "gpu_layers": None}).n_ctx == 4096
    for bad in ({"bogus": 1}, {"n_ctx": "lots"}, {"n_threads": 2.5}):
        with pytest.raises(BackendError):
            LoadOptions.from_dict(bad)


@pytest.mark.model
def test_a_failed_gpu_load_retries_on_the_cpu_and_says_why(demo_model: Path) -> None:
    from rlm_desktop.llm.llama import LlamaBackend
    from rlm_desktop.llm.llama_native import NativeError, NativeModel

    asked: list[int] = []

    def flaky_gpu(path: Path, gpu_layers: int) -> NativeModel:
        asked.append(gpu_layers)
        if gpu_layers > 0:
            raise NativeError("CUDA error: out of memory")
        return NativeModel(path, 0)

    gpu = Machine(
        available_ram=8 * GIB,
        physical_cores=2,
        gpu_offload=True,
        gpu_backend="cuda",
        usable_vram=8 * GIB,
    )
    backend = LlamaBackend.load(demo_model, LoadOptions(n_ctx=1024, n_slots=1), gpu, flaky_gpu)
    try:
        assert asked == [31, 0]  # all 30 layers + output first, then none
        assert (backend.info.device, backend.info.gpu_layers) == ("cpu", 0)
        assert (
            "GPU load failed: CUDA error: out of memory; running on the CPU" in backend.info.notes
        )
        assert backend.count_tokens("still works") > 0
    finally:
        backend.close()


def test_batched_sub_calls_get_a_pool_that_fits_the_memory_left(seven_b: GGUFInfo) -> None:
    assert plan_load(seven_b, cpu_machine(ram=16), LoadOptions()).parallel == 1  # off
    roomy = plan_load(seven_b, cpu_machine(ram=16), LoadOptions(parallel=16))
    assert (roomy.parallel, roomy.batch_ctx) == (16, 8192)  # lanes share up to 8k cells
    tight = plan_load(seven_b, cpu_machine(ram=7.2), LoadOptions(parallel=16))
    assert 0 < tight.batch_ctx < 4096 and tight.batch_ctx % 256 == 0  # what is left after slots
    none = plan_load(seven_b, cpu_machine(ram=7.0), LoadOptions(parallel=16))
    assert none.batch_ctx == 0
    assert any("one at a time" in note for note in none.notes)
    off = plan_load(seven_b, cpu_machine(ram=16), LoadOptions(parallel=1))
    assert off.batch_ctx == 0 and not any("one at a time" in n for n in off.notes)
    assert LoadOptions.from_dict({"parallel": "4", "batch_ctx": 512}).parallel == 4


def test_batching_is_automatic_where_it_was_measured_faster(seven_b: GGUFInfo) -> None:
    """Left automatic, sub-calls are decoded together for the weight kinds `bench batch`
    measured faster that way on a CPU (Q4_K_*, Q8_0), and always on a GPU; the demo model's
    Q4_1 stays one at a time (batching it gained nothing). A choice made by the user wins."""
    from rlm_desktop.llm.llama_load import AUTO_PARALLEL

    def parallel(quantization: str, machine: Machine, chosen: int | None = None) -> int:
        info = dataclasses.replace(seven_b, quantization=quantization)
        return plan_load(info, machine, LoadOptions(parallel=chosen)).parallel

    cpu = cpu_machine(ram=16)
    assert parallel("Q4_1", cpu) == 1
    assert parallel("Q4_K_M", cpu) == parallel("Q4_K_S", cpu) == AUTO_PARALLEL
    assert parallel("Q8_0", cpu) == AUTO_PARALLEL
    assert parallel("Q5_K_M", cpu) == parallel("unknown", cpu) == 1  # not measured: off
    gpu = Machine(available_ram=16 * GIB, physical_cores=8, gpu_offload=True, usable_vram=24 * GIB)
    assert parallel("Q4_1", gpu) == AUTO_PARALLEL
    assert parallel("Q4_K_M", cpu, chosen=1) == 1 and parallel("Q4_1", cpu, chosen=4) == 4
