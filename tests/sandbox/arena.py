"""What the sandbox tests protect: an arena of files, a listener on 127.0.0.1, a victim process.

Nothing here relies on file permissions (the tests may run as root): a denial is proven by
the effect not happening (a file's bytes and times unchanged, no connection accepted, a process
still alive), never by a permission error alone.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rlm_desktop.documents.model import Context, Document

ENV_SECRET_NAME = "RLM_SANDBOX_TEST_SECRET"


@dataclass
class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    port: int = 0
    accepted: int = 0
    _sock: socket.socket | None = field(default=None, repr=False)

    def start(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        if self._sock is not None:
            self._sock.close()


@dataclass
class Arena:
    """Files the model's code must not read, change or create, and the names to reach them."""

    root: Path
    secret_token: str
    env_token: str
    listing_token: str
    secret: Path
    document: Path
    listener: Listener
    victim: subprocess.Popen[bytes]

    def snapshot(self) -> tuple[object, ...]:
        """The dropped document (bytes, time, mode, inode) and this host process's own state
        (open-files limit, priority, CPUs), which a worker of the same user could change."""
        st = self.document.stat()
        host = (
            resource.getrlimit(resource.RLIMIT_NOFILE),
            os.getpriority(os.PRIO_PROCESS, 0),
            os.sched_getaffinity(0),
        )
        return self.document.read_bytes(), st.st_mtime_ns, st.st_mode, st.st_ino, *host

    def canary(self, name: str) -> Path:
        return self.root / f"canary-{name}"

    def fill(self, code: str, name: str) -> str:
        """Replace the $PLACEHOLDERS of a corpus entry."""
        values = {
            "$SECRET": str(self.secret),
            "$DOC": str(self.document),
            "$CANARY": str(self.canary(name)),
            "$ARENA": str(self.root),
            "$PORT": str(self.listener.port),
            "$VICTIM": str(self.victim.pid),
            "$HOST": str(os.getpid()),
        }
        for key, value in values.items():
            code = code.replace(key, value)
        return code

    def context(self) -> Context:
        text = self.document.read_text()
        return Context([Document(name="report.txt", text=text, path=str(self.document))])
