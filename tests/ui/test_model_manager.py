"""The model manager dialog (offscreen Qt) against the stand-in hub: verdicts, live progress,
cancel and resume, errors, use, import and remove; opened from the first-run card and the
menu. The hardware check and downloads run off the GUI thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from rlm_desktop.hub.catalog import Catalog, load_catalog
from rlm_desktop.hub.download import partial_downloads
from rlm_desktop.hub.fit import NO_FIT, RECOMMENDED, SLOW, assess
from rlm_desktop.hub.hardware import Hardware
from rlm_desktop.hub.installed import DEMO_FILE as DEMO_NAME
from rlm_desktop.hub.service import HubService
from rlm_desktop.store.paths import dev_models_dir
from rlm_desktop.ui.format import human_size
from rlm_desktop.ui.model_manager import ModelManagerDialog
from rlm_desktop.ui.model_rows import verdict_color
from tests.hub.fake_hub import FakeHub, running_hub
from tests.hub.machines import CPU_LAPTOP
from tests.llm.gguf_craft import write_gguf
from tests.ui.conftest import MakeWindow
from tests.ui.test_drop_documents import drop

DEMO_FILE = dev_models_dir() / DEMO_NAME
LAPTOP = replace(CPU_LAPTOP, free_disk=500 * 10**9)


class RecordingService(HubService):
    """The real service; notes which thread each download and hardware check ran on."""

    threads: list[str]
    probed_on: list[str]

    @property
    def hardware(self) -> Hardware:
        if self._hardware is None:
            self.probed_on.append(threading.current_thread().name)
        return super().hardware

    def download(self, *args: object, **kwargs: object) -> Path:
        self.threads.append(threading.current_thread().name)
        return super().download(*args, **kwargs)  # type: ignore[arg-type]


def downloadable_catalog() -> Catalog:
    """The real catalogue with the demo no longer bundled, so it shows a Download button."""
    base = load_catalog()
    entries = tuple(replace(e, bundled=False) for e in base.entries)
    return Catalog(entries, base.default_context)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    if not DEMO_FILE.is_file():
        pytest.skip("demo model missing: run scripts/fetch_demo_model.py")
    demo = load_catalog().demo
    assert demo is not None
    with running_hub(monkeypatch) as server:
        server.add(demo.repo, demo.first_file, DEMO_FILE)
        yield server


@pytest.fixture
def dialog(qtbot: QtBot, hub: FakeHub) -> ModelManagerDialog:
    service = RecordingService(catalog=downloadable_catalog(), hardware=LAPTOP)
    service.threads, service.probed_on = [], []
    dlg = ModelManagerDialog(service)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.hardware_ready, timeout=10_000):
        dlg.show()
    return dlg


def catalog_button(dlg: ModelManagerDialog, model_id: str) -> QPushButton:
    table = dlg.catalog_table
    for row in range(table.rowCount()):
        if table.item(row, 0).data(Qt.ItemDataRole.UserRole) == model_id:
            widget = table.cellWidget(row, 4)
            assert isinstance(widget, QPushButton)
            return widget
    raise AssertionError(f"no row for {model_id}")


def confirm_download(dialog: ModelManagerDialog) -> str:
    """Click Download in the "Download a model?" question; returns its text."""
    box = dialog.confirm_box
    assert box is not None and box.isVisible()
    text = box.text()
    next(b for b in box.buttons() if b.objectName() == "confirmYes").click()
    return text


def column(table: QTableWidget, col: int) -> list[str]:
    return [table.item(r, col).text() for r in range(table.rowCount())]


def test_verdicts_shown(dialog: ModelManagerDialog) -> None:
    catalog = dialog.service.catalog
    expected = [assess(e, LAPTOP, catalog.default_context).verdict for e in catalog.entries]
    assert column(dialog.catalog_table, 2) == expected
    assert RECOMMENDED in expected and NO_FIT in expected
    assert sum("★ best pick" in name for name in column(dialog.catalog_table, 0)) == 1
    assert not catalog_button(dialog, "qwen2.5-coder-32b").isEnabled()  # does not fit
    assert catalog_button(dialog, "smollm2-135m").text() == "Download"
    assert "8.6 GB memory, 4 cores" in dialog.hardware_label.text()
    assert dialog.active_label.text() == "Active model: none chosen yet"
    assert not dialog.error_label.isVisible() and not dialog.progress_bar.isVisible()


def test_every_control_has_an_accessible_name(dialog: ModelManagerDialog) -> None:
    kinds = (QPushButton, QLabel, QTableWidget, QProgressBar)
    controls = [w for w in dialog.findChildren(QWidget) if isinstance(w, kinds)]
    assert len(controls) > 20
    unnamed = [w for w in controls if not w.accessibleName()]
    # header labels inside QTableWidget internals are not ours; everything we made is named
    assert [w for w in unnamed if w.parent() is dialog] == []
    assert all(
        catalog_button(dialog, e.id).accessibleName() for e in dialog.service.catalog.entries
    )


def test_download_progress_moves_then_model_is_usable(
    qtbot: QtBot, dialog: ModelManagerDialog, hub: FakeHub
) -> None:
    hub.throttle = 0.0005
    values: list[int] = []
    dialog.progress_bar.valueChanged.connect(values.append)
    with qtbot.waitSignal(dialog.download_finished, timeout=60_000) as finished:
        qtbot.mouseClick(catalog_button(dialog, "smollm2-135m"), Qt.MouseButton.LeftButton)
        assert dialog.job is None  # nothing starts before the user confirms
        question = confirm_download(dialog)
        assert dialog.job is not None and dialog.cancel_button.isVisible()
    assert question.startswith(
        "Download SmolLM2 135M Instruct (demo)? It is 98.4 MB: about 1 minute"
    )
    assert "on a fast connection (50 Mbit/s)" in question
    path = Path(finished.args[0])
    assert path.stat().st_size == DEMO_FILE.stat().st_size
    moving = [v for v in values if v > 0]
    assert len(moving) >= 5 and moving == sorted(moving)
    assert dialog.service.threads and dialog.service.threads[0] != "MainThread"
    qtbot.waitUntil(lambda: dialog.job is None, timeout=10_000)
    assert "Downloaded and verified" in dialog.progress_label.text()
    assert any("SmolLM2" in name for name in column(dialog.installed_table, 0))
    use = catalog_button(dialog, "smollm2-135m")
    assert use.text() == "Use"
    with qtbot.waitSignal(dialog.model_chosen) as chosen:
        qtbot.mouseClick(use, Qt.MouseButton.LeftButton)
    assert chosen.args == [str(path)]
    assert dialog.active_label.text() == f"Active model: {path.name}"


def test_cancel_keeps_the_part_and_offers_resume(
    qtbot: QtBot, dialog: ModelManagerDialog, hub: FakeHub
) -> None:
    hub.throttle = 0.01
    qtbot.mouseClick(catalog_button(dialog, "smollm2-135m"), Qt.MouseButton.LeftButton)
    confirm_download(dialog)
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=20_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20_000)
    assert "paused" in dialog.progress_label.text()
    assert not dialog.error_label.isVisible()
    kept = partial_downloads().get(DEMO_FILE.name, 0)
    assert 0 < kept < DEMO_FILE.stat().st_size
    assert catalog_button(dialog, "smollm2-135m").text() == "Resume"


def test_error_shown_for_a_missing_repo(qtbot: QtBot, dialog: ModelManagerDialog) -> None:
    # the stand-in hub serves only the demo: any other catalogue repo is a 404
    qtbot.mouseClick(catalog_button(dialog, "qwen2.5-coder-0.5b"), Qt.MouseButton.LeftButton)
    confirm_download(dialog)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20_000)
    assert "no model repository 'bartowski/Qwen2.5-Coder-0.5B-Instruct-GGUF'" in (
        dialog.error_label.text()
    )
    assert not dialog.retry_button.isVisible()  # a 404 will not go away by retrying
    qtbot.waitUntil(lambda: dialog.job is None)
    assert catalog_button(dialog, "smollm2-135m").isEnabled()


def test_error_shown_when_the_hub_is_down_offers_retry(
    qtbot: QtBot, dialog: ModelManagerDialog, hub: FakeHub
) -> None:
    hub.stop()
    dialog.start_download("smollm2-135m")
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20_000)
    assert "cannot reach the model hub" in dialog.error_label.text()
    assert "Check the internet connection, then click Retry." in dialog.error_label.text()
    assert dialog.retry_button.isVisible()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=10_000)
    dialog.retry_button.click()  # a second try shows that it retried, then that it failed again
    assert dialog.progress_label.text() == "Retrying the download of smollm2-135m…"
    assert not dialog.error_label.isVisible()
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20_000)
    assert dialog.error_label.text().startswith("Still offline after 2 tries: ")


def test_import_and_remove(
    qtbot: QtBot, dialog: ModelManagerDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = write_gguf(tmp_path / "Local-Model.gguf")
    dialog.import_file(local)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20_000)
    assert "Imported" in dialog.progress_label.text()
    names = column(dialog.installed_table, 0)
    row = names.index("Local-Model")
    assert dialog.installed_table.item(row, 1).text() == human_size(local.stat().st_size)
    assert dialog.installed_table.item(row, 2).text() == "imported"
    monkeypatch.setattr(dialog, "confirm", lambda question: True)
    remove = dialog.installed_table.cellWidget(row, 4)
    assert isinstance(remove, QPushButton) and remove.accessibleName() == "Remove Local-Model"
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert "Local-Model" not in column(dialog.installed_table, 0)


def test_import_of_a_bad_file_shows_the_reason(
    qtbot: QtBot, dialog: ModelManagerDialog, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_text("just text")
    dialog.import_file(bad)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20_000)
    assert "cannot import broken.gguf: not a GGUF" in dialog.error_label.text()


def test_hardware_is_checked_off_the_gui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    service = RecordingService(models_path=tmp_path, catalog=downloadable_catalog())
    service.threads, service.probed_on = [], []
    dlg = ModelManagerDialog(service)
    qtbot.addWidget(dlg)
    assert dlg.hardware is None and "Checking this computer" in dlg.hardware_label.text()
    assert dlg.catalog_table.rowCount() == 0  # no verdicts before the check
    with qtbot.waitSignal(dlg.hardware_ready, timeout=10_000):
        dlg.show()
    assert len(service.probed_on) == 1 and service.probed_on[0] != "MainThread"
    assert dlg.hardware_label.text().startswith("This computer: ")
    assert dlg.catalog_table.rowCount() == len(service.catalog.entries)


def test_download_recommended_waits_for_the_check_then_starts(qtbot: QtBot, hub: FakeHub) -> None:
    hub.add("example/big-GGUF", "big-Q4_K_M.gguf", DEMO_FILE)
    best = load_catalog().entries[0]
    entry = replace(
        best,
        id="big",
        repo="example/big-GGUF",
        files=("big-Q4_K_M.gguf",),
        size_bytes=DEMO_FILE.stat().st_size,
        bundled=False,
        n_params=10**9,
    )
    service = RecordingService(catalog=Catalog((entry,), 4096), hardware=LAPTOP)
    service.threads, service.probed_on = [], []
    dlg = ModelManagerDialog(service)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.download_recommended()  # asked before the check is done: asks when it is
    qtbot.waitUntil(lambda: dlg.confirm_box is not None, timeout=20_000)
    assert dlg.job is None  # never without the user's yes
    with qtbot.waitSignal(dlg.download_finished, timeout=60_000) as finished:
        assert "minute" in confirm_download(dlg)
    assert Path(finished.args[0]).name == "big-Q4_K_M.gguf"
    qtbot.waitUntil(lambda: dlg.job is None, timeout=10_000)
    assert catalog_button(dlg, "big").text() == "Use"
    dlg.download_recommended()  # installed now: nothing to download
    assert dlg.job is None and not dlg.error_label.isVisible()
    assert "is already here: click Use" in dlg.progress_label.text()


def test_reachable_from_the_first_run_card_and_the_menu(
    qtbot: QtBot, make_window: MakeWindow, hub: FakeHub
) -> None:
    window = make_window(backend="llama", own_model=True)
    assert window.setup_card.download_button.isVisible()
    qtbot.mouseClick(window.setup_card.download_button, Qt.MouseButton.LeftButton)
    dlg = window._models_dialog
    assert isinstance(dlg, ModelManagerDialog) and dlg.isVisible()
    qtbot.waitUntil(lambda: dlg.hardware is not None, timeout=10_000)
    best = dlg.service.recommend()
    if best is not None and not best.entry.bundled:  # asked, then started (the stand-in
        qtbot.waitUntil(lambda: dlg.confirm_box is not None, timeout=10_000)  # hub: only the demo)
        assert dlg.job is None
        confirm_download(dlg)
        qtbot.waitUntil(dlg.error_label.isVisible, timeout=20_000)
        assert best.entry.repo in dlg.error_label.text()
    else:
        assert dlg.job is None
    dlg.close()
    assert not dlg.isVisible()
    assert [a.text() for a in window.menuBar().actions()][1] == "&Models"
    window.actions.models.trigger()
    assert window._models_dialog is dlg and dlg.isVisible()
    dlg.close()


def test_closing_during_a_download_does_not_wait_for_it(
    qtbot: QtBot, dialog: ModelManagerDialog, hub: FakeHub
) -> None:
    hub.throttle = 0.01
    qtbot.mouseClick(catalog_button(dialog, "smollm2-135m"), Qt.MouseButton.LeftButton)
    confirm_download(dialog)
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=20_000)
    started = time.perf_counter()
    dialog.close()
    assert time.perf_counter() - started < 0.2  # the GUI thread only asks the job to stop
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20_000)
    assert "paused" in dialog.progress_label.text()
    assert 0 < partial_downloads().get(DEMO_FILE.name, 0) < DEMO_FILE.stat().st_size


def test_verdict_colours_follow_a_dark_palette() -> None:
    for verdict in (RECOMMENDED, NO_FIT, SLOW):
        light, dark = verdict_color(verdict), verdict_color(verdict, dark=True)
        assert light.lightness() < 128 < dark.lightness()  # readable on each background


def test_closing_the_window_stops_a_download(
    qtbot: QtBot, make_window: MakeWindow, hub: FakeHub
) -> None:
    hub.throttle = 0.01
    window = make_window(backend="llama", own_model=True)
    window.actions.models.trigger()
    dlg = window._models_dialog
    assert isinstance(dlg, ModelManagerDialog)
    qtbot.waitUntil(lambda: dlg.hardware is not None, timeout=10_000)
    dlg.start_download("smollm2-135m")  # the bundled demo, fetched again from the stand-in hub
    qtbot.waitUntil(lambda: dlg.progress_bar.value() > 0, timeout=20_000)
    job = dlg.job
    assert job is not None
    window.close()
    assert not job.running  # cancelled and waited for: no thread outlives the window


def test_a_gguf_dropped_on_the_dialog_is_imported(
    qtbot: QtBot, dialog: ModelManagerDialog, tmp_path: Path
) -> None:
    drop(dialog, [write_gguf(tmp_path / "Dropped-Model.gguf")])
    qtbot.waitUntil(lambda: dialog.job is None and "Imported" in dialog.progress_label.text())
    assert "Dropped-Model" in column(dialog.installed_table, 0)


@pytest.mark.model
def test_a_download_from_the_first_run_is_used_at_once(
    qtbot: QtBot, make_window: MakeWindow, hub: FakeHub
) -> None:
    window = make_window(backend="llama", own_model=True)
    window.open_models()
    dlg = window._models_dialog
    assert isinstance(dlg, ModelManagerDialog)
    qtbot.waitUntil(lambda: dlg.hardware is not None, timeout=10_000)
    with qtbot.waitSignal(window.host.model_loaded, timeout=60_000):
        dlg.start_download("smollm2-135m")  # fetched from the stand-in hub
    assert window.host.spec is not None and window.host.spec[1] == dlg.active_model
    assert "SmolLM2" in dlg.active_label.text()
    assert not window.setup_card.isVisible()
