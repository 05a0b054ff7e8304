"""Starting the window where none can open: one line and exit 1, never Qt's abort."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rlm_desktop.ui.display import display_problem, missing_library

REPO = Path(__file__).resolve().parents[2]


def test_no_display_is_one_line_and_exit_1() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.run(
        [sys.executable, "-m", "rlm_desktop"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("rlm-desktop: No display found")
    assert "Aborted" not in proc.stderr and proc.stdout == ""


def test_an_offscreen_platform_needs_no_display() -> None:
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


@pytest.mark.skipif(not shutil.which("cc"), reason="needs a C compiler to make a stand-in plugin")
def test_a_missing_library_of_the_xcb_plugin_is_named(tmp_path: Path) -> None:
    """A stand-in plugin that links a library the loader cannot find (a made-up name: the real
    one is installed here), as libqxcb.so does when libxcb-cursor0 is missing."""
    (tmp_path / "dep.c").write_text("int dep(void) { return 1; }\n")
    (tmp_path / "plugin.c").write_text("int dep(void);\nint plugin(void) { return dep(); }\n")
    subprocess.run(
        [
            "cc",
            "-shared",
            "-fPIC",
            "-o",
            "libxcb-rlm-test.so.0",
            "dep.c",
            "-Wl,-soname,libxcb-rlm-test.so.0",
        ],
        cwd=tmp_path,
        check=True,
    )
    subprocess.run(
        ["cc", "-shared", "-fPIC", "-o", "libqxcb.so", "plugin.c", "./libxcb-rlm-test.so.0"],
        cwd=tmp_path,
        check=True,
    )
    (tmp_path / "libxcb-rlm-test.so.0").unlink()
    assert missing_library(tmp_path / "libqxcb.so") == "libxcb-rlm-test.so.0"


def test_the_real_xcb_plugin_loads_on_this_machine() -> None:
    """`make test` installs Qt's X11 libraries (scripts/system_deps.sh), so the window can open
    on a real X server here: the installed plugin's libraries are all found."""
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    assert missing_library(plugin) is None
