"""The OpenAI-compatible backend (`--backend openai:URL`): a model server the user already runs.

For llama.cpp's `llama-server`, LM Studio, Ollama (`/v1`) and vLLM. URL is the server's base
(`http://127.0.0.1:8080/v1`; `/v1` is added when missing); `--model` names one of the server's
models (default: the first id `GET /models` lists). Every call is one `POST /chat/completions`
with `stream: true`: the server-sent events are streamed to `on_token`, and cancel closes the
connection at once (a blocked read is woken too). Usage comes from the server's last chunk
(`stream_options.include_usage`), else from `estimate_tokens`. The GBNF grammar is sent only to
llama-server, recognised once by its `GET /props`, which also tells the context window.
`complete_batch` (batched sub-calls) sends up to `parallel` requests at once (default 4; the
server batches them), each on its own connection and thread; their callbacks are passed back to
the calling thread. The API key, if any, comes from `RLM_DESKTOP_API_KEY` and is never shown.
Requests go only to the given address; every failure is one human line as `BackendError`.
Standard library only.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rlm_desktop.cancel import CancelToken
from rlm_desktop.llm.base import (
    BackendError,
    BackendInfo,
    BatchDoneCallback,
    BatchTokenCallback,
    Completion,
    GenerationRequest,
    TokenCallback,
    Usage,
    complete_one_by_one,
    estimate_tokens,
)
from rlm_desktop.llm.openai_http import (
    API_KEY_ENV,
    CONNECT_TIMEOUT_S,
    CancelWatch,
    HttpClient,
    one_line,
    parse_server_url,
)

DEFAULT_CONTEXT = 8192
DEFAULT_PARALLEL = 4  # batched sub-calls sent at once
MAX_PARALLEL = 64
READ_TIMEOUT_S = 600.0  # silence allowed mid-reply: a CPU server may read a long prompt first
_MAX_LINE_BYTES = 4 << 20


@dataclass
class _Reply:
    pieces: list[str] = field(default_factory=list)
    finish: str | None = None
    usage: dict[str, Any] | None = None
    done: bool = False  # `data: [DONE]` seen


class OpenAICompatBackend:
    def __init__(
        self,
        http: HttpClient,
        model: str,
        info: BackendInfo,
        llama_server: bool = False,
        read_timeout: float = READ_TIMEOUT_S,
        parallel: int = DEFAULT_PARALLEL,
    ) -> None:
        self._http = http
        self.model = model
        self.info = info
        self.llama_server = llama_server
        self.read_timeout = read_timeout
        self.parallel = max(1, min(MAX_PARALLEL, parallel))
        self.info.parallel = self.parallel

    @classmethod
    def open(cls, url: str, model: str | None = None, **options: object) -> OpenAICompatBackend:
        """Reach the server, check the model (or take its first), and learn what it is.

        Options: `n_ctx` (the context window to assume), `llama_server` (True/False: skip the
        detection), `connect_timeout` and `read_timeout` (seconds), `parallel` (batched
        sub-calls sent at once, default 4). In-process load options
        (`n_gpu_layers`, …) mean nothing to a server and are ignored.
        """
        address = parse_server_url(url)
        http = HttpClient(
            address,
            os.environ.get(API_KEY_ENV) or None,
            float(options.get("connect_timeout") or CONNECT_TIMEOUT_S),  # type: ignore[arg-type]
        )
        listing = http.get_json(address.prefix + "/models")
        entries = listing.get("data") if isinstance(listing, dict) else None
        if not isinstance(entries, list):
            raise BackendError(f"the server at {http.url} answered /models without a model list.")
        models = {str(e["id"]): e for e in entries if isinstance(e, dict) and "id" in e}
        name = _choose_model(http.url, (model or "").strip(), list(models))
        props = _llama_props(http)
        flag = options.get("llama_server")
        llama = props is not None if flag is None else bool(flag)
        window = _context_window(options.get("n_ctx"), props, models.get(name, {}))
        kind = "llama.cpp's llama-server" if llama else "no reply grammar"
        info = BackendInfo(
            name="openai-compatible",
            model=name,
            context_window=window,
            n_params=_n_params(models.get(name)),
            device="server",
            notes=[f"Model server: {http.url} ({kind})"],
        )
        read_timeout = float(options.get("read_timeout") or READ_TIMEOUT_S)  # type: ignore[arg-type]
        parallel = _count(options.get("parallel")) or DEFAULT_PARALLEL
        return cls(http, name, info, llama, read_timeout, parallel)

    # --- one call ------------------------------------------------------------------------------
    def request_body(self, request: GenerationRequest) -> dict[str, object]:
        body: dict[str, object] = {
            "model": self.model,
            "messages": request.messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.stop:
            body["stop"] = list(request.stop)
        if self.llama_server:
            body["cache_prompt"] = True  # prompts are append-only: reuse the server's KV prefix
            if request.grammar:
                body["grammar"] = request.grammar
        return body

    def complete(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Completion:
        started = time.perf_counter()
        reply = _Reply()
        if cancel is None or not cancel.cancelled:
            conn = self._http.connect(self.read_timeout)
            try:
                with CancelWatch(conn, cancel):
                    path = self._http.address.prefix + "/chat/completions"
                    response = self._http.send(conn, "POST", path, self.request_body(request))
                    self._read(response, reply, on_token, cancel)
            except (BackendError, OSError, http.client.HTTPException) as exc:
                if cancel is None or not cancel.cancelled:
                    if isinstance(exc, BackendError):
                        raise
                    raise self._http.failure(exc, self.read_timeout) from None
            finally:
                conn.close()
        if cancel is not None and cancel.cancelled:
            reply.finish, reply.usage = "cancelled", None
        elif not reply.done and reply.finish is None:
            raise BackendError(f"the model server at {self._http.url} broke off its reply.")
        text = "".join(reply.pieces)
        usage = self._usage(request, text, reply.usage)
        usage.seconds = time.perf_counter() - started
        finish = reply.finish if reply.finish in ("length", "cancelled") else "stop"
        return Completion(text=text, usage=usage, finish_reason=finish)

    def complete_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_token: BatchTokenCallback | None = None,
        cancel: CancelToken | None = None,
        on_done: BatchDoneCallback | None = None,
    ) -> list[Completion]:
        """Up to `parallel` requests in flight at once; the first failure is raised once the
        others have ended (their callbacks still come, on this thread)."""
        if self.parallel < 2 or len(requests) < 2:
            return complete_one_by_one(self, requests, on_token, cancel, on_done)
        events: queue.Queue[tuple[int, str | Completion | Exception]] = queue.Queue()

        def work(i: int) -> None:
            try:
                sink = lambda piece: events.put((i, piece))  # noqa: E731
                events.put((i, self.complete(requests[i], sink, cancel)))
            except Exception as exc:  # handed to the calling thread, raised there
                events.put((i, exc))

        results: dict[int, Completion] = {}
        failures: list[Exception] = []
        workers = min(self.parallel, len(requests))
        with ThreadPoolExecutor(workers, thread_name_prefix="openai-batch") as pool:
            for i in range(len(requests)):
                pool.submit(work, i)
            while len(results) + len(failures) < len(requests):
                i, item = events.get()
                if isinstance(item, str):
                    if on_token is not None:
                        on_token(i, item)
                elif isinstance(item, Completion):
                    results[i] = item
                    if on_done is not None:
                        on_done(i, item)
                else:
                    failures.append(item)
        if failures:
            raise failures[0]
        return [results[i] for i in range(len(requests))]

    def _read(
        self,
        response: http.client.HTTPResponse,
        reply: _Reply,
        on_token: TokenCallback | None,
        cancel: CancelToken | None,
    ) -> None:
        """Server-sent events (`data: {...}` lines, blank line between, `data: [DONE]` last);
        a plain JSON reply is taken whole, for servers that do not stream."""
        event: list[str] = []
        first = True
        while not reply.done:
            if cancel is not None and cancel.cancelled:
                return
            raw = response.readline(_MAX_LINE_BYTES)
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if first and line.strip():
                first = False
                if line.lstrip().startswith("{"):
                    self._whole(line + response.read().decode("utf-8", "replace"), reply, on_token)
                    return
                if line.partition(":")[0] not in ("", "data", "event", "id", "retry"):
                    raise self._not_sse(line)
            if not line:
                if event:
                    self._event("\n".join(event), reply, on_token)
                    event = []
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                if name == "data":
                    event.append(value.removeprefix(" "))
        if event and not reply.done:
            self._event("\n".join(event), reply, on_token)

    def _event(self, data: str, reply: _Reply, on_token: TokenCallback | None) -> None:
        if data.strip() == "[DONE]":
            reply.done = True
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            raise self._not_sse(data) from None
        if not isinstance(chunk, dict):
            raise self._not_sse(data)
        if chunk.get("error"):
            said = self._http.server_message(json.dumps({"error": chunk["error"]}).encode())
            raise BackendError(f"the model server at {self._http.url} failed: {said}")
        if isinstance(chunk.get("usage"), dict):
            reply.usage = chunk["usage"]
        choices = chunk.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            choice = choices[0]
            delta = choice.get("delta")
            text = delta.get("content") if isinstance(delta, dict) else choice.get("text")
            if isinstance(text, str) and text:
                reply.pieces.append(text)
                if on_token is not None:
                    on_token(text)
            if choice.get("finish_reason"):
                reply.finish = str(choice["finish_reason"])

    def _whole(self, text: str, reply: _Reply, on_token: TokenCallback | None) -> None:
        try:
            data = json.loads(text)
            choice = data["choices"][0]
            content = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise self._not_sse(text) from None
        if content:
            reply.pieces.append(content)
            if on_token is not None:
                on_token(content)
        reply.finish = str(choice.get("finish_reason") or "stop")
        reply.usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
        reply.done = True

    def _not_sse(self, sample: str) -> BackendError:
        return BackendError(
            f"the server at {self._http.url} answered with something that is neither JSON nor "
            f"server-sent events ({one_line(self._http.hide_key(sample), 60)!r})."
        )

    def _usage(self, request: GenerationRequest, text: str, usage: dict[str, Any] | None) -> Usage:
        usage = usage or {}
        prompt = _count(usage.get("prompt_tokens"))
        if prompt is None:
            prompt = sum(estimate_tokens(m.get("content") or "") for m in request.messages)
        completion = _count(usage.get("completion_tokens"))
        if completion is None:
            completion = estimate_tokens(text)
        details = usage.get("prompt_tokens_details")
        cached = _count(details.get("cached_tokens")) if isinstance(details, dict) else None
        evaluated = max(0, prompt - (cached or 0))
        return Usage(prompt_tokens=prompt, prompt_evaluated=evaluated, completion_tokens=completion)

    # --- the rest of the protocol --------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def end_session(self, session: str) -> None:
        pass  # the server keeps (or drops) its own caches

    def close(self) -> None:
        pass  # one connection per call: nothing stays open


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _choose_model(url: str, wanted: str, ids: list[str]) -> str:
    if not wanted:
        if not ids:
            raise BackendError(
                f"the model server at {url} lists no models: load one there, or name it "
                "with --model NAME."
            )
        return ids[0]
    if wanted in ids or not ids:
        return wanted
    if f"{wanted}:latest" in ids:  # Ollama's tags
        return f"{wanted}:latest"
    shown = ", ".join(ids[:8]) + (", …" if len(ids) > 8 else "")
    raise BackendError(f"the model server at {url} has no model {wanted!r} (it lists: {shown}).")


def _n_params(entry: Any) -> int | None:
    """The parameter count where the server says (llama-server's `meta.n_params` in `/models`):
    it picks the engine's small-model prompt and grammar. Other servers: None."""
    meta = entry.get("meta") if isinstance(entry, dict) else None
    return _count(meta.get("n_params")) if isinstance(meta, dict) else None


def _llama_props(http: HttpClient) -> dict[str, Any] | None:
    """llama-server's `/props`, or None for any other server."""
    try:
        props = http.get_json(http.address.root + "/props")
    except BackendError:
        return None
    ok = isinstance(props, dict) and isinstance(props.get("default_generation_settings"), dict)
    return props if ok else None


def _context_window(n_ctx: object, props: dict[str, Any] | None, entry: Any) -> int:
    """The `n_ctx` option, else what the server says (llama-server `/props`, vLLM's
    `max_model_len` in `/models`), else 8192."""
    candidates: list[object] = [n_ctx]
    if props is not None:
        candidates += [props["default_generation_settings"].get("n_ctx"), props.get("n_ctx")]
    if isinstance(entry, dict):
        candidates += [entry.get("max_model_len"), entry.get("context_length")]
    for value in candidates:
        count = _count(value)
        if count:
            return count
    return DEFAULT_CONTEXT
