"""A fresh Xvfb X server for the scripts that drive the real window (screenshots,
walk-through): started on a free display number, waited for, stopped at the end."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def xvfb(screen: str = "1920x1200x24", first: int = 99) -> Iterator[str]:
    """Run Xvfb with one `screen` (WIDTHxHEIGHTxDEPTH) and yield its display (":N")."""
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb).")
    number = next(n for n in range(first, first + 100) if not Path(f"/tmp/.X{n}-lock").exists())
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", screen, "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit("Xvfb did not start.")
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(5)
