"""Settings are remembered between launches: geometry, side pane, budgets and the last model
(a JSON file written atomically, plus QSettings for geometry, both in the app's config folder).
"""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from rlm_desktop.store.paths import config_dir
from rlm_desktop.store.settings import Budgets, Settings, load_settings, save_settings
from rlm_desktop.ui.budgets_dialog import BudgetsDialog
from tests.ui.conftest import MakeWindow


def test_settings_round_trip_and_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(
        last_model="/models/x.gguf",
        show_side_pane=False,
        budgets=Budgets(max_iterations=7, max_seconds=120.0),
    )
    save_settings(settings, path)
    assert load_settings(path) == settings
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temporary left
    path.write_text("{not json")
    assert load_settings(path) == Settings()
    path.write_text(json.dumps({"budgets": {"max_iterations": "many", "max_depth": 99}}))
    loaded = load_settings(path)
    assert loaded.budgets.max_iterations == Budgets().max_iterations
    assert loaded.budgets.max_depth == 10  # clamped
    assert Budgets(cell_timeout=5).apply().cell_timeout == 5


def test_budgets_dialog_reads_and_writes_budgets(qtbot: QtBot) -> None:
    dialog = BudgetsDialog(Budgets(max_iterations=9, max_total_tokens=50_000))
    qtbot.addWidget(dialog)
    assert dialog.turns.value() == 9
    dialog.depth.setValue(1)
    dialog.minutes.setValue(3)
    assert dialog.budgets() == Budgets(
        max_iterations=9, max_depth=1, max_seconds=180.0, max_total_tokens=50_000
    )
    dialog.set_budgets(Budgets())
    assert dialog.budgets() == Budgets()


def test_window_settings_persist_across_launches(qtbot: QtBot, make_window: MakeWindow) -> None:
    first = make_window(responses=["FINAL(x)"])
    first.set_side_pane(False)
    first.layout().activate()  # the narrower minimum without the side pane
    first.resize(700, 500)  # fits the offscreen screen (800 × 600)
    size = (first.width(), first.height())
    assert size[1] == 500
    first.settings.budgets = Budgets(max_iterations=5, cell_timeout=30)
    first.settings.last_model = "/somewhere/model.gguf"
    first.close()
    assert (config_dir() / "settings.json").is_file()
    assert (config_dir() / "window.ini").is_file()

    second = make_window(responses=["FINAL(x)"], settings=load_settings())
    assert (second.width(), second.height()) == size
    assert not second.side.isVisible()
    assert not second.actions.toggle_side.isChecked()
    assert second.settings.budgets == Budgets(max_iterations=5, cell_timeout=30)
    assert second.settings.budgets.apply().max_iterations == 5
    assert second.settings.last_model == "/somewhere/model.gguf"
