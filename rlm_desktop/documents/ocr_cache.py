"""Recognised text kept on disk by file hash and page, so reopening a scanned file is instant.

One small file per page under the app's cache folder (the caller says where); when the folder
grows past its size limit the least recently used pages go first. A damaged or missing cache
only costs a new recognition: every failure here is silent.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile

from rlm_desktop.documents.fileio import opened

SUFFIX = ".txt"


def file_key(path: str, engine: str) -> str:
    """A hash of the file's bytes and the recognition settings (engine, resolution)."""
    digest = hashlib.sha256(engine.encode())
    with opened(path) as fd:
        while chunk := os.read(fd, 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()[:40]


class OcrCache:
    """Pages of recognised text in `folder`, at most `max_bytes` in all."""

    def __init__(self, folder: str | None, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def _path(self, key: str, page: int) -> str:
        assert self.folder is not None
        return os.path.join(self.folder, f"{key}-{page}{SUFFIX}")

    def get(self, key: str, page: int) -> str | None:
        if not self.folder:
            return None
        path = self._path(key, page)
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            os.utime(path)  # recently used: evicted last
        except (OSError, UnicodeDecodeError):
            return None
        return text

    def put(self, key: str, page: int, text: str) -> None:
        if not self.folder:
            return
        try:
            os.makedirs(self.folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self._path(key, page))
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
            return
        self._evict()

    def _evict(self) -> None:
        """Remove the least recently used pages while the folder is over its limit."""
        assert self.folder is not None
        entries = []
        try:
            with os.scandir(self.folder) as it:
                for entry in it:
                    if entry.name.endswith(SUFFIX) and entry.is_file():
                        st = entry.stat()
                        entries.append((st.st_mtime, st.st_size, entry.path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                total -= size
