"""Caps on what one ingest may read (`IngestLimits`) and how sizes are worded for the user."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class IngestLimits:
    """Caps that keep one drop from exhausting the machine; every cap hit is told to the user."""

    max_files: int = 5000
    """Files taken from folders and arguments together; the rest get one note."""
    max_total_bytes: int = 2 * GiB
    """Sum of the on-disk sizes of the files read."""
    max_file_bytes: int = 512 * MiB
    """One file larger than this is not read at all (never read whole into memory)."""
    max_decompressed_bytes: int = 512 * MiB
    """A zip-based file (.docx, .xlsx, .pptx, .odt, .epub) that unpacks to more is refused."""
    max_zip_members: int = 20000
    """A zip-based file with more entries than this is refused."""
    max_seconds_per_file: float = 300.0
    """A reader still busy after this long is stopped and the file reported as too slow."""
    max_worker_memory_bytes: int = 3 * GiB
    """A reader process using more memory than this is stopped (watched, not an rlimit)."""
    max_depth: int = 64
    """Folder nesting deeper than this is not followed."""


def human_size(n: int) -> str:
    """'1.5 GB', '300 KB', '12 bytes': sizes as a person reads them (binary units)."""
    if n < 1024:
        return f"{n} byte{'s' if n != 1 else ''}"
    value = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
    raise AssertionError("unreachable")
