"""The llama.cpp backend with the real demo model: load, stream, cancel, usage, threads."""

from __future__ import annotations

import threading

import pytest

from rlm_desktop.cancel import CancelToken
from rlm_desktop.llm.gguf_info import read_gguf_info
from rlm_desktop.llm.llama import LlamaBackend, ThreadOwnershipError
from tests.llm.llama_helpers import SYSTEM, chat, request

pytestmark = pytest.mark.model


def test_load_reports_the_model_and_the_choices(llama: LlamaBackend, demo_model) -> None:
    info = llama.info
    assert info.name == "llama.cpp"
    assert info.model == demo_model.name
    assert info.context_window == 2048  # the n_ctx option, per conversation
    assert info.n_params == read_gguf_info(demo_model).n_params
    assert (info.device, info.gpu_layers) == ("cpu", 0)  # this build has no GPU backend
    assert llama.plan.n_slots == 4
    assert 2 <= llama.count_tokens("The cat sat on the mat.") <= 10


def test_streams_pieces_that_add_up_to_the_text(llama: LlamaBackend) -> None:
    pieces: list[str] = []
    out = llama.complete(request(chat(SYSTEM, "Count from one to ten."), "stream"), pieces.append)
    assert len(pieces) >= 3
    assert "".join(pieces) == out.text
    assert out.usage.completion_tokens >= len(pieces)
    assert out.finish_reason in ("stop", "length")
    assert out.usage.seconds > 0


def test_cancel_mid_generation_stops_within_a_token_and_keeps_the_model_usable(
    llama: LlamaBackend,
) -> None:
    messages = chat(SYSTEM, "Write a long story about a cat in a library.")
    reference = llama.complete(request(messages, "cancel", max_tokens=20))
    assert reference.usage.completion_tokens == 20
    token = CancelToken()
    pieces: list[str] = []

    def on_token(piece: str) -> None:
        pieces.append(piece)
        if len(pieces) == 3:
            token.cancel()

    cut = llama.complete(request(messages, "cancel", max_tokens=20), on_token, token)
    assert cut.finish_reason == "cancelled"
    assert cut.usage.completion_tokens == 3  # checked before every next token
    assert reference.text.startswith(cut.text)
    again = llama.complete(request(messages, "cancel", max_tokens=20))
    assert again.text == reference.text  # the cache is consistent after the cancel
    assert again.usage.prompt_evaluated <= 2


def test_cancel_during_a_long_prompt_returns_at_once(llama: LlamaBackend) -> None:
    long_text = " ".join(f"line {i}: the quick brown fox jumps." for i in range(150))
    messages = chat("Read this.", long_text)
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    out = llama.complete(request(messages, "cancel-prompt"), cancel=token)
    assert out.finish_reason == "cancelled"
    assert out.usage.prompt_tokens > 1200
    # The cancel cut the evaluation short (no wall-clock bound: one 512-token batch is about
    # 2 s on the 2-core dev machine, the whole prompt about 6 s, so a time limit would only
    # measure the machine's load; bench backend measures speeds).
    assert out.usage.prompt_evaluated < out.usage.prompt_tokens
    short = llama.complete(request(chat("Be brief.", "Say hi."), "cancel-prompt", 4))
    assert short.finish_reason in ("stop", "length") and short.usage.completion_tokens >= 1


def test_a_second_turn_evaluates_only_its_new_tokens(llama: LlamaBackend) -> None:
    system = "(A test of usage counts.) " + SYSTEM
    first = llama.complete(request(chat(system, "What is in the documents?"), "usage"))
    assert first.usage.prompt_evaluated >= first.usage.prompt_tokens - 4  # only "<|im_start|>…"
    new_message = "Output:\n```\nnotes.txt: 12 lines\n```\nTurn 2 of 5."
    messages = chat(system, "What is in the documents?", first.text, new_message)
    second = llama.complete(request(messages, "usage"))
    assert second.usage.prompt_tokens > first.usage.prompt_tokens + first.usage.completion_tokens
    cached = first.usage.prompt_tokens + first.usage.completion_tokens
    assert second.usage.prompt_evaluated <= second.usage.prompt_tokens - cached + 2
    assert second.usage.prompt_evaluated <= llama.count_tokens(new_message) + 12


def test_root_resumes_after_sub_calls_without_re_evaluating(llama: LlamaBackend) -> None:
    system = SYSTEM + " The documents: report.txt (52,000 characters). " * 4
    question = "Question: who signed the report?\n\nTurn 1 of 5."
    root = llama.complete(request(chat(system, question), "d0"))
    leaf = llama.complete(request([{"role": "user", "content": "Summarise: cats."}], "leaf"))
    child = llama.complete(request(chat(system, "Question: when?\n\nTurn 1 of 3."), "d1"))
    llama.end_session("d1")
    assert leaf.usage.completion_tokens >= 1 and child.usage.completion_tokens >= 1
    follow_up = "Output:\n```\nSigned: A. Jones\n```\nTurn 2 of 5."
    resumed = llama.complete(request(chat(system, question, root.text, follow_up), "d0"))
    assert resumed.usage.prompt_evaluated <= llama.count_tokens(follow_up) + 12


def test_a_child_starts_from_the_cached_system_prompt(llama: LlamaBackend) -> None:
    system = SYSTEM + " The documents: minutes.txt (9,000 characters)." * 3
    llama.complete(request(chat(system, "Question: what was decided?"), "d0"))
    system_tokens = llama.count_tokens(system)
    for question in ("Question: who attended?", "Question: when is the next meeting?"):
        child = llama.complete(request(chat(system, question), "d1"))
        assert child.usage.prompt_tokens > system_tokens
        assert child.usage.prompt_evaluated <= llama.count_tokens(question) + 12
        llama.end_session("d1")


def test_calls_from_another_thread_are_refused(llama: LlamaBackend) -> None:
    llama.end_session("claims-the-main-thread")
    errors: list[BaseException] = []
    counts: list[int] = []

    def elsewhere() -> None:
        counts.append(llama.count_tokens("tokenizing is fine anywhere"))
        try:
            llama.complete(request(chat(SYSTEM, "hi"), "thread"))
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=elsewhere)
    worker.start()
    worker.join()
    assert counts and counts[0] > 0
    assert len(errors) == 1 and isinstance(errors[0], ThreadOwnershipError)
    assert "thread" in str(errors[0]) and "\n" not in str(errors[0])
    assert llama.complete(request(chat(SYSTEM, "hi"), "thread", 2)).usage.completion_tokens >= 1


def test_a_child_with_other_documents_reuses_the_shared_part_of_the_system_prompt(
    llama: LlamaBackend,
) -> None:
    static = SYSTEM + " Functions: grep(text), chunks(n), llm_query(prompt). " * 3
    llama.complete(request(chat(static + "\nThe documents: a.txt (10 chars).", "Q: a?"), "d0"))
    other = static + "\nThe documents: b.txt, c.txt (99 chars)."
    child = llama.complete(request(chat(other, "Q: b?"), "d1"))
    llama.end_session("d1")
    assert (
        child.usage.prompt_evaluated <= child.usage.prompt_tokens - llama.count_tokens(static) + 4
    )
