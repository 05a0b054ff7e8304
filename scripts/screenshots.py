"""Screenshots of the real window in its main states, for the README.

Runs the app under Xvfb (started here when there is no display; Debian: `apt-get install
xvfb`), plays the demo recording (resources/demo/demo.json) through the real engine and
sandbox with the replay backend, and saves PNG files into docs/screenshots/:
first-run, empty, documents, running, finished, error.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--size 1440x900]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from xvfb import xvfb  # scripts/xvfb.py

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "resources" / "demo"


@contextlib.contextmanager
def display() -> Iterator[str]:
    """The X display to use: the current one, or a fresh Xvfb for the duration."""
    if os.environ.get("DISPLAY") and os.environ.get("RLM_SCREENSHOTS_XVFB") != "1":
        yield os.environ["DISPLAY"]
        return
    with xvfb() as number:
        yield number


def wait_until(app: object, condition: Callable[[], bool], timeout: float = 30) -> None:
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)  # type: ignore[attr-defined]


def settle(app: object, seconds: float = 0.4) -> None:
    with contextlib.suppress(TimeoutError):
        end = time.monotonic() + seconds
        wait_until(app, lambda: time.monotonic() > end, seconds + 1)


def replay_file(folder: Path, responses: list[str], delay: float) -> str:
    path = folder / f"replay-{len(list(folder.iterdir()))}.json"
    data = {"responses": responses, "token_delay_s": delay, "model": "demo recording"}
    path.write_text(json.dumps(data), encoding="utf-8")
    return f"replay:{path}"


def shoot(out: Path, size: tuple[int, int]) -> list[Path]:
    from rlm_desktop.store.settings import Settings
    from rlm_desktop.ui.app import create_application
    from rlm_desktop.ui.main_window import MainWindow

    app = create_application(["rlm-desktop"])
    tmp = Path(os.environ["RLM_DESKTOP_HOME"])
    saved: list[Path] = []

    def save(window: MainWindow, name: str) -> None:
        settle(app)
        path = out / f"{name}.png"
        window.grab().save(str(path))
        saved.append(path)

    first = MainWindow(Settings(), backend="llama")
    first.resize(*size)
    first.show()
    first.start()  # a first start: the demo model loads by itself, with its badge
    wait_until(app, lambda: first.host.info is not None or first.setup_card.isVisible(), 120)
    save(first, "first-run")
    first.close()

    responses = json.loads((DEMO / "demo.json").read_text(encoding="utf-8"))["responses"]
    window = MainWindow(Settings(), backend=replay_file(tmp, responses, 0.06))
    window.resize(*size)
    window.show()
    window.start()
    wait_until(app, lambda: window.host.info is not None)
    wait_until(app, lambda: "checking" not in window.status.sandbox.text())
    save(window, "empty")

    window.add_documents([str(DEMO / "a.txt"), str(DEMO / "b.txt")])
    wait_until(app, lambda: not window.loader.busy)
    save(window, "documents")

    window.ask_panel.question.setPlainText("What is the magic number? Show how you worked it out.")
    window.ask()
    tree = window.tree_model  # read through the model's API
    wait_until(app, lambda: sum(n.kind == "subcall" for n in tree.walk()) >= 1)
    wait_until(
        app,
        lambda: any(
            n.depth == 1 and n.kind == "iteration" and len(n.text) > 20 for n in tree.walk()
        ),
    )
    save(window, "running")
    wait_until(app, lambda: not window.runs.running, 60)
    save(window, "finished")

    broken = tmp / "scan-of-contract.pdf"
    broken.write_bytes(b"%PDF-1.4 this file was cut off in the middle")
    window.add_documents([str(broken)])
    wait_until(app, lambda: not window.loader.busy)
    short = [responses[0]]  # the recording ends after one turn: the run fails
    window.host.load(replay_file(tmp, short, 0.0), None)
    wait_until(app, lambda: window.host.info is not None)
    window.ask_panel.question.setPlainText("Which contracts renew automatically?")
    window.ask()
    wait_until(app, lambda: not window.runs.running, 60)
    save(window, "error")
    window.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--size", default="1440x900", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(REPO))
    with display() as name, tempfile.TemporaryDirectory(prefix="rlm-shots-") as home:
        os.environ["DISPLAY"] = name
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        os.environ["RLM_DESKTOP_HOME"] = home  # default settings; the user's stay untouched
        for path in shoot(args.out, (width, height)):
            print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
