"""Numbers as a person reads them: durations, token counts, speeds, sizes (Qt-free); and
`breakable`, long words (a web address, a file path) made wrappable for a word-wrapped label.

`human_size` is the app's one size format (`rlm_desktop.sizes`: decimal units).
"""

from __future__ import annotations

import re

from rlm_desktop.sizes import human_size

__all__ = ["breakable", "duration", "human_size", "plural", "tokens"]
ZWSP = "\u200b"  # zero-width space: a place where a line may break, never shown
LONG_WORD = re.compile(r"\S{25,}")
CHUNK = 20  # at most this many characters between break places in a long word


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


def breakable(text: str) -> str:
    """`text` with invisible break places in words of 25 characters or more (after / \\ _ - .
    and at least every 20 characters), so that a word-wrapped label wraps a web address or a
    file path instead of growing wider than its window."""

    def split(match: re.Match[str]) -> str:
        word = re.sub(r"([/\\_\-.?&=])", "\\1" + ZWSP, match.group(0))
        parts = word.split(ZWSP)
        return ZWSP.join(
            ZWSP.join(part[i : i + CHUNK] for i in range(0, len(part), CHUNK)) for part in parts
        )

    return LONG_WORD.sub(split, text)
