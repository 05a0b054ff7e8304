"""Machines the fit and model-manager tests assess models for (no detection: fixed figures)."""

from __future__ import annotations

from rlm_desktop.hub.hardware import GIB, Hardware

CPU_LAPTOP = Hardware(
    total_ram=8 * GIB,
    available_ram=5 * GIB,
    cpu_cores=4,
    logical_cpus=8,
    system="Linux",
    machine="x86_64",
    llama_available=True,
    gpu_offload=False,
    gpu_backend="cpu",
)
