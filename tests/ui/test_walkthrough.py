"""`scripts/walkthrough.py` uses the real app under a real X server as a user would (Xvfb,
xdotool; no calls into the app): loads documents from the command line, asks with Enter, stops
with Esc, asks again, resizes to 1024×640 and asks once more. The window never exceeds the
screen (nor widens itself after the resize), and every state looks different."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]
STATES = ("start", "running", "stopped", "answered", "small", "small-answered")
TOOLS = ("Xvfb", "xdotool", "import")


@pytest.mark.slow
@pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS), reason="Xvfb, xdotool or ImageMagick missing"
)
def test_a_user_walks_through_the_window(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "walkthrough.py"), "--out", str(tmp_path)],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    screen = lines[-1]["screen"]
    states = lines[:-1]
    assert [s["state"] for s in states] == list(STATES)
    for state in states:  # never beyond the screen
        assert state["x"] >= 0 and state["y"] >= 0, state
        assert state["x"] + state["width"] <= screen[0], state
        assert state["y"] + state["height"] <= screen[1], state
    for state in states[4:]:  # resized to 1024×640, it stays so through a run
        assert (state["width"], state["height"]) == (1024, 640), state
    images = [QImage(str(s["file"])) for s in states]
    assert all(not image.isNull() for image in images)
    pixels = {bytes(image.constBits()) for image in images}
    assert len(pixels) == len(STATES)  # every state's screenshot differs
