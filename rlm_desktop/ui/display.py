"""Can a window open here? Checked before Qt starts, so the user gets one line, not Qt's abort.

On Linux Qt needs a display (X11's DISPLAY or WAYLAND_DISPLAY) and, for X11, the xcb platform
plugin's system libraries (Qt 6.5+ also needs libxcb-cursor0). Qt itself aborts the process
when the plugin cannot load; here the plugin is loaded with the dynamic loader first, and a
missing library is named with the package that provides it. Imports no Qt.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
from pathlib import Path

# Qt's xcb plugin's libraries → the Debian/Ubuntu package that provides each.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
_MISSING = re.compile(r"(lib[\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")
OFFSCREEN_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb"}


def _xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.is_file() else None


def missing_library(plugin: Path) -> str | None:
    """The first library the plugin needs that the loader cannot find, or None if it loads."""
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        match = _MISSING.search(str(exc))
        return match.group(1) if match else str(exc).split(":")[-1].strip() or "a library"
    return None


def display_problem(env: dict[str, str] | None = None) -> str | None:
    """One line saying why no window can open, or None when it can (or cannot be told)."""
    env = dict(os.environ) if env is None else env
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if platform in OFFSCREEN_PLATFORMS:
        return None
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return (
            "No display found: RLM Desktop needs a desktop session to open its window "
            "(neither DISPLAY nor WAYLAND_DISPLAY is set). "
            "Without a window, use `rlm-desktop ask QUESTION --doc FILE`."
        )
    if platform not in ("", "xcb") or (not env.get("DISPLAY") and not platform):
        return None  # Wayland or another plugin: Qt reports its own problems there
    plugin = _xcb_plugin()
    if plugin is None:
        return None
    lib = missing_library(plugin)
    if lib is None:
        return None
    package = DEBIAN_PACKAGES.get(lib)
    fix = f" Install it with: sudo apt-get install {package}" if package else ""
    return f"The window cannot open: the system library {lib} is missing.{fix}"
