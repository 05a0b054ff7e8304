"""The OpenAI-compatible backend (`--backend openai:URL`) against a real stand-in HTTP server on
127.0.0.1: streaming, usage, the request body, the llama-server flavour, cancel, one-line
errors, the API key, the real engine and sandbox over it, `rlm-desktop ask` and the window."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openai_stand_in import PROMPT_TOKENS, StandIn, pieces, serve

from rlm_desktop.backends import BACKENDS_HELP, make_backend
from rlm_desktop.cancel import CancelToken
from rlm_desktop.llm.base import BackendError, GenerationRequest, estimate_tokens
from rlm_desktop.llm.openai_compat import OpenAICompatBackend
from rlm_desktop.llm.openai_http import parse_server_url
from tests.netguard import no_network

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo"
MESSAGES = [
    {"role": "system", "content": "You answer questions about documents."},
    {"role": "user", "content": "What is the magic number?"},
]
REPLY = "The magic number is 42."


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    monkeypatch.delenv("RLM_DESKTOP_API_KEY", raising=False)
    state = StandIn()
    http, thread = serve(state)
    yield state
    if state.gate is not None:
        state.gate.set()
    http.shutdown()
    http.server_close()
    thread.join(5)


def ask(**fields: object) -> GenerationRequest:
    return GenerationRequest(messages=MESSAGES, **fields)  # type: ignore[arg-type]


def open_backend(server: StandIn, model: str | None = None, **options: object):
    return make_backend(f"openai:{server.url}", model, **options)


def one_line_error(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(BackendError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message and message
    return message


# --- a call -------------------------------------------------------------------------------------
def test_streams_each_piece_and_reports_the_servers_usage(server: StandIn) -> None:
    server.replies = [REPLY]
    backend = open_backend(server)
    assert isinstance(backend, OpenAICompatBackend)
    info = backend.info
    assert (info.name, info.model, info.device) == ("openai-compatible", "tiny-chat", "server")
    assert (info.context_window, info.n_params) == (8192, None)
    streamed: list[str] = []
    out = backend.complete(
        ask(max_tokens=64, stop=["\nUser:"], grammar="root ::= x"), streamed.append
    )
    assert streamed == pieces(REPLY) and out.text == REPLY and out.finish_reason == "stop"
    assert out.usage.prompt_tokens == out.usage.prompt_evaluated == PROMPT_TOKENS
    assert out.usage.completion_tokens == len(pieces(REPLY))
    assert 0 < out.usage.seconds < 30  # measured (the stand-in answers at once), not made up
    body = server.chat_bodies()[0]
    assert body["model"] == "tiny-chat" and body["messages"] == MESSAGES
    assert (body["max_tokens"], body["temperature"], body["stop"]) == (64, 0.0, ["\nUser:"])
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert "grammar" not in body and "cache_prompt" not in body  # not llama-server
    chat = next(r for r in server.requests if r.method == "POST")
    assert chat.path == "/v1/chat/completions" and "Authorization" not in chat.headers


def test_without_server_usage_the_counts_are_estimated(server: StandIn) -> None:
    server.replies, server.send_usage = [REPLY], False
    out = open_backend(server).complete(ask())
    prompt = sum(estimate_tokens(m["content"]) for m in MESSAGES)
    assert (out.usage.prompt_tokens, out.usage.prompt_evaluated) == (prompt, prompt)
    assert out.usage.completion_tokens == estimate_tokens(REPLY)


def test_cached_prompt_tokens_are_not_counted_as_evaluated(server: StandIn) -> None:
    server.replies, server.cached_tokens = [REPLY], 100
    usage = open_backend(server).complete(ask()).usage
    assert (usage.prompt_tokens, usage.prompt_evaluated) == (PROMPT_TOKENS, PROMPT_TOKENS - 100)


def test_a_server_that_does_not_stream_is_taken_whole(server: StandIn) -> None:
    server.replies, server.stream = [REPLY], False
    streamed: list[str] = []
    out = open_backend(server).complete(ask(), streamed.append)
    assert streamed == [REPLY] and out.text == REPLY
    assert out.usage.prompt_tokens == PROMPT_TOKENS


def test_llama_server_gets_the_grammar_and_tells_its_window(server: StandIn) -> None:
    server.llama, server.n_ctx, server.replies = True, 4096, [REPLY, REPLY]
    server.models = [{"id": "smol.gguf", "meta": {"n_params": 134_515_008, "n_ctx_train": 8192}}]
    backend = open_backend(server)
    assert backend.info.context_window == 4096 and "llama-server" in backend.info.notes[0]
    assert backend.info.n_params == 134_515_008  # the engine picks its small-model prompt
    backend.complete(ask(grammar='root ::= "x"'))
    body = server.chat_bodies()[-1]
    assert body["grammar"] == 'root ::= "x"' and body["cache_prompt"] is True
    assert open_backend(server, n_ctx=2048).info.context_window == 2048  # the option wins
    open_backend(server, llama_server=False).complete(ask(grammar='root ::= "x"'))
    assert "grammar" not in server.chat_bodies()[-1]


def test_vllm_model_length_is_the_window(server: StandIn) -> None:
    server.models = [{"id": "qwen", "max_model_len": 32768}]
    assert open_backend(server).info.context_window == 32768


# --- address and model --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:8080/v1",
        "http://127.0.0.1:8080/v1/",
        "http://127.0.0.1:8080",
        "127.0.0.1:8080/",
    ],
)
def test_the_address_is_taken_with_or_without_v1(text: str) -> None:
    assert parse_server_url(text).url == "http://127.0.0.1:8080/v1"


def test_a_base_without_v1_reaches_the_same_server(server: StandIn) -> None:
    server.llama = True
    backend = make_backend(f"openai:http://127.0.0.1:{server.port}/")
    assert backend.info.model == "tiny-chat" and backend.info.context_window == server.n_ctx
    assert {r.path for r in server.requests} == {"/v1/models", "/props"}


def test_the_model_is_the_first_listed_or_one_the_server_lists(server: StandIn) -> None:
    server.models = [{"id": "llama3.2:latest"}, {"id": "qwen2.5:0.5b"}]
    assert open_backend(server).info.model == "llama3.2:latest"
    assert open_backend(server, "qwen2.5:0.5b").info.model == "qwen2.5:0.5b"
    assert open_backend(server, "llama3.2").info.model == "llama3.2:latest"  # Ollama's tag
    message = one_line_error(lambda: open_backend(server, "gpt-9"))
    assert "no model 'gpt-9'" in message and "llama3.2:latest, qwen2.5:0.5b" in message
    server.models = []
    assert "lists no models" in one_line_error(lambda: open_backend(server))


# --- cancel -------------------------------------------------------------------------------------
def test_cancel_mid_stream_stops_within_one_piece_and_the_backend_goes_on(server: StandIn) -> None:
    long_reply = " ".join(f"word{i}" for i in range(200))
    server.replies = [long_reply, REPLY]
    backend = open_backend(server)
    cancel = CancelToken()
    streamed: list[str] = []

    def on_token(piece: str) -> None:
        streamed.append(piece)
        if len(streamed) == 2:
            cancel.cancel()

    out = backend.complete(ask(), on_token, cancel)
    assert out.finish_reason == "cancelled" and streamed == pieces(long_reply)[:2]
    assert out.text == "".join(streamed) and out.usage.completion_tokens > 0
    again = backend.complete(ask(), cancel=CancelToken())
    assert (again.text, again.finish_reason) == (REPLY, "stop")


def test_cancel_while_the_server_is_silent_closes_the_connection(server: StandIn) -> None:
    server.replies, server.gate = [REPLY], threading.Event()
    backend = open_backend(server)
    cancel = CancelToken()
    threading.Timer(0.05, cancel.cancel).start()
    started = time.perf_counter()
    out = backend.complete(ask(), cancel=cancel)
    # about 0.1 s here; the silent server would hold the call until its read timeout, so a
    # wide 10 s bound still tells a cancel that closed the connection from one that did not
    assert time.perf_counter() - started < 10
    assert (out.text, out.finish_reason) == ("", "cancelled")
    server.gate.set()
    assert open_backend(server).complete(ask(), cancel=CancelToken()).finish_reason == "stop"


def test_a_call_cancelled_before_it_starts_sends_nothing(server: StandIn) -> None:
    backend = open_backend(server)
    cancel = CancelToken()
    cancel.cancel()
    assert backend.complete(ask(), cancel=cancel).finish_reason == "cancelled"
    assert server.chat_bodies() == []


# --- failures: one line each --------------------------------------------------------------------
def test_no_server_at_the_address(server: StandIn) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    message = one_line_error(lambda: make_backend(f"openai:http://127.0.0.1:{port}/v1"))
    assert message == f"no model server answers at http://127.0.0.1:{port}/v1 (connection refused)."


def test_bad_specs_are_clear() -> None:
    assert "openai:URL" in BACKENDS_HELP
    for spec in ("openai:", "openai", "openai:  "):
        assert "needs the model server's address" in one_line_error(lambda s=spec: make_backend(s))
    assert "not a model server address" in one_line_error(lambda: make_backend("openai:ftp://x"))


def test_http_errors_are_one_line(server: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    server.api_key = "sk-secret-1234"
    assert "set RLM_DESKTOP_API_KEY" in one_line_error(lambda: open_backend(server))
    monkeypatch.setenv("RLM_DESKTOP_API_KEY", "sk-wrong")
    message = one_line_error(lambda: open_backend(server))
    assert "HTTP 401" in message and "was not accepted" in message and "sk-wrong" not in message
    server.api_key = None
    server.fail["/v1/models"] = (404, "text/html", "<h1>Not Found</h1>")
    assert "has no /v1/models (HTTP 404" in one_line_error(lambda: open_backend(server))
    server.fail["/v1/models"] = (200, "text/html", "<html>a web page</html>")
    assert "not JSON" in one_line_error(lambda: open_backend(server))
    del server.fail["/v1/models"]
    backend = open_backend(server)
    server.fail["/v1/chat/completions"] = (404, "application/json", '{"error": "model not found"}')
    message = one_line_error(lambda: backend.complete(ask()))
    assert "HTTP 404: model not found" in message and "model name" in message
    detail = '{"detail": "out of memory\\nat line 3 sk-wrong"}'
    server.fail["/v1/chat/completions"] = (503, "application/json", detail)
    message = one_line_error(lambda: backend.complete(ask()))
    assert message.endswith("failed (HTTP 503): out of memory at line 3 ***")
    server.fail["/v1/chat/completions"] = (400, "application/json", '{"message": "too long"}')
    assert "rejected the request (HTTP 400): too long" in one_line_error(
        lambda: backend.complete(ask())
    )
    server.fail["/v1/chat/completions"] = (200, "text/html", "<html>hello</html>")
    assert "neither JSON nor server-sent events" in one_line_error(lambda: backend.complete(ask()))


def test_an_error_event_mid_stream_is_one_line(server: StandIn) -> None:
    server.replies, server.error_after = [REPLY], 2
    message = one_line_error(lambda: open_backend(server).complete(ask()))
    assert message.endswith("failed: the slot crashed")


def test_a_silent_server_times_out(server: StandIn) -> None:
    server.replies, server.gate = [REPLY], threading.Event()
    backend = open_backend(server, read_timeout=0.2)
    assert "did not answer within 0.2 s" in one_line_error(lambda: backend.complete(ask()))


def test_the_api_key_is_sent_and_never_shown(
    server: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RLM_DESKTOP_API_KEY", "sk-secret-1234")
    server.api_key, server.replies = "sk-secret-1234", [REPLY]
    backend = open_backend(server)
    assert backend.complete(ask()).text == REPLY
    assert all(r.headers["Authorization"] == "Bearer sk-secret-1234" for r in server.requests)
    assert "sk-secret" not in json.dumps(backend.info.to_json()) + repr(vars(backend))


def test_requests_go_only_to_the_given_address(server: StandIn) -> None:
    server.replies = [REPLY]
    with no_network(block=False) as attempts:
        open_backend(server).complete(ask())
    assert attempts and all("127.0.0.1" in where for _, where in attempts)
    assert all(str(server.port) in where for event, where in attempts if event == "socket.connect")


# --- the engine, the CLI and the window over a server -------------------------------------------
FIRST_TURN = "Let me look.\n```repl\nprint(grep('magic number'))\n```"


@pytest.mark.parametrize("llama", [False, True], ids=["any-server", "small-model-llama-server"])
def test_the_real_engine_runs_over_the_server(server: StandIn, llama: bool) -> None:
    from rlm_desktop.engine.config import EngineConfig
    from rlm_desktop.engine.engine import RlmEngine
    from tests.engine.replay_run import DOCS

    server.replies = [FIRST_TURN, "FINAL(42)"]
    if llama:
        server.llama, server.models = True, [{"id": "smol", "meta": {"n_params": 135_000_000}}]
    backend = open_backend(server)
    result = RlmEngine(backend, EngineConfig()).run("What is the magic number?", DOCS)
    assert (result.status, result.answer, result.iterations) == ("ok", "42", 2)
    assert result.backend.name == "openai-compatible"
    assert result.usage.prompt_tokens == 2 * PROMPT_TOKENS
    second = server.chat_bodies()[1]["messages"]
    assert "The magic number is 42" in second[-1]["content"]  # the sandbox's output went back
    assert all(("grammar" in body) == llama for body in server.chat_bodies())


def test_ask_prints_the_answer_as_json(server: StandIn) -> None:
    server.replies = [FIRST_TURN, "FINAL(42)"]
    cmd = [sys.executable, "-m", "rlm_desktop", "ask", "What is the magic number?"]
    cmd += ["--doc", str(DEMO / "a.txt"), "--backend", f"openai:{server.url}", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["answer"], data["status"]) == ("42", "ok")
    assert data["backend"]["name"] == "openai-compatible"
    assert data["backend"]["model"] == "tiny-chat"


def test_ask_with_a_missing_model_fails_with_one_line(server: StandIn) -> None:
    cmd = [sys.executable, "-m", "rlm_desktop", "ask", "Q?", "--doc", str(DEMO / "a.txt")]
    cmd += ["--backend", f"openai:{server.url}", "--model", "nope"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip() == (
        f"rlm-desktop ask: the model server at {server.url} has no model 'nope' "
        "(it lists: tiny-chat)."
    )


def test_the_window_loads_the_servers_model_and_answers(server: StandIn, qtbot) -> None:  # type: ignore[no-untyped-def]
    from rlm_desktop.store.settings import Settings
    from rlm_desktop.ui.main_window import MainWindow

    server.replies = [FIRST_TURN, "FINAL(42)"]
    settings = Settings(last_model="/somewhere/else.gguf")  # not sent to the server
    window = MainWindow(settings, backend=f"openai:{server.url}")
    qtbot.addWidget(window)
    loading: list[str] = []  # what the status bar says while the server's model loads
    window.host.model_loading.connect(lambda _: loading.append(window.status.model.text()))
    with qtbot.waitSignal(window.runs.finished, timeout=30_000) as finished:
        window.start(files=[str(DEMO / "a.txt")], ask="What is the magic number?")
    assert loading == [f"Loading model: {server.url}…"]
    assert window.host.info is not None and window.host.info.model == "tiny-chat"
    assert finished.args[0].answer == "42"
    assert window.settings.last_model == "/somewhere/else.gguf"
    window.close()
