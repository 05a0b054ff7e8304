"""The shape shared by the small settings dialogs (Run ▸ Limits…, Models ▸ Model options…): an
introduction, a form, and OK / Cancel / Restore Defaults.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout


def lay_out_settings(
    dialog: QDialog, intro: str, form: QFormLayout, restore_defaults: Callable[[], None]
) -> None:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok
        | QDialogButtonBox.StandardButton.Cancel
        | QDialogButtonBox.StandardButton.RestoreDefaults
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
    restore.clicked.connect(restore_defaults)
    label = QLabel(intro)
    label.setWordWrap(True)
    layout = QVBoxLayout(dialog)
    layout.addWidget(label)
    layout.addLayout(form)
    layout.addWidget(buttons)
