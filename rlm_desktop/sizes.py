"""Byte sizes as a person reads them, one convention for the whole app: decimal units
(1 KB = 1000 bytes), as macOS and GNOME show file sizes. Standard library only, so every
package (documents included) may use it.
"""

from __future__ import annotations

KB = 1000
MB = 1000 * KB
GB = 1000 * MB
TB = 1000 * GB
_UNITS = (("TB", TB), ("GB", GB), ("MB", MB), ("KB", KB))


def human_size(n: float) -> str:
    """'1.5 GB', '300 KB', '98.4 MB', '12 bytes': one decimal at most, none when it is 0."""
    if abs(n) < KB:
        count = int(n)
        return f"{count} byte{'' if count == 1 else 's'}"
    for unit, scale in _UNITS:
        if abs(n) >= scale or unit == "KB":
            text = f"{n / scale:.1f}".removesuffix(".0")
            if text == "1000" and unit != "TB":  # 999.96 MB reads as 1 GB, not 1000 MB
                return human_size(round(n / scale) * scale)
            return f"{text} {unit}"
    raise AssertionError("unreachable")
