"""Small dialogs and desktop hand-offs: file pickers, the limits and model options dialogs, the
model manager (when installed), the log folder and About.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from rlm_desktop import __version__
from rlm_desktop.store.paths import log_dir
from rlm_desktop.store.settings import Budgets, ModelOptions
from rlm_desktop.ui.budgets_dialog import BudgetsDialog
from rlm_desktop.ui.model_choice import MANAGER_MODULE
from rlm_desktop.ui.model_options_dialog import ModelOptionsDialog

if TYPE_CHECKING:
    from rlm_desktop.ui.model_manager import ModelManagerDialog
    from rlm_desktop.ui.tasks import TaskManager

log = logging.getLogger(__name__)
DOCUMENT_FILTER = (
    "Documents (*.pdf *.docx *.doc *.odt *.rtf *.txt *.md *.csv *.tsv *.xlsx *.xls *.ods "
    "*.pptx *.odp *.html *.htm *.epub *.json *.xml *.py *.js *.ts *.java *.c *.cpp *.h *.go "
    "*.rs *.rb *.sh *.sql *.log *.yaml *.yml *.toml *.ini *.png *.jpg *.jpeg *.tif *.tiff "
    "*.webp);;Scans and pictures of pages (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp "
    "*.gif);;All files (*)"
)


def pick_files(parent: QWidget) -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(parent, "Add documents", "", DOCUMENT_FILTER)
    return files


def pick_folder(parent: QWidget) -> list[str]:
    folder = QFileDialog.getExistingDirectory(parent, "Add a folder of documents")
    return [folder] if folder else []


def pick_model(parent: QWidget) -> list[str]:
    path, _ = QFileDialog.getOpenFileName(parent, "Open a model file", "", "GGUF models (*.gguf)")
    return [path] if path else []


def ask_budgets(parent: QWidget, budgets: Budgets) -> Budgets | None:
    dialog = BudgetsDialog(budgets, parent)
    return dialog.budgets() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_model_options(parent: QWidget, options: ModelOptions) -> ModelOptions | None:
    dialog = ModelOptionsDialog(options, parent)
    return dialog.options() if dialog.exec() == QDialog.DialogCode.Accepted else None


def open_model_manager(
    parent: QWidget,
    on_chosen: Callable[[str], None],
    active_model: str | None = None,
    tasks: TaskManager | None = None,
) -> ModelManagerDialog | None:
    """Open the model manager (None when it is not installed); its `model_chosen(path)` loads
    the model. It checks the computer in the background (on `tasks`), so it opens at once."""
    try:
        module = importlib.import_module(MANAGER_MODULE)
        from rlm_desktop.hub.service import HubService
    except ImportError as exc:
        log.warning("model manager unavailable: %s", exc)
        return None
    dialog = module.ModelManagerDialog(HubService(), active_model, parent, tasks)
    dialog.model_chosen.connect(on_chosen)
    dialog.open()
    return dialog


def open_log_folder() -> bool:
    folder = log_dir(ensure=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def about(parent: QWidget) -> None:
    QMessageBox.about(
        parent,
        "About RLM Desktop",
        f"<b>RLM Desktop {__version__}</b><p>Ask questions about your documents with a "
        "language model that runs on this computer. The model reads the documents by writing "
        "small programs, and can ask itself helper questions (the Recursive Language Model "
        "recipe, arXiv 2512.24601).</p><p>Your documents never leave this computer.</p>",
    )
