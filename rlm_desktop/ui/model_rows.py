"""Texts and colours for the model manager: plain functions, easy to test and to reuse."""

from __future__ import annotations

from PySide6.QtGui import QColor

from rlm_desktop.hub.download import DownloadProgress
from rlm_desktop.hub.fit import NO_FIT, RECOMMENDED
from rlm_desktop.hub.hardware import Hardware
from rlm_desktop.hub.service import CatalogRow
from rlm_desktop.ui.format import human_size

_COLORS = {RECOMMENDED: "#1b7f3b", NO_FIT: "#b00020"}
_DARK_COLORS = {RECOMMENDED: "#5fd38a", NO_FIT: "#ff7b86"}  # the same meanings on dark


def verdict_color(verdict: str, dark: bool = False) -> QColor:
    if dark:
        return QColor(_DARK_COLORS.get(verdict, "#e3b341"))
    return QColor(_COLORS.get(verdict, "#9a6700"))


def catalog_action(row: CatalogRow) -> tuple[str, str]:
    """(button text, action) for a catalogue row: use it, resume it, or download it."""
    if row.installed is not None:
        return ("Use", "use")
    if row.partial_bytes:
        return ("Resume", "download")
    return ("Download", "download")


def hardware_summary(hw: Hardware) -> str:
    gpu = "no GPU offload"
    if hw.unified_memory and hw.gpu_offload:
        gpu = "Apple GPU (shared memory)"
    elif hw.gpu_offload:
        vram = f", {human_size(hw.vram_total)}" if hw.vram_total else ""
        gpu = f"{hw.gpu_name or hw.gpu_backend.upper()}{vram}"
    elif hw.gpu_name:
        gpu = f"{hw.gpu_name} (this build of the model runtime cannot use it)"
    disk = f"; {human_size(hw.free_disk)} free for models" if hw.free_disk is not None else ""
    runtime = "" if hw.llama_available else " — the model runtime is not installed yet"
    memory = f"{human_size(hw.total_ram)} memory, {hw.cpu_cores} cores"
    return f"This computer: {memory}, {gpu}{disk}{runtime}"


def progress_text(p: DownloadProgress) -> str:
    shard = f" (part {p.file_index + 1} of {p.file_count})" if p.file_count > 1 else ""
    if p.phase == "checking":
        return f"Checking the part already downloaded of {p.filename}…"
    if p.phase == "verifying":
        return f"Verifying {p.filename}{shard}…"
    if p.phase == "done":
        return "Done"
    left = ""
    if p.eta is not None:
        minutes, seconds = divmod(int(p.eta), 60)
        left = f", {minutes}:{seconds:02d} left"
    done = f"{human_size(p.downloaded)} of {human_size(p.total)} ({p.fraction:.0%})"
    return f"{p.filename}{shard}: {done} at {human_size(p.speed)}/s{left}"
