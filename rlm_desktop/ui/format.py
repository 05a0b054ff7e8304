"""Numbers as a person reads them: durations, token counts, speeds, sizes (Qt-free).

`human_size` is the window's one size format: decimal units (1 KB = 1000 bytes), as the
platforms' file managers show sizes. It is kept here until the core's single `human_size`
(the same convention) is in main; then this becomes an import of it.
"""

from __future__ import annotations

_SIZE_UNITS = (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3))


def human_size(n: float) -> str:
    """'1.5 GB', '300 KB', '98.4 MB', '12 bytes': one decimal at most, none when it is 0."""
    if abs(n) < 1000:
        count = int(n)
        return f"{count} byte{'' if count == 1 else 's'}"
    for unit, scale in _SIZE_UNITS:
        if abs(n) >= scale or unit == "KB":
            text = f"{n / scale:.1f}".removesuffix(".0")
            if text == "1000" and unit != "TB":  # 999.96 MB reads as 1 GB, not 1000 MB
                return human_size(round(n / scale) * scale)
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def duration(seconds: float) -> str:
    """'0.4 s', '12 s', '3 min 05 s', '1 h 02 min'."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def tokens(count: int) -> str:
    """'950', '12.3k', '1.2M'."""
    if count < 1000:
        return str(count)
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.1f}M"
