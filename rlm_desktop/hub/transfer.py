"""The byte transfer of one file into its `.part`: resume by Range, hash as it streams, retry a
dropped connection (with a fresh link from the hub when its CDN link has expired), stop on
cancel. A `.part.json` beside the `.part` names the hub version the bytes belong to, so a
restarted app resumes only the same version."""

from __future__ import annotations

import errno
import hashlib
import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlm_desktop.cancel import Cancelled, CancelToken
from rlm_desktop.hub.errors import DownloadError
from rlm_desktop.hub.placement import write_json_atomic
from rlm_desktop.hub.remote import (
    RemoteFile,
    fetch_remote_file,
    is_local_io_error,
    is_transient,
    open_stream,
    resolve_url,
    translate,
)
from rlm_desktop.sizes import human_size

Report = Callable[[int, str], None]  # (bytes of this file done, phase)
_RANGE = "bytes {start}-"


@dataclass
class Meter:
    """Progress across files: throttles reports and measures speed over a sliding window."""

    total: int
    done_before: int = 0
    interval: float = 0.1
    window: float = 3.0
    _last: float = 0.0
    _samples: deque[tuple[float, int]] = field(default_factory=deque)

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False

    def rate(self, done: int) -> tuple[float, float | None]:
        """(bytes a second, seconds left) given `done` bytes of the current file."""
        now = time.monotonic()
        absolute = self.done_before + done
        self._samples.append((now, absolute))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.window:
            self._samples.popleft()
        t0, b0 = self._samples[0]
        speed = (absolute - b0) / (now - t0) if now > t0 else 0.0
        eta = (self.total - absolute) / speed if speed > 0 else None
        return speed, eta


def part_state_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _hasher(remote: RemoteFile) -> Any:
    if remote.sha256 or not remote.git_sha1:
        return hashlib.sha256()
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"blob {remote.size}\0".encode())  # a git blob's id
    return digest


def _resume_offset(remote: RemoteFile, part: Path) -> int:
    """Bytes of `part` that belong to this very version of the file (0 = start again)."""
    state = {
        "url_etag": remote.etag,
        "size": remote.size,
        "commit": remote.commit,
        "repo": remote.repo,
        "filename": remote.filename,
    }
    state_file = part_state_path(part)
    try:
        old = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = None
    have = part.stat().st_size if part.exists() else 0
    same = isinstance(old, dict) and old.get("url_etag") == remote.etag and remote.etag
    if not same or have > remote.size:
        part.write_bytes(b"")
        have = 0
    write_json_atomic(state_file, state)
    return have


@dataclass
class _State:
    offset: int
    digest: Any


@contextmanager
def exclusive(part: Path) -> Iterator[None]:
    """One download of a file at a time, across windows and CLI runs (a POSIX advisory lock,
    released by the OS if the process dies, so it never goes stale)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock; the checksum still catches a mix-up
        yield
        return
    lock = part.with_name(part.name + ".lock")
    try:
        fh = lock.open("a+b")
    except OSError as exc:
        raise _disk_error(exc, lock) from None
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            name = part.name.removesuffix(".part")
            msg = f"{name} is already being downloaded by another window or command"
            raise DownloadError(msg, retryable=False) from None
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)


def fetch_to_part(
    remote: RemoteFile,
    part: Path,
    endpoint: str,
    timeout: float,
    max_retries: int,
    retry_wait: float,
    report: Report,
    cancel: CancelToken | None,
) -> str:
    """Fill `part` with the whole file; returns its hex digest (sha256, or git sha1).
    Hold `exclusive(part)` around this and the placement of the finished file."""
    try:
        state = _State(_resume_offset(remote, part), _hasher(remote))
        if state.offset:
            report(state.offset, "checking")
            _hash_existing(part, state.offset, state.digest, cancel)
        failures = 0
        while state.offset < remote.size:
            before = state.offset
            try:
                _stream(remote, part, state, timeout, report, cancel)
            except Cancelled:
                raise
            except Exception as exc:
                if is_local_io_error(exc):
                    raise _disk_error(exc, part) from None  # type: ignore[arg-type]
                expired = _link_expired(exc, remote, endpoint)
                if not expired and not is_transient(exc) and not _is_http(exc, 416):
                    raise _as_error(exc, remote, endpoint, part) from None
                failures = failures + 1 if state.offset == before else 1
                if failures > max_retries:
                    raise _as_error(exc, remote, endpoint, part) from None
                if expired:
                    remote = _fresh_link(remote, endpoint, timeout)
                if _is_http(exc, 416):  # our Range made no sense to the server: start over
                    part.write_bytes(b"")
                _pause(retry_wait * min(8, 2**failures) / 2, cancel)
                state = _State(part.stat().st_size, _hasher(remote))
                _hash_existing(part, state.offset, state.digest, cancel)
    except OSError as exc:
        raise _disk_error(exc, part) from None
    return str(state.digest.hexdigest())


def _pause(seconds: float, cancel: CancelToken | None) -> None:
    if cancel is None:
        time.sleep(seconds)
    elif cancel.wait(seconds):
        cancel.raise_if_cancelled()


def _stream(
    remote: RemoteFile,
    part: Path,
    state: _State,
    timeout: float,
    report: Report,
    cancel: CancelToken | None,
) -> None:
    """One GET from `state.offset`, appending to `part` and the digest as bytes arrive."""
    with open_stream(remote.url, state.offset, timeout) as response, part.open("r+b") as out:
        if state.offset and response.status_code != 206:  # the server ignored the Range
            state.offset, state.digest = 0, _hasher(remote)
        elif state.offset and not response.headers.get("Content-Range", "").startswith(
            _RANGE.format(start=state.offset)
        ):
            raise DownloadError(
                f"the hub answered a resume of {remote.filename} wrongly; try again"
            )
        out.seek(state.offset)
        out.truncate(state.offset)
        for block in response.iter_bytes():
            if cancel:
                cancel.raise_if_cancelled()
            if state.offset + len(block) > remote.size:
                raise DownloadError(
                    f"the hub sent more bytes than {remote.filename} has; try again"
                )
            out.write(block)
            state.digest.update(block)
            state.offset += len(block)
            report(state.offset, "downloading")


def _hash_existing(part: Path, length: int, digest: Any, cancel: CancelToken | None) -> None:
    with part.open("rb") as fh:
        left = length
        while left:
            if cancel:
                cancel.raise_if_cancelled()
            block = fh.read(min(left, 4 << 20))
            if not block:
                break
            digest.update(block)
            left -= len(block)


def _link_expired(exc: BaseException, remote: RemoteFile, endpoint: str) -> bool:
    """The signed download link the hub redirected to (its CDN) refuses us: it has expired
    (links last about an hour, a big download on a slow line lasts longer)."""
    on_cdn = remote.url != resolve_url(endpoint, remote.repo, remote.filename, remote.revision)
    return on_cdn and any(_is_http(exc, status) for status in (401, 403, 410))


def _fresh_link(remote: RemoteFile, endpoint: str, timeout: float) -> RemoteFile:
    """Ask the hub again for a download link to the very same version of the file."""
    fresh = fetch_remote_file(remote.repo, remote.filename, remote.revision, endpoint, timeout)
    if (fresh.etag, fresh.size) != (remote.etag, remote.size):
        raise DownloadError(
            f"{remote.filename} changed on the hub during the download; start it again"
        )
    return fresh


def _is_http(exc: BaseException, status: int) -> bool:
    return getattr(getattr(exc, "response", None), "status_code", None) == status


def _as_error(exc: BaseException, remote: RemoteFile, endpoint: str, part: Path) -> DownloadError:
    if isinstance(exc, DownloadError):
        return exc
    error = translate(exc, endpoint, remote.repo, remote.filename, remote.revision)
    kept = part.stat().st_size if part.exists() else 0
    if kept and error.retryable:
        return DownloadError(f"{error} (the {human_size(kept)} already fetched are kept)")
    return error


def _disk_error(exc: OSError, part: Path) -> DownloadError:
    if exc.errno == errno.ENOSPC:
        return DownloadError(f"the disk is full: free some space at {part.parent} and try again")
    if isinstance(exc, PermissionError):
        return DownloadError(f"no permission to write {part}", retryable=False)
    return DownloadError(f"cannot write {part.name}: {exc.strerror or exc}")
