"""Fixtures for the window's tests: real widgets offscreen, the real engine and sandbox on the
replay backend, small documents, and a private app home (from tests/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from rlm_desktop.store.paths import models_dir, resources_dir
from rlm_desktop.store.settings import Settings, load_settings
from rlm_desktop.ui.main_window import MainWindow
from rlm_desktop.ui.run_controller import RunOutcome
from tests.llm.gguf_craft import write_gguf

DEMO = resources_dir() / "demo"
MakeWindow = Callable[..., MainWindow]


def write_replay(folder: Path, responses: list[str], token_delay_s: float = 0.0) -> Path:
    path = folder / f"replay-{len(list(folder.glob('replay-*.json')))}.json"
    data = {"responses": responses, "token_delay_s": token_delay_s, "model": "test recording"}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A folder with two small text documents."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Intro line.\nThe magic number is 42.\nEnd of a.\n")
    (folder / "b.txt").write_text("Project Cormorant's archive key is K-7731.\n")
    return folder


@pytest.fixture
def many_notes(tmp_path: Path) -> Path:
    """A folder of 300 small notes: reading it takes long enough to act while it goes on."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(300):
        (folder / f"note-{i:03d}.txt").write_text(f"Note {i}.\n" * 200)
    return folder


@pytest.fixture
def make_window(qtbot: QtBot, tmp_path: Path) -> Iterator[MakeWindow]:
    """`make_window(responses=[...], token_delay_s=0, settings=None)`: a shown main window on
    the replay backend (or `backend=` as given), its model loading. `own_model=True`: a model
    of the user's own is installed (a tiny crafted GGUF), none chosen, so a start without a
    model shows the first-run card instead of loading the demo model by itself."""
    windows: list[MainWindow] = []

    def make(
        responses: list[str] | None = None,
        token_delay_s: float = 0.0,
        settings: Settings | None = None,
        backend: str | None = None,
        files: list[str] | None = None,
        own_model: bool = False,
    ) -> MainWindow:
        if own_model:
            write_gguf(models_dir(ensure=True) / "My-Own-Model.gguf")
        if responses is not None:
            backend = f"replay:{write_replay(tmp_path, responses, token_delay_s)}"
        window = MainWindow(settings or load_settings(), backend=backend)
        qtbot.addWidget(window)
        window.show()
        window.start(files=files)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def wait_model(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.host.info is not None, timeout=10_000)


def wait_documents(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.loader.busy, timeout=20_000)


def ask(qtbot: QtBot, window: MainWindow, question: str, timeout: int = 20_000) -> RunOutcome:
    """Type the question, press Ask, and wait for the run to end."""
    window.ask_panel.question.setPlainText(question)
    with qtbot.waitSignal(window.runs.finished, timeout=timeout) as blocker:
        window.ask_panel.ask_button.click()
    outcome = blocker.args[0]
    assert isinstance(outcome, RunOutcome)
    return outcome
