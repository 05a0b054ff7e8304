"""`scripts/screenshots.py` launches the real app under Xvfb, plays the demo recording and
saves a PNG of each main state (what the README shows)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]
STATES = ("first-run", "empty", "documents", "running", "finished", "error")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_screenshots_of_the_main_states(tmp_path: Path) -> None:
    script = REPO / "scripts" / "screenshots.py"
    done = subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path), "--size", "1280x800"],
        env={"PATH": "/usr/bin:/bin", "RLM_SCREENSHOTS_XVFB": "1"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    images = {name: QImage(str(tmp_path / f"{name}.png")) for name in STATES}
    for name, image in images.items():
        assert (image.width(), image.height()) == (1280, 800), name
    pixels = {name: bytes(image.constBits()) for name, image in images.items()}
    assert len(set(pixels.values())) == len(STATES)  # six different pictures
