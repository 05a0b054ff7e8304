"""The status bar: the model, CPU/GPU offload, the sandbox's active protection layers and
memory (the app's own and what the computer has free, refreshed every few seconds).
"""

from __future__ import annotations

import psutil
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from rlm_desktop.llm.base import BackendInfo
from rlm_desktop.ui.format import human_size

MEMORY_EVERY_MS = 3000


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setAccessibleName(name)
    return label


def offload_text(info: BackendInfo) -> str:
    if info.device in ("", "cpu") or not info.gpu_layers:
        return "CPU only"
    return f"GPU ({info.device}): {info.gpu_layers} layers"


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Status")
        self.model = _label("Model")
        self.device = _label("Processor")
        self.sandbox = _label("Sandbox protection")
        self.memory = _label("Memory")
        for widget in (self.model, self.device, self.sandbox, self.memory):
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
            self.device.setText("")
            return
        if info is None:
            self.model.setText("No model")
            self.device.setText("")
            return
        window = f", {info.context_window:,}-token window" if info.context_window else ""
        self.model.setText(f"Model: {info.model or info.name}{window}")
        self.model.setToolTip("\n".join([f"Backend: {info.name}", *info.notes]))
        self.device.setText(offload_text(info))

    def show_problem(self, text: str) -> None:
        """A problem the user should know about, until the next one (or a click elsewhere)."""
        self.showMessage(text)
        self.setToolTip(text)

    def set_sandbox(self, layers: list[str]) -> None:
        if layers:
            self.sandbox.setText(f"Sandbox: {', '.join(layers)}")
            self.sandbox.setToolTip(
                "Protection layers around the code the model writes: " + ", ".join(layers)
            )
        else:
            self.sandbox.setText("Sandbox: checking…")

    def update_memory(self) -> None:
        try:
            rss = self._process.memory_info().rss
            free = psutil.virtual_memory().available
        except psutil.Error:
            return
        self.memory.setText(f"Memory: {human_size(rss)} used, {human_size(free)} free")
