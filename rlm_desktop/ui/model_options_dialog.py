"""Models ▸ Model options…: how much text the model holds at once (its context window),
whether its replies are kept to the form the app can run (a grammar), and how many helper
questions run at once (batched sub-calls). Kept in the settings file between launches.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QSpinBox, QWidget

from rlm_desktop.store.settings import (
    MAX_CONTEXT_TOKENS,
    MAX_PARALLEL,
    MIN_CONTEXT_TOKENS,
    ModelOptions,
)
from rlm_desktop.ui.settings_form import lay_out_settings

GRAMMAR_LABELS = (
    ("auto", "Automatic: on for small models"),
    ("on", "Always"),
    ("off", "Never"),
)


class ModelOptionsDialog(QDialog):
    def __init__(self, options: ModelOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Model options")
        self.setAccessibleName("Model options")
        self.context = QSpinBox()
        self.context.setRange(MIN_CONTEXT_TOKENS - 1, MAX_CONTEXT_TOKENS)
        self.context.setSingleStep(1024)
        self.context.setSpecialValueText("automatic")  # shown for the minimum, 511
        self.context.setSuffix(" tokens")
        self.context.setAccessibleName("Context window in tokens")
        self.context.setToolTip(
            "How much text the model can hold at once. Larger needs more memory; "
            "automatic picks what the model and the free memory allow."
        )
        self.grammar = QComboBox()
        for value, label in GRAMMAR_LABELS:
            self.grammar.addItem(label, value)
        self.grammar.setAccessibleName("Keep the model's replies to a form the app can run")
        self.grammar.setToolTip(
            "Keeps a small model's replies to the form the app can run (technically: a "
            "grammar). Large models do not need it."
        )
        self.parallel = QSpinBox()
        self.parallel.setRange(0, MAX_PARALLEL)
        self.parallel.setSpecialValueText("automatic")  # shown for 0
        self.parallel.setAccessibleName("Helper questions at once")
        self.parallel.setToolTip(
            "How many helper questions (batched sub-calls) run at the same time: decoded "
            "together by the model in the app (automatic: 8 where that is faster, with a "
            "graphics card or for Q4_K and Q8_0 models; else one at a time), or sent together "
            "to a model server (automatic: 4). 1 asks them one after another."
        )
        form = QFormLayout()
        form.addRow("Text the model holds at once:", self.context)
        form.addRow("Keep replies to a form the app can run:", self.grammar)
        form.addRow("Helper questions at once:", self.parallel)
        lay_out_settings(
            self,
            "A new context window or number of helper questions at once takes effect when the "
            "model loads again (at once).",
            form,
            lambda: self.set_options(ModelOptions()),
        )
        self.set_options(options)

    def set_options(self, options: ModelOptions) -> None:
        self.context.setValue(options.context_tokens or self.context.minimum())
        index = self.grammar.findData(options.grammar)
        self.grammar.setCurrentIndex(max(0, index))
        self.parallel.setValue(options.parallel or 0)

    def options(self) -> ModelOptions:
        tokens = self.context.value()
        return ModelOptions(
            context_tokens=None if tokens < MIN_CONTEXT_TOKENS else tokens,
            grammar=str(self.grammar.currentData()),
            parallel=self.parallel.value() or None,
        )
