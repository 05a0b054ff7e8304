"""The replay backend (`--backend replay:FILE`): recorded responses, in call order.

FILE is JSON `{"responses": ["...", ...]}`. Every model call (root turns, sub-RLM turns and
leaf `llm_query` calls alike; `llm_query_batched` in list order) takes the next response.
Running out is a clear error. Optional keys: `"token_delay_s"` (seconds between streamed
pieces, for demos and cancel tests), `"model"` (a label) and `"context_window"` (tokens).
It runs the real engine and the real sandbox: only the model is recorded.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path
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

_PIECES = re.compile(r"\S+\s*|\s+")


class ReplayBackend:
    def __init__(
        self,
        responses: list[str],
        token_delay_s: float = 0.0,
        label: str = "",
        context_window: int = 8192,
    ) -> None:
        self.responses = list(responses)
        self.token_delay_s = token_delay_s
        self.calls = 0
        self.requests: list[GenerationRequest] = []
        self.info = BackendInfo(
            name="replay", model=label or "recorded responses", context_window=context_window
        )

    @classmethod
    def from_file(cls, path: str | Path) -> ReplayBackend:
        path = Path(path)
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BackendError(f"Replay file not found: {path}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackendError(f"Replay file {path} is not valid JSON: {exc}") from None
        responses = data.get("responses") if isinstance(data, dict) else None
        if not isinstance(responses, list) or not all(isinstance(r, str) for r in responses):
            raise BackendError(
                f'Replay file {path} must hold {{"responses": ["...", ...]}} (a list of strings).'
            )
        return cls(
            responses,
            token_delay_s=float(data.get("token_delay_s", 0.0)),
            label=str(data.get("model", path.name)),
            context_window=int(data.get("context_window", 8192)),
        )

    def complete(
        self,
        request: GenerationRequest,
        on_token: TokenCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Completion:
        if self.calls >= len(self.responses):
            raise BackendError(
                f"Replay ran out of recorded responses: call {self.calls + 1} asked for one, "
                f"but the recording has only {len(self.responses)}."
            )
        text = self.responses[self.calls]
        self.calls += 1
        self.requests.append(request)
        started = time.perf_counter()
        sent: list[str] = []
        finish = "stop"
        for piece in _PIECES.findall(text):
            if cancel is not None and cancel.cancelled:
                finish = "cancelled"
                break
            if self.token_delay_s and cancel is not None:
                cancel.wait(self.token_delay_s)
            elif self.token_delay_s:
                time.sleep(self.token_delay_s)
            sent.append(piece)
            if on_token is not None:
                on_token(piece)
        out = "".join(sent)
        prompt = sum(self.count_tokens(m["content"]) for m in request.messages)
        usage = Usage(
            prompt_tokens=prompt,
            prompt_evaluated=prompt,
            completion_tokens=self.count_tokens(out),
            seconds=time.perf_counter() - started,
        )
        return Completion(text=out, usage=usage, finish_reason=finish)

    def complete_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_token: BatchTokenCallback | None = None,
        cancel: CancelToken | None = None,
        on_done: BatchDoneCallback | None = None,
    ) -> list[Completion]:
        """Recorded responses in list order, one request after another."""
        return complete_one_by_one(self, requests, on_token, cancel, on_done)

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def end_session(self, session: str) -> None:
        pass

    def close(self) -> None:
        pass
