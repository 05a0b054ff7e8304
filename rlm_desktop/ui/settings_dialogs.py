"""Run ▸ Limits… and Models ▸ Model options…: the window's two settings dialogs, applied; and
File ▸ Read scanned pages (OCR), a setting the next documents added are read with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rlm_desktop.ui import dialogs

if TYPE_CHECKING:
    from rlm_desktop.ui.main_window import MainWindow


def edit_limits(window: MainWindow) -> None:
    budgets = dialogs.ask_budgets(window, window.settings.budgets)
    if budgets is not None:
        window.settings.budgets = budgets
        window.save_settings()


def edit_model_options(window: MainWindow) -> None:
    """A new context window (or number of sub-calls at once) reloads the model at once."""
    options = dialogs.ask_model_options(window, window.settings.model_options)
    if options is None:
        return
    old = window.settings.model_options
    reload = (options.context_tokens, options.parallel) != (old.context_tokens, old.parallel)
    window.settings.model_options = options
    window.save_settings()
    spec = window.host.spec
    if reload and spec is not None and spec[1] is not None and window.state.can_change_model:
        window.host.load(spec[0], spec[1], options.load_options())


def set_ocr(window: MainWindow, on: bool) -> None:
    """Documents added from now on are read with (or without) text recognition."""
    window.settings.ocr = on
    window.loader.ocr = on
    window.save_settings()
