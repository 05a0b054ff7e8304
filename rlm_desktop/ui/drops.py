"""Dropping files anywhere on the window: which paths a drag carries, and the overlay that
says what a drop will do while a drag hovers over the window.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtWidgets import QLabel, QWidget

from rlm_desktop.ui.model_choice import is_model_file


def dropped_paths(mime: QMimeData) -> list[str]:
    """Local file and folder paths in a drag (web links and text are ignored)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


def split_models(paths: list[str]) -> tuple[list[str], list[str]]:
    """(.gguf model files, documents and folders)."""
    models = [p for p in paths if is_model_file(p)]
    return models, [p for p in paths if not is_model_file(p)]


def dropped_model(mime: QMimeData) -> str | None:
    """The first .gguf model file in a drag, if any."""
    models, _ = split_models(dropped_paths(mime))
    return models[0] if models else None


def drop_message(paths: list[str]) -> str:
    models, documents = split_models(paths)
    if models and not documents:
        return "Drop to use this model"
    if documents and not models:
        return f"Drop to add {'this' if len(documents) == 1 else 'these'} to your documents"
    return "Drop to add the documents and use the model"


class DropOverlay(QLabel):
    """A translucent sheet over the window while something is dragged over it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("dropOverlay")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def show_over(self, widget: QWidget, text: str) -> None:
        self.setText(text)
        self.setGeometry(widget.geometry().adjusted(12, 12, -12, -12))
        self.raise_()
        self.show()
