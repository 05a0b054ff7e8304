"""HTTP for the OpenAI-compatible backend: the server's address, one connection per request
(with the API key, if set), every failure as one human line, and cancel that closes the socket.

Requests go only to the address the user gave; `http.client` follows no redirects and uses no
proxy from the environment. Standard library only, no Qt.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from rlm_desktop.cancel import CancelToken
from rlm_desktop.llm.base import BackendError

API_KEY_ENV = "RLM_DESKTOP_API_KEY"
CONNECT_TIMEOUT_S = 10.0
INFO_TIMEOUT_S = 10.0  # /models and /props answer at once
MAX_INFO_BYTES = 4 << 20
EXAMPLE = "openai:http://127.0.0.1:8080/v1"


@dataclass(frozen=True)
class ServerAddress:
    """Where the server is: requests never go anywhere else."""

    scheme: str
    host: str
    port: int
    prefix: str  # the API base's path, ending in "/v1"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.prefix}"

    @property
    def root(self) -> str:
        """The server's own path (llama-server's `/props` lives beside `/v1`)."""
        return self.prefix.removesuffix("/v1")


def parse_server_url(text: str) -> ServerAddress:
    """`http://host:port[/path][/v1][/]` → the address; a bare `host:port` means http."""
    text = text.strip()
    if not text:
        raise BackendError(
            f"--backend openai:URL needs the model server's address after 'openai:', "
            f"e.g. {EXAMPLE}."
        )
    parts = urlsplit(text if "://" in text else f"http://{text}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise BackendError(f"{text!r} is not a model server address: use e.g. {EXAMPLE}.")
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        path += "/v1"
    default_port = 443 if parts.scheme == "https" else 80
    return ServerAddress(parts.scheme, parts.hostname, port or default_port, path)


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class HttpClient:
    """One connection per request to the server's address, with the API key if one is set."""

    def __init__(self, address: ServerAddress, api_key: str | None, connect_timeout: float):
        self.address = address
        self._api_key = api_key
        self.connect_timeout = connect_timeout

    @property
    def url(self) -> str:
        return self.address.url

    def hide_key(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def connect(self, read_timeout: float) -> http.client.HTTPConnection:
        a = self.address
        kind = http.client.HTTPSConnection if a.scheme == "https" else http.client.HTTPConnection
        conn = kind(a.host, a.port, timeout=self.connect_timeout)
        try:
            conn.connect()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise self.failure(exc, self.connect_timeout) from None
        if conn.sock is not None:
            conn.sock.settimeout(read_timeout)
        return conn

    def send(
        self, conn: http.client.HTTPConnection, method: str, path: str, body: object = None
    ) -> http.client.HTTPResponse:
        headers = {"User-Agent": "rlm-desktop", "Accept": "application/json, text/event-stream"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            waited = conn.sock.gettimeout() if conn.sock is not None else None
            raise self.failure(exc, waited or self.connect_timeout) from None
        if response.status >= 300:
            raw = b""
            with suppress(OSError, http.client.HTTPException):
                raw = response.read(64 << 10)
            raise self.status_error(response.status, path, raw)
        return response

    def get_json(self, path: str) -> Any:
        conn = self.connect(INFO_TIMEOUT_S)
        try:
            response = self.send(conn, "GET", path)
            raw = response.read(MAX_INFO_BYTES)
        except (OSError, http.client.HTTPException) as exc:
            raise self.failure(exc, INFO_TIMEOUT_S) from None
        finally:
            conn.close()
        try:
            return json.loads(raw)
        except ValueError:
            raise BackendError(
                f"the server at {self.url} answered {path} with something that is not JSON: "
                "is it an OpenAI-compatible model server?"
            ) from None

    def failure(self, exc: BaseException, timeout: float) -> BackendError:
        """One line for a connection that failed (refused, timed out, cut, not HTTP)."""
        url = self.url
        if isinstance(exc, ConnectionRefusedError):
            return BackendError(f"no model server answers at {url} (connection refused).")
        if isinstance(exc, TimeoutError):
            return BackendError(f"the model server at {url} did not answer within {timeout:g} s.")
        if isinstance(exc, ssl.SSLError):
            return BackendError(f"cannot talk to {url} over HTTPS: {exc.reason or exc}.")
        if isinstance(exc, socket.gaierror):
            return BackendError(f"no model server at {url}: the host name is unknown.")
        if isinstance(exc, http.client.IncompleteRead):
            return BackendError(f"the model server at {url} broke off its reply.")
        if isinstance(exc, http.client.RemoteDisconnected | ConnectionError):
            return BackendError(f"the model server at {url} closed the connection.")
        if isinstance(exc, http.client.HTTPException):
            return BackendError(f"the server at {url} did not answer in HTTP.")
        if isinstance(exc, OSError):
            return BackendError(f"cannot reach the model server at {url}: {exc.strerror or exc}.")
        return BackendError(f"cannot reach the model server at {url}: {exc}.")

    def status_error(self, status: int, path: str, raw: bytes) -> BackendError:
        url, said = self.url, self.server_message(raw)
        said_part = f": {said}" if said else "."
        if status in (401, 403):
            key = (
                f"the API key in {API_KEY_ENV} was not accepted"
                if self._api_key
                else f"set {API_KEY_ENV} to its API key"
            )
            return BackendError(f"the model server at {url} refused access (HTTP {status}): {key}.")
        if status == 404:
            return BackendError(
                f"the model server at {url} has no {path} (HTTP 404{said_part.rstrip('.')}): "
                f"check the address (e.g. {EXAMPLE}) and the model name."
            )
        if status >= 500:
            return BackendError(f"the model server at {url} failed (HTTP {status}){said_part}")
        return BackendError(
            f"the model server at {url} rejected the request (HTTP {status}){said_part}"
        )

    def server_message(self, raw: bytes) -> str:
        """The server's own words from an error body (OpenAI, vLLM, Ollama shapes, or text)."""
        text = raw.decode("utf-8", "replace")
        with suppress(ValueError):
            data = json.loads(text)
            if isinstance(data, dict):
                error = data.get("error", data.get("detail", data.get("message")))
                if isinstance(error, dict):
                    error = error.get("message", error)
                text = error if isinstance(error, str) else json.dumps(error)
        return self.hide_key(one_line(text))


class CancelWatch:
    """Shuts the connection's socket down as soon as `cancel` is set, waking a blocked read."""

    def __init__(self, conn: http.client.HTTPConnection, cancel: CancelToken | None) -> None:
        self._sock, self._cancel = conn.sock, cancel
        self._done = threading.Event()

    def __enter__(self) -> CancelWatch:
        if self._cancel is not None and self._sock is not None:
            threading.Thread(target=self._watch, name="openai-cancel", daemon=True).start()
        return self

    def _watch(self) -> None:
        assert self._cancel is not None and self._sock is not None
        while not self._done.is_set():
            if self._cancel.wait(0.05):
                if not self._done.is_set():
                    with suppress(OSError):
                        self._sock.shutdown(socket.SHUT_RDWR)
                return

    def __exit__(self, *exc: object) -> None:
        self._done.set()
