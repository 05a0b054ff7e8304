"""`rlm-desktop bench startup`: cold start to an interactive window, and the packaged app's size.

Start: the time from starting the program until its window is shown and the event loop has
run once (the app's hidden `--quit-when-ready` prints "ready" then and quits), measured from
outside, the median of several launches, against a bare PySide6 program that opens one window
in the same run (the floor any Qt app pays). Measured for the source install (goal ≤ 1.0 s) and,
when `dist/RLM Desktop` exists (`make app`), for the packaged app (goal ≤ 1.5 s), whose size
without the demo model is reported too (goal ≤ 400 MB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rlm_desktop.store.paths import REPO_ROOT

APP_DIR = REPO_ROOT / "dist" / "RLM Desktop"
DEMO_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
BARE_QT = (
    "import sys; from PySide6.QtCore import QTimer; "
    "from PySide6.QtWidgets import QApplication, QMainWindow; "
    "app = QApplication(sys.argv); w = QMainWindow(); w.resize(1024, 640); w.show(); "
    "QTimer.singleShot(0, lambda: (print('ready', flush=True), app.quit())); app.exec()"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=int, default=5, help="launches per program (median)")
    p.add_argument("--app", type=Path, default=APP_DIR, help="the packaged app's folder")


def time_to_ready(command: list[str], env: dict[str, str], timeout: float = 60.0) -> float:
    """Seconds from start until the program prints 'ready'."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if line.strip() == "ready":
                seconds = time.perf_counter() - started
                break
        else:
            raise RuntimeError(f"{command[0]} exited without opening its window")
    finally:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
    return seconds


def _median(command: list[str], env: dict[str, str], runs: int) -> float:
    time_to_ready(command, env)  # warm the disk cache: "cold" is a cold process, not a cold disk
    return round(statistics.median(time_to_ready(command, env) for _ in range(runs)), 3)


def folder_size(folder: Path, skip: str = "") -> int:
    return sum(
        p.lstat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink() and (not skip or p.name != skip)
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(env.get("RLM_DESKTOP_HOME", "")) if env.get("RLM_DESKTOP_HOME") else None
    if home is None:
        import tempfile

        env["RLM_DESKTOP_HOME"] = tempfile.mkdtemp(prefix="rlm-bench-startup-")
    runs = max(1, args.runs)
    bare = _median([sys.executable, "-c", BARE_QT], env, runs)
    source = _median([sys.executable, "-m", "rlm_desktop", "--quit-when-ready"], env, runs)
    result: dict[str, Any] = {
        "bare_qt_s": bare,
        "source_s": source,
        "source_goal_s": 1.0,
        "source_over_bare_qt": round(source / bare, 2),
    }
    program = args.app / "rlm-desktop"
    if program.is_file():
        frozen = _median([str(program), "--quit-when-ready"], env, runs)
        size = folder_size(args.app, skip=DEMO_NAME)
        result.update(
            {
                "app_s": frozen,
                "app_goal_s": 1.5,
                "app_over_bare_qt": round(frozen / bare, 2),
                "app_mb_without_demo_model": round(size / 1e6, 1),
                "app_mb_goal": 400,
            }
        )
    else:
        result["app"] = f"not built ({program} is missing: run `make app`)"
    return result
