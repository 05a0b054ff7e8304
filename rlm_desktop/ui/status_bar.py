"""The status bar in plain words: where the work happens ("Private: runs on this computer"),
how the model's code is fenced in ("Protected: 5 of 5 safety layers"), the model and how fast
it is likely to be, and memory. The technical details (backend, context window, the layers'
names, offload) are in tooltips and in Help ▸ About this computer.

Its labels never set the window's minimum width (issue 19, defect 2: a real model's long file
name and the memory line made the status bar wider than 1024 px, so the window widened itself
during a run and could not be made narrower): when there is no room, a line ends in "…".
"""

from __future__ import annotations

import psutil
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from rlm_desktop.llm.base import BackendInfo
from rlm_desktop.sandbox.policy import LAYER_NAMES
from rlm_desktop.ui.fitting_label import FittingLabel
from rlm_desktop.ui.format import human_size

MEMORY_EVERY_MS = 3000
ALL_LAYERS = ("process", *LAYER_NAMES)  # the sandbox host adds "process" to the worker's
LAYER_WORDS = {
    "process": "a separate process without privileges",
    "rlimits": "limits on memory, time and files",
    "landlock": "no access to files or the network",
    "seccomp": "a filter on what it may ask the system",
    "audit-hook": "a guard on what Python may do",
}
SMALL_MODEL_PARAMS = 2_000_000_000  # up to this size a model runs fast on a processor


def _label(name: str, fitting: bool = False) -> QLabel:
    label = FittingLabel() if fitting else QLabel()
    label.setAccessibleName(name)
    return label


def offload_text(info: BackendInfo) -> str:
    if info.device in ("", "cpu") or not info.gpu_layers:
        return "CPU only"
    return f"GPU ({info.device}): {info.gpu_layers} layers"


def speed_words(info: BackendInfo) -> str:
    """How fast the model is likely to feel here, in words."""
    if info.name == "replay":
        return "a recording"
    if info.device not in ("", "cpu") and info.gpu_layers:
        return "fast on this computer (uses the graphics card)"
    if info.n_params is not None and info.n_params <= SMALL_MODEL_PARAMS:
        return "fast on this computer"
    return "slow on this computer (runs on the processor)"


def technical(info: BackendInfo) -> list[str]:
    """The model's technical details, for tooltips and Help ▸ About this computer."""
    lines = [f"Backend: {info.name}", f"Model: {info.model or info.name}"]
    if info.n_params:
        lines.append(f"Parameters: {info.n_params:,}")
    if info.context_window:
        lines.append(f"Context window: {info.context_window:,} tokens")
    lines.append(f"Runs on: {offload_text(info)}")
    return lines + list(info.notes)


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Status")
        self.privacy = _label("Privacy")
        self.privacy.setText("Private: runs on this computer")
        self.privacy.setToolTip(
            "Your documents and questions never leave this computer: the model runs here "
            "and the app does not use the network."
        )
        self.model = _label("Model", fitting=True)  # a model's file name can be long
        self.device = _label("Processor")  # kept empty: the details are in the model's tooltip
        self.sandbox = _label("Sandbox protection")
        self.memory = _label("Memory", fitting=True)
        self.layers: list[str] = []
        for widget in (self.privacy, self.model, self.sandbox, self.memory):
            self.addPermanentWidget(widget)
        self._process = psutil.Process()
        self._timer = QTimer(self)
        self._timer.setInterval(MEMORY_EVERY_MS)
        self._timer.timeout.connect(self.update_memory)
        self._timer.start()
        self.set_model(None)
        self.set_sandbox([])
        self.update_memory()

    def set_model(self, info: BackendInfo | None, loading: str = "") -> None:
        if loading:
            self.model.setText(f"Loading model: {loading}…")
            self.model.setToolTip("")
            return
        if info is None:
            self.model.setText("No model")
            self.model.setToolTip("Choose a model in the Models menu")
            return
        server = info.name.startswith("openai")
        if server:
            self.privacy.setText("Uses a model server")
        self.model.setText(f"Model: {info.model or info.name} · {speed_words(info)}")
        self.model.setToolTip("\n".join(technical(info)))

    def show_problem(self, text: str) -> None:
        """A problem the user should know about, until the next one (or a click elsewhere)."""
        self.showMessage(text)
        self.setToolTip(text)

    def set_sandbox(self, layers: list[str]) -> None:
        self.layers = list(layers)
        if not layers:
            self.sandbox.setText("Protection: checking…")
            self.sandbox.setToolTip("The app is checking how it fences in the model's code")
            return
        active = [name for name in ALL_LAYERS if name in layers]
        total = max(len(ALL_LAYERS), len(layers))
        self.sandbox.setText(f"Protected: {len(layers)} of {total} safety layers")
        lines = [
            f"• {LAYER_WORDS.get(n, n)} ({n})"
            for n in active + [n for n in layers if n not in ALL_LAYERS]
        ]
        missing = [n for n in ALL_LAYERS if n not in layers]
        tip = "The code the model writes runs fenced in by:\n" + "\n".join(lines)
        if missing:
            tip += "\nNot available on this computer: " + ", ".join(missing)
        self.sandbox.setToolTip(tip)

    def update_memory(self) -> None:
        try:
            rss = self._process.memory_info().rss
            free = psutil.virtual_memory().available
        except psutil.Error:
            return
        self.memory.setText(f"Memory: {human_size(rss)} used, {human_size(free)} free")
        self.memory.setToolTip("Memory the app uses, and memory this computer has free")
