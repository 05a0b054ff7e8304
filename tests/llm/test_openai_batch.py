"""Batched sub-calls over the OpenAI-compatible backend: concurrent requests to a real HTTP
server on 127.0.0.1, up to the user's limit, callbacks on the calling thread, replies in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from openai_stand_in import StandIn, serve

from rlm_desktop.backends import make_backend
from rlm_desktop.cancel import CancelToken
from rlm_desktop.llm.base import BackendError, Completion, GenerationRequest
from rlm_desktop.llm.openai_compat import DEFAULT_PARALLEL

DELAY = 0.4


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    monkeypatch.delenv("RLM_DESKTOP_API_KEY", raising=False)
    state = StandIn(echo=True, delay_s=DELAY)
    http, thread = serve(state)
    yield state
    http.shutdown()
    http.server_close()
    thread.join(5)


def asks(n: int) -> list[GenerationRequest]:
    return [
        GenerationRequest(messages=[{"role": "user", "content": f"question {i}"}], max_tokens=8)
        for i in range(n)
    ]


def test_batched_calls_overlap_up_to_the_limit_and_come_back_in_order(server: StandIn) -> None:
    backend = make_backend(f"openai:{server.url}", parallel=3)
    assert backend.info.parallel == 3
    caller = threading.get_ident()
    threads: set[int] = set()
    pieces: dict[int, list[str]] = {i: [] for i in range(7)}
    done: list[int] = []

    def on_token(i: int, piece: str) -> None:
        threads.add(threading.get_ident())
        pieces[i].append(piece)

    def on_done(i: int, _completion: Completion) -> None:
        threads.add(threading.get_ident())
        done.append(i)

    started = time.perf_counter()
    out = backend.complete_batch(asks(7), on_token, None, on_done)
    seconds = time.perf_counter() - started
    assert [c.text for c in out] == [f"echo: question {i}" for i in range(7)]
    assert server.max_in_flight == 3  # overlapped, never past the limit
    assert seconds < 7 * DELAY * 0.75  # three rounds of three at once, not seven in turn
    assert threads == {caller}  # the engine thread gets every callback
    assert sorted(done) == list(range(7))
    assert all("".join(pieces[i]) == out[i].text for i in range(7))


def test_the_default_limit_and_one_means_one_at_a_time(server: StandIn) -> None:
    assert make_backend(f"openai:{server.url}").info.parallel == DEFAULT_PARALLEL == 4
    backend = make_backend(f"openai:{server.url}", parallel=1)
    out = backend.complete_batch(asks(3))
    assert [c.text for c in out] == [f"echo: question {i}" for i in range(3)]
    assert server.max_in_flight == 1


def test_cancel_ends_every_call_of_the_batch(server: StandIn) -> None:
    server.delay_s = 5.0
    backend = make_backend(f"openai:{server.url}", parallel=2)
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.perf_counter()
    out = backend.complete_batch(asks(4), cancel=token)
    assert time.perf_counter() - started < 2.0
    assert [c.finish_reason for c in out] == ["cancelled"] * 4


def test_a_failed_call_fails_the_batch_with_one_line(server: StandIn) -> None:
    server.fail["/v1/chat/completions"] = (500, "application/json", '{"error": "slot crashed"}')
    backend = make_backend(f"openai:{server.url}", parallel=2)
    with pytest.raises(BackendError, match="slot crashed"):
        backend.complete_batch(asks(3))
