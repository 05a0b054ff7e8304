"""Talking to the Hugging Face hub through huggingface_hub: file metadata and byte streams.

huggingface_hub is imported only here and only when a download is asked for, after turning its
telemetry off (which also stops its agent-registry request). Every failure becomes a
`DownloadError` with one sentence (offline, unreachable, 404, gated, server error, …).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit

from rlm_desktop.hub.errors import DownloadError

DEFAULT_ENDPOINT = "https://huggingface.co"
_HF_ENV = {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "HF_HUB_DISABLE_EXPERIMENTAL_WARNING": "1",
}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")
_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class RemoteFile:
    """A file on the hub, as its HEAD answer describes it."""

    repo: str
    filename: str
    revision: str
    url: str  # where to GET the bytes (the hub, or the CDN it redirects to)
    size: int
    etag: str | None
    commit: str | None

    @property
    def sha256(self) -> str | None:
        """The LFS etag is the file's sha256 (what the integrity check compares)."""
        return self.etag if self.etag and _SHA256.match(self.etag) else None

    @property
    def git_sha1(self) -> str | None:
        """A small (non-LFS) file's etag is its git blob sha1."""
        return self.etag if self.etag and _SHA1.match(self.etag) else None


def hf() -> ModuleType:
    """huggingface_hub, imported on first use with telemetry and implicit tokens off."""
    for key, value in _HF_ENV.items():
        os.environ.setdefault(key, value)
    import huggingface_hub
    from huggingface_hub import constants

    constants.HF_HUB_DISABLE_TELEMETRY = True  # in case it was imported before us
    return huggingface_hub


def endpoint_or_default(endpoint: str | None) -> str:
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def resolve_url(endpoint: str, repo: str, filename: str, revision: str = "main") -> str:
    """The hub's `/{repo}/resolve/{revision}/{filename}` address. Built here rather than with
    `hf_hub_url`, which keeps the endpoint it saw at import time unless it matches exactly."""
    if not _REPO.match(repo):
        raise DownloadError(f"'{repo}' is not a hub repository name (owner/name)", False)
    return f"{endpoint}/{repo}/resolve/{quote(revision, safe='')}/{quote(filename)}"


def fetch_remote_file(
    repo: str, filename: str, revision: str, endpoint: str, timeout: float
) -> RemoteFile:
    """HEAD the file on the hub. Raises DownloadError."""
    lib = hf()
    url = resolve_url(endpoint, repo, filename, revision)
    try:
        meta = lib.get_hf_file_metadata(url, timeout=timeout, endpoint=endpoint, token=False)
    except Exception as exc:
        raise translate(exc, endpoint, repo, filename, revision) from None
    if meta.size is None:
        raise DownloadError(f"the hub did not say how big {filename} is; try again later")
    return RemoteFile(
        repo,
        filename,
        revision,
        meta.location,
        int(meta.size),
        (meta.etag or "").lower() or None,
        meta.commit_hash,
    )


@contextmanager
def open_stream(url: str, start: int, timeout: float) -> Iterator[Any]:
    """GET `url` from byte `start` (a Range request when > 0); yields the streaming response."""
    lib = hf()
    from huggingface_hub.utils import build_hf_headers, get_session

    headers = build_hf_headers(token=False)
    headers["Accept-Encoding"] = "identity"
    if start:
        headers["Range"] = f"bytes={start}-"
    with get_session().stream(
        "GET", url, headers=headers, timeout=timeout, follow_redirects=True
    ) as response:
        lib.utils.hf_raise_for_status(response)
        yield response


def is_transient(exc: BaseException) -> bool:
    """A dropped or stalled connection mid-transfer: worth resuming."""
    import httpx2

    return isinstance(exc, httpx2.TransportError) and not isinstance(exc, httpx2.ConnectError)


def is_local_io_error(exc: BaseException) -> bool:
    """A disk problem (full, no permission), not an HTTP one (hub HTTP errors are OSErrors)."""
    from huggingface_hub.errors import HfHubHTTPError

    network = (HfHubHTTPError, ConnectionError, TimeoutError)  # incl. OfflineModeIsEnabled
    return isinstance(exc, OSError) and not isinstance(exc, network)


def translate(
    exc: BaseException, endpoint: str, repo: str, filename: str, revision: str = "main"
) -> DownloadError:
    """Turn a huggingface_hub / httpx2 exception into a one-sentence DownloadError."""
    import httpx2
    from huggingface_hub import errors

    host = urlsplit(endpoint).netloc or endpoint
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return DownloadError("downloads are switched off because HF_HUB_OFFLINE is set", False)
    if isinstance(exc, errors.GatedRepoError):
        return DownloadError(
            f"'{repo}' is gated: accept its licence on the hub's website and log in first", False
        )
    if isinstance(exc, errors.RepositoryNotFoundError):
        return DownloadError(f"there is no model repository '{repo}' on the hub", False)
    if isinstance(exc, errors.RevisionNotFoundError):
        return DownloadError(f"the repository '{repo}' has no revision '{revision}'", False)
    if isinstance(exc, errors.RemoteEntryNotFoundError):
        return DownloadError(f"the repository '{repo}' has no file '{filename}'", False)
    if isinstance(exc, errors.HfHubHTTPError):
        return _http_error(exc, repo, filename)
    if isinstance(exc, httpx2.ConnectError):
        return DownloadError(
            f"cannot reach the model hub at {host}: check the internet connection and try again"
        )
    if isinstance(exc, httpx2.TimeoutException):
        return DownloadError(f"the model hub at {host} did not answer in time; try again")
    if isinstance(exc, httpx2.HTTPError):
        return DownloadError(f"the connection to {host} failed ({type(exc).__name__}); try again")
    return DownloadError(f"the download of {filename} failed: {exc}".splitlines()[0])


def _http_error(exc: Any, repo: str, filename: str) -> DownloadError:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status == 404:
        return DownloadError(f"not found on the hub: {repo}/{filename} (HTTP 404)", False)
    if status in (401, 403):
        return DownloadError(f"the hub refused access to {repo}/{filename} (HTTP {status})", False)
    if status == 416:
        return DownloadError(f"the hub could not resume {filename} (HTTP 416); try again")
    if status is not None and status >= 500:
        return DownloadError(f"the model hub had a problem (HTTP {status}); try again later")
    return DownloadError(f"the hub answered HTTP {status} for {repo}/{filename}")
