"""Read-only file access for readers: safe open, capped chunked reads, one sentence per OS error."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

CHUNK_BYTES = 8 * 1024 * 1024


class ReadError(Exception):
    """A file cannot be read; the message is the one human sentence the user sees."""


def os_error_sentence(exc: OSError, *, found: bool = True) -> str:
    """One sentence for an OS error on a file; `found` says the file was seen a moment ago."""
    code = exc.errno
    if code is None:  # some libraries raise these without an errno
        if isinstance(exc, FileNotFoundError):
            code = errno.ENOENT
        elif isinstance(exc, PermissionError):
            code = errno.EACCES
    if code == errno.ENOENT:
        if found:
            return "the file disappeared before it could be read"
        return "no such file or folder"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied: the app is not allowed to read this file"
    if code == errno.ELOOP:
        return "symlink loop: the link leads back to itself and never reaches a file"
    if code == errno.EISDIR:
        return "this is a folder, not a file"
    if code == errno.EIO:
        return "the disk reported an error while reading this file"
    if code in (errno.ENAMETOOLONG,):
        return "the file's name or path is too long to open"
    reason = exc.strerror or type(exc).__name__
    return f"the file could not be read ({reason.lower()})"


def open_readonly(path: str) -> int:
    """Open a regular file read-only without touching its access time where allowed.

    Raises ReadError for anything that is not a regular file (pipes and devices would block
    or never end) and OSError for the rest.
    """
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        fd = os.open(path, flags | noatime)
    except PermissionError as exc:
        if not noatime or exc.errno != errno.EPERM:
            raise
        fd = os.open(path, flags)  # O_NOATIME is only allowed to the file's owner
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ReadError("not a regular file (a pipe, device or socket), so it was not read")
    return fd


@contextmanager
def opened(path: str) -> Iterator[int]:
    """`open_readonly` as a context manager that always closes the descriptor."""
    fd = open_readonly(path)
    try:
        yield fd
    finally:
        os.close(fd)


def read_head(path: str, size: int) -> bytes:
    """The first `size` bytes of a file (fewer when it is shorter)."""
    with opened(path) as fd:
        return os.read(fd, size)


def iter_chunks(fd: int, max_bytes: int, chunk: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Chunks of an open file, refusing to go past `max_bytes` (a file may grow while read)."""
    total = 0
    while True:
        data = os.read(fd, chunk)
        if not data:
            return
        total += len(data)
        if total > max_bytes:
            raise ReadError("the file grew past the size limit while it was being read")
        yield data


def file_digest(path: str, max_bytes: int) -> bytes:
    """A content hash of a whole file, read in chunks (for spotting duplicates)."""
    digest = hashlib.blake2b(digest_size=20)
    with opened(path) as fd:
        for data in iter_chunks(fd, max_bytes, chunk=1024 * 1024):
            digest.update(data)
    return digest.digest()
