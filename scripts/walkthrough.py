"""A walk-through of the real app as a user would do it, under a real X server: Xvfb for the
screen, xdotool for the keyboard and the window size, ImageMagick's `import` for screenshots.
Nothing here calls into the app's Python objects: it starts `python -m rlm_desktop` with two
documents on the command line and the replay backend (deterministic answers), then

  types a question and presses Enter; presses Esc while the model is still writing; asks
  again; resizes the window to 1024×640; asks once more; quits with Ctrl+Q

and saves a screenshot of each state into --out, printing one JSON line per state with the
window's geometry. Exit status 0 when every state was reached.

    .venv/bin/python scripts/walkthrough.py [--out docs/screenshots/walkthrough]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xvfb import xvfb  # scripts/xvfb.py

REPO = Path(__file__).resolve().parents[1]
SCREEN = (1280, 800)
SMALL = (1024, 640)
LOOK = "I will search the documents first.\n```repl\nprint(grep('liability cap'))\n```"
SLOW = "I am reading the agreement carefully, clause by clause, " * 60 + "\n```repl\nprint(1)\n```"
ANSWER = "FINAL(The liability cap is EUR 2 million (supply_agreement.pdf, page 2).)"
RESPONSES = [LOOK, SLOW, LOOK, ANSWER, LOOK, ANSWER]
QUESTION = "What is the liability cap?"


def _run(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=30)
    return done.stdout.strip()


class Session:
    def __init__(self, out: Path, env: dict[str, str]) -> None:
        self.out, self.env = out, env
        self.window = ""
        self.states: list[dict[str, object]] = []

    def xdo(self, *args: str) -> str:
        return _run("xdotool", *args, env=self.env)

    def find_window(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.xdo("search", "--onlyvisible", "--name", "^RLM Desktop$").split()
            if found:
                self.window = found[-1]
                return
            time.sleep(0.3)
        raise SystemExit("the window did not appear")

    def geometry(self) -> tuple[int, int, int, int]:
        text = self.xdo("getwindowgeometry", self.window)
        x, y = (int(v) for v in re.search(r"Position: (-?\d+),(-?\d+)", text).groups())  # type: ignore[union-attr]
        w, h = (int(v) for v in re.search(r"Geometry: (\d+)x(\d+)", text).groups())  # type: ignore[union-attr]
        return x, y, w, h

    def shot(self, name: str) -> None:
        time.sleep(0.6)
        path = self.out / f"walkthrough-{len(self.states) + 1}-{name}.png"
        x, y, w, h = self.geometry()
        _run(
            "import",
            "-window",
            "root",
            "-crop",
            f"{w}x{h}+{max(x, 0)}+{max(y, 0)}",
            "+repage",
            str(path),
            env=self.env,
        )
        state = {"state": name, "file": str(path), "x": x, "y": y, "width": w, "height": h}
        self.states.append(state)
        print(json.dumps(state), flush=True)

    def keys(self, *keys: str) -> None:
        self.xdo("windowfocus", "--sync", self.window)
        self.xdo("key", "--clearmodifiers", *keys)

    def type(self, text: str) -> None:
        self.xdo("windowfocus", "--sync", self.window)
        self.xdo("type", "--delay", "20", text)


def make_documents(folder: Path) -> list[str]:
    sys.path.insert(0, str(REPO))
    from rlm_desktop.documents.pdfwrite import write_pdf

    pdf = folder / "supply_agreement.pdf"
    write_pdf(
        pdf,
        [
            "Supply agreement between Acme Ltd and Beta GmbH.\nTerm: three years.",
            "Clause 9. Liability.\nThe liability cap is EUR 2 million per year.\nNo other cap.",
        ],
    )
    notes = folder / "notes.txt"
    notes.write_text("Meeting notes.\nThe supplier asked about the liability cap.\n")
    return [str(pdf), str(notes)]


def walk(out: Path, display: str, home: Path) -> list[dict[str, object]]:
    replay = home / "replay.json"
    replay.write_text(
        json.dumps({"responses": RESPONSES, "token_delay_s": 0.02, "model": "walk-through"})
    )
    docs = home / "documents"
    docs.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DISPLAY": display,
        "HOME": str(home),
        "RLM_DESKTOP_HOME": str(home / "app"),
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONPATH": str(REPO),
    }
    session = Session(out, env)
    files = make_documents(docs)
    app = subprocess.Popen(
        [sys.executable, "-m", "rlm_desktop", "--backend", f"replay:{replay}", *files],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        session.find_window()
        time.sleep(4)  # the documents are read, the sandbox is checked
        session.shot("start")
        session.type(QUESTION)
        session.keys("Return")  # Enter asks
        time.sleep(3)  # the first step searched; the second turn is still being written
        session.shot("running")
        session.keys("Escape")  # Esc stops
        time.sleep(1.5)
        session.shot("stopped")
        session.keys("ctrl+a")
        session.type(QUESTION + " Give the page.")
        session.keys("Return")
        time.sleep(4)
        session.shot("answered")
        session.xdo("windowsize", "--sync", session.window, str(SMALL[0]), str(SMALL[1]))
        time.sleep(1)
        session.shot("small")
        session.keys("ctrl+a")
        session.type("Where is the cap?")
        session.keys("Return")
        time.sleep(4)
        session.shot("small-answered")
        session.keys("ctrl+q")
        app.wait(20)
    finally:
        if app.poll() is None:
            app.terminate()
            app.wait(10)
    return session.states


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    for tool in ("Xvfb", "xdotool", "import"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (Debian: apt-get install xvfb xdotool imagemagick)")
    args.out.mkdir(parents=True, exist_ok=True)
    screen = f"{SCREEN[0]}x{SCREEN[1]}x24"
    with (
        xvfb(screen, first=120) as display,
        tempfile.TemporaryDirectory(prefix="rlm-walk-") as home,
    ):
        states = walk(args.out, display, Path(home))
    print(json.dumps({"screen": list(SCREEN), "states": len(states)}))
    return 0 if len(states) == 6 else 1


if __name__ == "__main__":
    sys.exit(main())
