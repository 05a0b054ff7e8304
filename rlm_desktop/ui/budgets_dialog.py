"""Run ▸ Limits…: the run budgets a user may change (steps, how far helper runs may hand work
on, time per piece of code, time and tokens for the whole run), each with a tooltip in words.
Kept in the settings file between launches.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from rlm_desktop.store.settings import Budgets
from rlm_desktop.ui.settings_form import lay_out_settings

TIPS = {
    "turns": "How many steps the model may take to answer: each step it writes a little "
    "program, the app runs it and shows the model what it printed. Helper runs get as many.",
    "depth": "A helper run is the model handing part of the documents to a second copy of "
    "itself. This is how many times that may happen inside each other (0: never).",
    "cell": "How long one of the model's small programs may run before the app stops it "
    "and tells the model.",
    "minutes": "The longest a whole question may take; then the best answer so far is shown.",
    "tokens": "How much text (in tokens, pieces of about ¾ of a word) the model may read and "
    "write for one question.",
}


def _spin(low: int, high: int, value: int, name: str, step: int = 1, none: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setAccessibleName(name)
    if none:
        box.setSpecialValueText(none)
    return box


class BudgetsDialog(QDialog):
    def __init__(self, budgets: Budgets, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run limits")
        self.setAccessibleName("Run limits")
        self.turns = _spin(1, 200, budgets.max_iterations, "Steps per question")
        self.depth = _spin(0, 5, budgets.max_depth, "How many times helper runs may hand on")
        self.cell = QDoubleSpinBox()
        self.cell.setRange(1, 3600)
        self.cell.setSuffix(" s")
        self.cell.setDecimals(0)
        self.cell.setValue(budgets.cell_timeout)
        self.cell.setAccessibleName("Time limit per code cell in seconds")
        minutes = round((budgets.max_seconds or 0) / 60)
        self.minutes = _spin(0, 24 * 60, minutes, "Time limit per run in minutes", none="none")
        self.minutes.setSuffix(" min")
        tokens = budgets.max_total_tokens or 0
        self.tokens = _spin(0, 100_000_000, tokens, "Token limit per run", 10_000, none="none")
        for name, tip in TIPS.items():
            getattr(self, name).setToolTip(tip)
        form = QFormLayout()
        form.addRow("Steps per question (and per helper run):", self.turns)
        form.addRow("Helper runs inside helper runs:", self.depth)
        form.addRow("Time limit for one piece of code:", self.cell)
        form.addRow("Time limit for the whole run:", self.minutes)
        form.addRow("Token limit for the whole run:", self.tokens)
        lay_out_settings(
            self,
            "Limits keep a run from going on too long. A run that reaches one "
            "stops and gives its best answer so far.",
            form,
            lambda: self.set_budgets(Budgets()),
        )

    def set_budgets(self, budgets: Budgets) -> None:
        self.turns.setValue(budgets.max_iterations)
        self.depth.setValue(budgets.max_depth)
        self.cell.setValue(budgets.cell_timeout)
        self.minutes.setValue(round((budgets.max_seconds or 0) / 60))
        self.tokens.setValue(budgets.max_total_tokens or 0)

    def budgets(self) -> Budgets:
        return Budgets(
            max_iterations=self.turns.value(),
            max_depth=self.depth.value(),
            cell_timeout=float(self.cell.value()),
            max_seconds=self.minutes.value() * 60.0 or None,
            max_total_tokens=self.tokens.value() or None,
        )
