"""A stand-in Hugging Face hub on 127.0.0.1 for tests: a real HTTP server in a thread.

It speaks what huggingface_hub 2.4 and our downloader use:
- HEAD/GET `/{owner}/{repo}/resolve/{revision}/{filename}` with X-Repo-Commit, ETag and
  X-Linked-Etag (the sha256, as for LFS files), X-Linked-Size, Content-Length, Accept-Ranges;
- GET with `Range: bytes=a-` / `bytes=a-b` -> 206 + Content-Range;
- 404 with X-Error-Code RepoNotFound / EntryNotFound, like the hub;
- `/api/agent-harnesses` -> 404 (huggingface_hub asks for it unless telemetry is off).
Knobs for failure tests: `cut_after` (drop the connection after N body bytes, once),
`wrong_etag` (advertise another checksum), `throttle` (seconds to sleep per chunk), and `cdn`:
answer `/resolve/` with a 302 to a signed `/cdn/{token}/...` link, as the hub does for LFS
files; `expire_links()` makes every link given so far answer 403, like an expired signature.
Every request is recorded in `requests` (method, path, headers) for assertions.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

COMMIT = "0123456789abcdef0123456789abcdef01234567"
CHUNK = 64 * 1024
_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")
_CDN = re.compile(r"^/cdn/(?P<token>\d+)/(?P<repo>[^/]+/[^/]+)/(?P<file>.+)$")


@dataclass
class HubFile:
    path: Path
    size: int
    sha256: str


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FakeHub:
    files: dict[tuple[str, str], HubFile] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    cut_after: int | None = None  # drop the next GET body after this many bytes
    wrong_etag: bool = False
    throttle: float = 0.0
    cdn: bool = False
    token: int = 1
    server: ThreadingHTTPServer | None = None

    def expire_links(self) -> None:
        self.token += 1

    def add(self, repo: str, filename: str, path: Path, sha256: str | None = None) -> HubFile:
        digest = sha256 or _sha256(path)
        entry = HubFile(path, path.stat().st_size, digest)
        self.files[(repo, filename)] = entry
        return entry

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeHub:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def range_requests(self) -> list[str]:
        return [r.headers["range"] for r in self.requests if "range" in r.headers]

    def gets(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "GET" and "/resolve/" in r.path]


def _sha256(path: Path) -> str:
    return _sha256_cached(path, path.stat().st_size, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _sha256_cached(path: Path, size: int, mtime: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(4 << 20):
            digest.update(block)
    return digest.hexdigest()


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def do_GET(self) -> None:
            self._serve(body=True)

        def end_headers(self) -> None:
            # No keep-alive: a pooled connection must never outlive this server (a later
            # FakeHub may get the same port and the client would talk to a dead handler).
            self.send_header("Connection", "close")
            self.close_connection = True
            super().end_headers()

        def _serve(self, body: bool) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            hub.requests.append(Recorded(self.command, self.path, headers))
            path = self.path.split("?")[0]
            match = _RESOLVE.match(path)
            cdn = _CDN.match(path)
            if cdn and int(cdn["token"]) != hub.token:
                return self._error(403, "")
            if cdn:
                match = cdn
            if not match:
                return self._error(404, "")
            repo, name = match["repo"], match["file"]
            if not any(r == repo for r, _ in hub.files):
                return self._error(404, "RepoNotFound")
            entry = hub.files.get((repo, name))
            if entry is None:
                return self._error(404, "EntryNotFound")
            if hub.cdn and not cdn:
                return self._redirect(entry, f"{hub.url}/cdn/{hub.token}/{repo}/{name}")
            start, end = 0, entry.size - 1
            wanted = headers.get("range")
            if wanted and body:
                m = re.match(r"bytes=(\d+)-(\d*)$", wanted)
                if not m or int(m[1]) >= entry.size:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{entry.size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                start, end = int(m[1]), int(m[2]) if m[2] else entry.size - 1
            self.send_response(206 if wanted and body else 200)
            self._hub_headers(entry)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(end - start + 1))
            if wanted and body:
                self.send_header("Content-Range", f"bytes {start}-{end}/{entry.size}")
            self.end_headers()
            if body:
                self._send_bytes(entry.path, start, end)
            return None

        def _hub_headers(self, entry: HubFile) -> None:
            etag = hashlib.sha256(b"wrong").hexdigest() if hub.wrong_etag else entry.sha256
            self.send_header("ETag", f'"{etag}"')
            self.send_header("X-Linked-Etag", f'"{etag}"')
            self.send_header("X-Linked-Size", str(entry.size))
            self.send_header("X-Repo-Commit", COMMIT)

        def _redirect(self, entry: HubFile, location: str) -> None:
            self.send_response(302)
            self._hub_headers(entry)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _send_bytes(self, path: Path, start: int, end: int) -> None:
            cut, hub.cut_after = hub.cut_after, None
            sent = 0
            with path.open("rb") as fh:
                fh.seek(start)
                left = end - start + 1
                while left > 0:
                    block = fh.read(min(CHUNK, left))
                    if cut is not None and sent + len(block) > cut:
                        self.wfile.write(block[: cut - sent])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(2)  # a dropped connection mid-body
                        return
                    try:
                        self.wfile.write(block)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    sent += len(block)
                    left -= len(block)
                    if hub.throttle:
                        threading.Event().wait(hub.throttle)

        def _error(self, status: int, code: str) -> None:
            self.send_response(status)
            if code:
                self.send_header("X-Error-Code", code)
                self.send_header("X-Error-Message", f"{code} (fake hub)")
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@contextmanager
def running_hub(monkeypatch: pytest.MonkeyPatch | None = None) -> Iterator[FakeHub]:
    """Start a FakeHub; with `monkeypatch`, point HF_ENDPOINT at it for the duration (our
    downloader reads it per download; huggingface_hub's own constant is fixed at its import)."""
    hub = FakeHub().start()
    if monkeypatch is not None:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
    try:
        yield hub
    finally:
        hub.stop()
