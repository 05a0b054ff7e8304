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


# Plain tooltips for the dialog's own controls, by accessible name (for an accountant, not a
# programmer): what the control is, and what clicking it does.
TIPS = {
    "Computer summary": "What this computer has for running models: memory, processor and "
    "graphics card, and the free disk space for model files.",
    "Active model": "The model the app uses now to answer your questions.",
    "Catalogue of models": "Models you can download, with a verdict for this computer: "
    "'recommended' runs well here, 'will be slow' works but takes long, 'does not fit' "
    "needs more memory than this computer has. Hover over a row for more.",
    "Download progress": "How much of the model file has been downloaded.",
    "Download status": "What the download is doing now.",
    "Cancel download": "Pause the download. The part already fetched is kept, so it can "
    "go on later.",
    "Error message": "What went wrong, and what you can do about it.",
    "Retry download": "Try the download again (check the internet connection first).",
    "Installed models": "Models already on this computer. Click Use to answer questions "
    "with one, or Remove to delete its file and free the disk space.",
    "No installed models": "Download a model from the list above, or import a model file "
    "you already have.",
    "Import a model file": "Copy a model file you already have (its name ends in .gguf) into the "
    "app. You can also drop the file on this window.",
    "Close model manager": "Close this window. A download in progress is paused and can "
    "go on later.",
}
ACTION_TIPS = {
    "Use": "Answer your questions with this model from now on.",
    "Resume": "Go on with the download where it stopped.",
    "Download": "Download this model to this computer (you are asked first, with its size "
    "and the time it takes).",
    "Remove": "Delete this model's file from this computer to free the disk space.",
}


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
