"""Caps on what one ingest may read (`IngestLimits`), in the decimal units the user reads
(`rlm_desktop.sizes`: "512 MB" is 512,000,000 bytes)."""

from __future__ import annotations

from dataclasses import dataclass

from rlm_desktop.sizes import GB, MB


@dataclass(frozen=True)
class IngestLimits:
    """Caps that keep one drop from exhausting the machine; every cap hit is told to the user."""

    max_files: int = 5000
    """Files taken from folders and arguments together; the rest get one note."""
    max_total_bytes: int = 2 * GB
    """Sum of the on-disk sizes of the files read."""
    max_file_bytes: int = 512 * MB
    """One file larger than this is not read at all (never read whole into memory)."""
    max_decompressed_bytes: int = 512 * MB
    """A zip-based file (.docx, .xlsx, .pptx, .odt, .epub) that unpacks to more is refused."""
    max_zip_members: int = 20000
    """A zip-based file with more entries than this is refused."""
    max_seconds_per_file: float = 300.0
    """A reader still busy after this long is stopped and the file reported as too slow (for
    a file read by OCR, the clock restarts at each page: this is then a limit per page)."""
    max_worker_memory_bytes: int = 3 * GB
    """A reader process using more memory than this is stopped (watched, not an rlimit)."""
    max_depth: int = 64
    """Folder nesting deeper than this is not followed."""
