"""Numbers as a person reads them: durations, token counts, speeds, sizes (Qt-free).

`human_size` is the app's one size format (`rlm_desktop.sizes`: decimal units).
"""

from __future__ import annotations

from rlm_desktop.sizes import human_size

__all__ = ["duration", "human_size", "plural", "tokens"]


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
