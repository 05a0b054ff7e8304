"""A stand-in OpenAI-compatible model server on 127.0.0.1 for the `openai:URL` backend's tests.

A real `ThreadingHTTPServer` on an ephemeral port that speaks enough of the protocol:
`GET /v1/models`, `POST /v1/chat/completions` streamed as server-sent events over chunked
HTTP/1.1 (`data: {...}` lines, usage in the last chunk, `data: [DONE]`), and, in the
llama-server flavour, `GET /props`. Each chat call answers with the next of `replies`, cut into
word pieces; every request is recorded. Knobs make it fail the ways real servers do.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PIECES = re.compile(r"\S+\s*|\s+")
PROMPT_TOKENS = 123


def pieces(text: str) -> list[str]:
    return PIECES.findall(text)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any = None


@dataclass
class StandIn:
    """What the server says; change the fields between calls to change its behaviour."""

    replies: list[str] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=lambda: [{"id": "tiny-chat"}])
    llama: bool = False  # answer /props like llama-server
    n_ctx: int = 4096
    send_usage: bool = True
    cached_tokens: int | None = None  # usage.prompt_tokens_details.cached_tokens
    stream: bool = True  # False: one JSON reply, as a server that ignores `stream`
    api_key: str | None = None  # when set, every request must carry it
    fail: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # path → status, type, body
    error_after: int | None = None  # send an `error` event after this many pieces
    gate: threading.Event | None = None  # chat replies wait for it before the first byte
    delay_s: float = 0.0  # each chat reply waits this long before its first byte
    echo: bool = False  # reply with the request's last message instead of `replies`
    in_flight: int = 0  # chat requests being answered now
    max_in_flight: int = 0  # the most at once so far
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[Recorded] = field(default_factory=list)
    pieces_sent: int = 0
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def chat_bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(json.loads(self.rfile.read(length) or b"null"))

    def _handle(self, body: Any) -> None:
        s = self.server.state
        s.requests.append(Recorded(self.command, self.path, dict(self.headers), body))
        try:
            if s.api_key and self.headers.get("Authorization") != f"Bearer {s.api_key}":
                self._send(401, "application/json", json.dumps({"error": "bad key"}))
            elif self.path in s.fail:
                self._send(*s.fail[self.path])
            elif self.path == "/v1/models":
                self._send(
                    200, "application/json", json.dumps({"object": "list", "data": s.models})
                )
            elif self.path == "/props" and s.llama:
                props = {"default_generation_settings": {"n_ctx": s.n_ctx}, "total_slots": 1}
                self._send(200, "application/json", json.dumps(props))
            elif self.path == "/v1/chat/completions" and self.command == "POST":
                self._chat(s, body)
            else:
                self._send(404, "application/json", json.dumps({"error": {"message": "Not Found"}}))
        except OSError:
            pass  # the client hung up (cancel)

    def _send(self, status: int, kind: str, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chat(self, s: StandIn, body: Any) -> None:
        with s.lock:
            s.in_flight += 1
            s.max_in_flight = max(s.max_in_flight, s.in_flight)
        try:
            self._reply(s, body)
        finally:
            with s.lock:
                s.in_flight -= 1

    def _reply(self, s: StandIn, body: Any) -> None:
        if s.gate is not None:
            s.gate.wait(10)
        if s.delay_s:
            time.sleep(s.delay_s)
        if s.echo:
            text = f"echo: {body['messages'][-1]['content']}"
        else:
            text = s.replies.pop(0) if s.replies else "FINAL(out of replies)"
        usage: dict[str, Any] = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": 0}
        if s.cached_tokens is not None:
            usage["prompt_tokens_details"] = {"cached_tokens": s.cached_tokens}
        parts = pieces(text)
        usage["completion_tokens"] = len(parts)
        if not s.stream:
            reply = {
                "choices": [{"message": {"role": "assistant", "content": text}}],
                "usage": usage,
            }
            self._send(200, "application/json", json.dumps(reply))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._event({"choices": [{"index": 0, "delta": {"role": "assistant"}}]})
        for i, part in enumerate(parts):
            if s.error_after is not None and i == s.error_after:
                self._event({"error": {"message": "the slot crashed", "code": 500}})
                break
            choice = {"index": 0, "delta": {"content": part}, "finish_reason": None}
            self._event({"choices": [choice]})
            s.pieces_sent += 1
        else:
            self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if s.send_usage:
                self._event({"choices": [], "usage": usage})
            self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    def _event(self, data: dict[str, Any]) -> None:
        self._chunk(f"data: {json.dumps(data)}\n\n".encode())

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: StandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up is not a test failure


def serve(state: StandIn) -> tuple[_Server, threading.Thread]:
    server = _Server(state)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    return server, thread
