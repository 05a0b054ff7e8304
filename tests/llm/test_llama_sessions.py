"""Slots with more live sessions than sequences: parking, restoring, reusing a finished cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rlm_desktop.backends import open_llama
from rlm_desktop.llm.llama import LlamaBackend
from rlm_desktop.llm.llama_sessions import common_prefix
from tests.llm.llama_helpers import chat, request


def test_common_prefix() -> None:
    assert common_prefix([1, 2, 3], [1, 2, 3, 4]) == 3
    assert common_prefix([1, 2, 3], [1, 9, 3]) == 1
    assert common_prefix([], [1]) == 0


@pytest.fixture(scope="module")
def two_slots(demo_model: Path) -> Iterator[LlamaBackend]:
    backend = open_llama(demo_model, n_ctx=512, n_slots=2)
    yield backend
    backend.close()


@pytest.mark.model
def test_an_evicted_session_is_parked_and_resumes_without_re_evaluating(
    two_slots: LlamaBackend,
) -> None:
    llama = two_slots
    first = {name: f"You are helper {name}. Answer in one short sentence." for name in "abc"}
    replies = {}
    for name in "abc":  # three live sessions, two sequences: "a" (least recent) is parked
        replies[name] = llama.complete(request(chat(first[name], "Say hello."), name, 4)).text
    assert "a" in llama.sessions.parked
    follow_up = "Now say goodbye."
    again = llama.complete(request(chat(first["a"], "Say hello.", replies["a"], follow_up), "a", 4))
    assert "a" not in llama.sessions.parked
    assert again.usage.prompt_evaluated <= llama.count_tokens(follow_up) + 12
    assert again.usage.prompt_evaluated < again.usage.prompt_tokens / 2


@pytest.mark.model
def test_a_finished_session_leaves_its_cache_to_the_next_one(two_slots: LlamaBackend) -> None:
    llama = two_slots
    system = "You are a careful reader of long reports. Quote the report when you answer."
    llama.complete(request(chat(system, "What is the title?"), "d1", 4))
    llama.end_session("d1")
    nxt = llama.complete(request(chat(system, "Who is the author?"), "d2", 4))
    assert nxt.usage.prompt_evaluated <= llama.count_tokens("Who is the author?") + 12
