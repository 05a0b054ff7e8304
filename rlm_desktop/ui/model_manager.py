"""The model manager dialog: the catalogue with verdicts for this computer, downloads with live
progress and cancel, installed models with size, use and remove, the active model, errors.

All logic lives in `rlm_desktop.hub` (through a `HubService`); this is layout and wiring.
The hardware check (which can import the model runtime and run `nvidia-smi`), downloads and
imports are background tasks (on the window's `TaskManager`), so the GUI thread never waits:
the catalogue's verdicts appear when the check is done (`hardware_ready`). Emits
`model_chosen(path)` when the user picks a model to use. A .gguf dropped onto the dialog is
imported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rlm_desktop.cancel import Cancelled
from rlm_desktop.hub.download import DownloadProgress
from rlm_desktop.hub.errors import DownloadError
from rlm_desktop.hub.fit import download_estimate
from rlm_desktop.hub.hardware import Hardware
from rlm_desktop.hub.service import CatalogRow, HubService
from rlm_desktop.ui.code_view import is_dark
from rlm_desktop.ui.dialogs import pick_model
from rlm_desktop.ui.drops import dropped_model
from rlm_desktop.ui.format import human_size
from rlm_desktop.ui.habits import confirm
from rlm_desktop.ui.model_rows import TIPS, hardware_summary, progress_text
from rlm_desktop.ui.model_tables import (
    CATALOG_COLUMNS,
    INSTALLED_COLUMNS,
    fill_catalog,
    fill_installed,
    fit_to_rows,
    make_table,
)
from rlm_desktop.ui.task_state import TaskState
from rlm_desktop.ui.tasks import Callback, Task, TaskManager

PAUSED = "Download paused: the part already fetched is kept; click Resume to go on."
NONE_INSTALLED = "No model installed yet: download one above, or import a model file."
INSTALLED_ROWS = 4  # the installed list grows to this many rows, then scrolls


class ModelManagerDialog(QDialog):
    model_chosen = Signal(str)  # the path of the model file to load
    download_finished = Signal(str)  # the path of a newly downloaded model
    hardware_ready = Signal()  # the verdicts are shown

    def __init__(
        self,
        service: HubService,
        active_model: str | Path | None = None,
        parent: QWidget | None = None,
        tasks: TaskManager | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.tasks = tasks or TaskManager(self)  # the window's, or one of its own
        self.active_model = str(active_model) if active_model else ""
        self.job: Task | None = None
        self.hardware: Hardware | None = None  # known once the background check is done
        self._probe: Task | None = None
        self._want_recommended = False
        self.confirm_box: QMessageBox | None = None  # the open "download …?" question
        self._attempts = 0  # tries of the current download (for "retrying…", "still offline")
        self._job_target = ""
        self._retry: tuple[str, str] | None = None
        self.setWindowTitle("Models")
        self.setAccessibleName("Model manager")
        self.resize(900, 620)
        self.setAcceptDrops(True)  # a .gguf dropped here is imported
        self._build()
        self.refresh()
        self.check_hardware()

    # ---- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.hardware_label = self._label("Computer summary", layout)
        self.active_label = self._label("Active model", layout)
        self._label("Catalogue heading", layout, "<b>Models for this computer</b>")
        self.catalog_table = make_table("Catalogue of models", CATALOG_COLUMNS, 3)
        layout.addWidget(self.catalog_table, 1)
        row = QHBoxLayout()
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Download progress")
        self.progress_bar.setRange(0, 1000)
        self.progress_label = QLabel()
        self.progress_label.setAccessibleName("Download status")
        self.cancel_button = self._button("Cancel download", "Cancel", self.cancel_download, row)
        row.insertWidget(0, self.progress_bar, 2)
        row.insertWidget(1, self.progress_label, 3)
        layout.addLayout(row)
        self._set_busy(False)
        self.error_label = self._label("Error message", layout)
        self.error_label.setObjectName("errorLine")  # the app's style: readable light or dark
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = self._button("Retry download", "Retry", self._on_retry, layout)
        self._label("Installed heading", layout, "<b>Installed models</b>")
        self.installed_table = make_table("Installed models", INSTALLED_COLUMNS, 0)
        layout.addWidget(self.installed_table)
        self.none_installed = self._label("No installed models", layout, NONE_INSTALLED)
        bottom = QHBoxLayout()
        self._button("Import a model file", "Import .gguf…", self.choose_import, bottom)
        bottom.addStretch(1)
        self._button("Close model manager", "Close", self.close, bottom)
        layout.addLayout(bottom)
        self.show_error("")
        for widget in self.findChildren(QWidget):  # plain tooltips on the dialog's controls
            widget.setToolTip(TIPS.get(widget.accessibleName(), widget.toolTip()))

    def _label(self, name: str, layout: QVBoxLayout, text: str = "") -> QLabel:
        label = QLabel(text)
        label.setAccessibleName(name)
        label.setWordWrap(True)
        layout.addWidget(label)
        return label

    def _button(self, name: str, text: str, slot: object, layout: object) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(slot)
        layout.addWidget(button)  # type: ignore[attr-defined]
        return button

    # ---- state -> widgets ---------------------------------------------------------------
    def check_hardware(self) -> None:
        """Look at this computer in the background; the verdicts follow when it is done."""
        if self._probe is not None:
            return
        service = self.service
        self.hardware_label.setText("Checking this computer's memory, processor and GPU…")
        self._probe = self.tasks.submit(
            lambda state: service.hardware,
            "check hardware",
            on_done=self._on_hardware,
            on_failed=lambda exc: self.show_error(f"The computer check failed: {exc}"),
            on_finished=self._on_probe_finished,
        )

    @Slot(object)
    def _on_hardware(self, hardware: object) -> None:
        assert isinstance(hardware, Hardware)
        self.hardware = hardware
        self.refresh()
        self.hardware_ready.emit()
        if self._want_recommended:
            self.download_recommended()

    @Slot()
    def _on_probe_finished(self) -> None:
        self._probe = None

    def refresh(self) -> None:
        """Re-read the catalogue verdicts and the installed models (fast, local only)."""
        if self.hardware is not None:
            self.hardware_label.setText(hardware_summary(self.hardware))
            self.hardware_label.setAccessibleDescription(self.hardware_label.text())
            self._fill_catalog(self.service.rows())
        self._fill_installed()
        self._show_active()

    def set_active(self, model: str | Path | None) -> None:
        self.active_model = str(model) if model else ""
        self.refresh()

    def _fill_catalog(self, rows: list[CatalogRow]) -> None:
        best = self.service.recommend()
        best_id = best.entry.id if best else None
        dark = is_dark(self.palette())
        busy = self.job is not None
        fill_catalog(self.catalog_table, rows, best_id, busy, dark, self._on_catalog_action)

    def _fill_installed(self) -> None:
        models = self.service.installed()
        busy = self.job is not None
        fill_installed(
            self.installed_table, models, self.active_model, busy, self.choose, self.remove
        )
        self.installed_table.setVisible(bool(models))
        self.none_installed.setVisible(not models)
        fit_to_rows(self.installed_table, INSTALLED_ROWS)

    def _show_active(self) -> None:
        text = Path(self.active_model).name if self.active_model else "none chosen yet"
        self.active_label.setText(f"Active model: {text}")

    def show_error(self, message: str, retry: tuple[str, str] | None = None) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        self._retry = retry
        self.retry_button.setVisible(retry is not None)

    def _set_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if not busy:
            self.progress_bar.setValue(0)

    # ---- actions ------------------------------------------------------------------------
    def download_recommended(self) -> None:
        """Download the model recommended for this computer (once the check is done), unless
        it is the bundled demo or already installed."""
        if self.hardware is None:
            self._want_recommended = True
            return
        self._want_recommended = False
        self.confirm_box: QMessageBox | None = None  # the open "download …?" question
        self._attempts = 0  # tries of the current download (for "retrying…", "still offline")
        best = self.service.recommend()
        if best is None:
            self.show_error("No model in the catalogue fits this computer.")
        elif best.entry.bundled or any(
            r.installed for r in self.service.rows() if r.entry.id == best.entry.id
        ):
            here = f"{best.entry.name}, the best pick for this computer, is already here"
            self.progress_label.setText(f"{here}: click Use.")
        else:
            self.ask_download(best.entry.id, best.entry.name, best.entry.size_bytes)

    def ask_download(self, model_id: str, name: str, size: int) -> None:
        """Say the size and the time a download takes, and start it only when confirmed."""
        text = (
            f"Download {name}? It is {human_size(size)}: {download_estimate(size)}. "
            "You can pause it and go on later."
        )
        self.confirm_box = confirm(
            self,
            "Download a model?",
            text,
            "Download",
            "Not now",
            lambda: self.start_download(model_id),
        )

    def _on_catalog_action(self, row: CatalogRow, action: str) -> None:
        if action == "use" and row.installed:
            self.choose(row.installed.path)
        elif action == "download":
            self.ask_download(row.entry.id, row.entry.name, row.entry.size_bytes)
        else:  # resume a paused download: already confirmed
            self.start_download(row.entry.id)

    def start_download(self, id_or_repo: str, filename: str = "") -> None:
        """Start downloading in the background (one at a time)."""
        if self.job is not None:
            return
        again = self._retry == (id_or_repo, filename)
        self.show_error("")
        self._attempts = self._attempts + 1 if again else 1
        self._job_target = id_or_repo
        self._retry = (id_or_repo, filename)
        self.progress_label.setText(
            f"Retrying the download of {id_or_repo}…"
            if self._attempts > 1
            else f"Starting the download of {id_or_repo}…"
        )
        service = self.service

        def work(state: TaskState) -> object:
            return service.download(id_or_repo, filename or None, state.report, state.cancel)

        self._run(work, "download", self._on_progress, self._on_download_done)

    def _run(
        self, work: Callable[[TaskState], object], name: str, progress: Callback, done: Callback
    ) -> None:
        self.job = self.tasks.submit(
            work,
            name,
            on_progress=progress,
            on_done=done,
            on_failed=self._on_failed,
            on_finished=self._on_job_finished,
        )
        self._set_busy(True)
        self.refresh()

    @Slot()
    def cancel_download(self) -> None:
        if self.job is not None:
            self.progress_label.setText("Stopping…")
            self.job.cancel()

    @Slot(object)
    def _on_progress(self, p: DownloadProgress) -> None:
        self.progress_bar.setValue(int(p.fraction * 1000))
        self.progress_label.setText(progress_text(p))

    @Slot(object)
    def _on_download_done(self, path: object) -> None:
        self._attempts = 0
        self.progress_label.setText(f"Downloaded and verified: {Path(str(path)).name}")
        self.download_finished.emit(str(path))

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        if isinstance(exc, Cancelled):
            self.progress_label.setText(PAUSED)
            return
        retryable = isinstance(exc, DownloadError) and exc.retryable and self._retry
        self.progress_label.setText("")
        line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if self._attempts > 1:  # a retry failed too: say so, so the click visibly did something
            line = f"Still offline after {self._attempts} tries: {line}" if retryable else line
        if retryable:
            line += " Check the internet connection, then click Retry."
        self.show_error(line, self._retry if retryable else None)

    @Slot()
    def _on_job_finished(self) -> None:
        self.job = None
        self._set_busy(False)
        self.refresh()

    @Slot()
    def _on_retry(self) -> None:
        if self._retry:
            self.start_download(*self._retry)

    def choose(self, path: Path) -> None:
        self.active_model = str(path)
        self.refresh()
        self.model_chosen.emit(str(path))

    def remove(self, model_id: str) -> None:
        if not self.confirm(f"Delete the model {model_id} from this computer?"):
            return
        try:
            self.service.remove(model_id)
        except Exception as exc:
            self.show_error(str(exc))
        self.refresh()

    def confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, "Remove model", question)
        return answer == QMessageBox.StandardButton.Yes

    def choose_import(self) -> None:
        for path in pick_model(self):
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Validate and copy a local .gguf in the background (also one dropped here)."""
        if self.job is not None:
            return
        self.show_error("")
        self._retry = None
        self.progress_label.setText(f"Importing {path.name}…")
        service = self.service

        def work(state: TaskState) -> object:
            return service.import_file(
                path, lambda done, total: state.report(done / total), state.cancel
            )

        self._run(
            work,
            "import model",
            lambda f: self.progress_bar.setValue(int(float(f) * 1000)),
            lambda m: self.progress_label.setText(f"Imported {m.name}"),
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_model(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        model = dropped_model(event.mimeData())
        if model:
            event.acceptProposedAction()
            self.import_file(Path(model))

    def done(self, result: int) -> None:
        """Closing (Close, Escape, the window's ✕) cancels a running job without waiting for
        it to wind down; a download keeps its `.part` and resumes next time."""
        for job in (self.job, self._probe):
            if job is not None:
                job.cancel()
        super().done(result)
