"""The first-run card shown while no model is loaded: the bundled demo model (tiny, and it
says so), a local .gguf file (also droppable onto the window), and the model manager's
recommended download when the model manager is installed. A failed load's one-line reason
shows here too. And the demo badge shown while the demo model is in use, whose "Choose a
better model…" shows the card again (the app starts on the demo model when it is the only
one).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rlm_desktop.ui.model_choice import DEMO_BLURB

DEMO_BADGE = "Demo model: answers are often wrong"
INTRO = (
    "RLM Desktop answers with a language model that runs on this computer: "
    "nothing you drop here is sent anywhere. Choose one to start."
)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("caption")
    return label


class ModelSetup(QFrame):
    use_demo = Signal()
    open_file = Signal()
    download = Signal()
    dismissed = Signal()  # "Not now": shown over a loaded (demo) model, the card can go

    def __init__(
        self, demo_available: bool, manager_available: bool, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setObjectName("modelSetup")
        self.setAccessibleName("Choose a model")
        title = QLabel("Choose a model to get started")
        title.setObjectName("cardTitle")
        self.not_now = QPushButton("Not now")
        self.not_now.setAccessibleName("Close the model choices")
        self.not_now.setToolTip("Keep the model in use and close these choices")
        self.not_now.clicked.connect(self.hide)
        self.not_now.clicked.connect(self.dismissed)
        self.not_now.hide()
        self.message = QLabel()
        self.message.setObjectName("errorLine")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Model problem")
        self.message.hide()
        self.demo_button = QPushButton("Use the demo model")
        self.demo_button.setAccessibleName("Use the demo model")
        self.demo_button.setEnabled(demo_available)
        self.file_button = QPushButton("Open a model file…")
        self.file_button.setAccessibleName("Open a model file")
        self.download_button = QPushButton("Download the recommended model…")
        self.download_button.setAccessibleName("Download the recommended model")
        self.demo_button.clicked.connect(self.use_demo)
        self.file_button.clicked.connect(self.open_file)
        self.download_button.clicked.connect(self.download)
        demo_text = DEMO_BLURB if demo_available else "The demo model is not on this computer."
        grid = QGridLayout()
        rows = [
            (self.demo_button, demo_text),
            (
                self.file_button,
                "A .gguf file you already have. You can also drop it onto this window.",
            ),
        ]
        if manager_available:
            rows.append(
                (
                    self.download_button,
                    "Opens the model manager, which suggests a model "
                    "that fits this computer and downloads it.",
                )
            )
        else:
            self.download_button.hide()
        for row, (button, text) in enumerate(rows):
            grid.addWidget(button, row, 0)
            grid.addWidget(_caption(text), row, 1)
        grid.setColumnStretch(1, 1)
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(self.not_now)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        self.intro = _caption(INTRO)
        layout.addWidget(self.intro)
        layout.addWidget(self.message)
        layout.addLayout(grid)

    def set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_over_model(self, loaded: bool) -> None:
        """Show the card; over a loaded model it can be closed again ("Not now")."""
        self.not_now.setVisible(loaded)
        self.intro.setVisible(not loaded)  # the first-run words; shorter over a model
        self.show()


class DemoBadge(QFrame):
    """ "Demo model: answers are often wrong", with a button to choose a better model."""

    choose = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("demoBadge")
        self.setAccessibleName(DEMO_BADGE)
        self.setToolTip(
            "The demo model is tiny: good for trying the app, not for real work. "
            "Choose a bigger model in Models ▸ Manage models…"
        )
        self.label = QLabel(DEMO_BADGE)
        self.label.setObjectName("demoBadgeText")
        self.choose_button = QPushButton("Choose a better model…")
        self.choose_button.setAccessibleName("Choose a better model")
        self.choose_button.setToolTip(
            "Show the choices: your own model file, or a model that fits this computer"
        )
        self.choose_button.clicked.connect(self.choose)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 4, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.choose_button)

    def text(self) -> str:
        return self.label.text()
