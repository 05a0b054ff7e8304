"""Models ▸ Model options…: the context window the model loads with and the reply grammar,
remembered between launches; a new window size reloads the loaded model at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from rlm_desktop.store.settings import ModelOptions, Settings, load_settings, save_settings
from rlm_desktop.ui.model_options_dialog import ModelOptionsDialog
from tests.ui.conftest import MakeWindow


def test_model_options_round_trip_and_clamp(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(model_options=ModelOptions(context_tokens=4096, grammar="off"))
    save_settings(settings, path)
    assert load_settings(path) == settings
    assert settings.engine_config().grammar == "off"
    assert settings.model_options.load_options() == {"n_ctx": 4096}
    assert ModelOptions().load_options() == {}  # automatic: the backend chooses
    path.write_text(json.dumps({"model_options": {"context_tokens": 10, "grammar": "maybe"}}))
    loaded = load_settings(path).model_options
    assert loaded == ModelOptions(context_tokens=512, grammar="auto")


def test_sub_calls_at_once_are_a_model_option(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(model_options=ModelOptions(parallel=6)), path)
    options = load_settings(path).model_options
    assert options.parallel == 6
    assert options.load_options() == {"parallel": 6}  # both backends take `parallel`
    for bad, expected in ((0, None), (True, None), ("8", None), (500, 64)):
        path.write_text(json.dumps({"model_options": {"parallel": bad}}))
        assert load_settings(path).model_options.parallel == expected


def test_dialog_reads_and_writes_the_options(qtbot: QtBot) -> None:
    dialog = ModelOptionsDialog(ModelOptions(context_tokens=2048, grammar="on"))
    qtbot.addWidget(dialog)
    assert dialog.context.value() == 2048
    assert dialog.grammar.currentData() == "on"
    assert dialog.options() == ModelOptions(context_tokens=2048, grammar="on")
    dialog.context.setValue(dialog.context.minimum())
    assert dialog.context.text() == "automatic"
    dialog.grammar.setCurrentIndex(dialog.grammar.findData("off"))
    assert dialog.options() == ModelOptions(context_tokens=None, grammar="off")
    dialog.parallel.setValue(3)
    assert dialog.options().parallel == 3
    dialog.parallel.setValue(0)
    assert dialog.parallel.text() == "automatic" and dialog.options().parallel is None
    dialog.set_options(ModelOptions())
    assert dialog.options() == ModelOptions()


@pytest.mark.model
def test_a_new_context_window_reloads_the_model(
    qtbot: QtBot, make_window: MakeWindow, demo_model: Path
) -> None:
    window = make_window(backend="llama", settings=Settings(last_model=str(demo_model)))
    qtbot.waitUntil(lambda: window.host.info is not None, timeout=60_000)
    assert window.host.info is not None and window.host.info.context_window == 8192

    def fill_and_accept() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ModelOptionsDialog)
        dialog.context.setValue(2048)
        dialog.grammar.setCurrentIndex(dialog.grammar.findData("off"))
        dialog.accept()

    qtbot.waitUntil(lambda: window.actions.model_options.isEnabled())
    with qtbot.waitSignal(window.host.model_loaded, timeout=60_000) as blocker:
        QTimer.singleShot(100, fill_and_accept)  # once the modal dialog shows
        window.actions.model_options.trigger()
    assert blocker.args[0].context_window == 2048
    assert "Context window: 2,048 tokens" in window.status.model.toolTip()
    assert load_settings().model_options == ModelOptions(context_tokens=2048, grammar="off")
    assert window.settings.engine_config().grammar == "off"
