"""Batched sub-calls with the real demo model: N requests decoded together in one llama_batch
a step (llama_batch.py) against the same requests one at a time; cancel, fallback, shared
prefix, grammar per sequence, and the conversations' cache left alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rlm_desktop.cancel import CancelToken
from rlm_desktop.llm.base import Completion, GenerationRequest
from rlm_desktop.llm.llama import LlamaBackend
from tests.llm.llama_helpers import SYSTEM, chat, request

pytestmark = pytest.mark.model

QUESTION = "Which depot is named in the first line?"


def log_chunk(index: int, lines: int = 4) -> str:
    return "\n".join(
        f"Shipment {4000 + (index * 9 + j) * 13 % 977} reached depot "
        f"{chr(65 + (index * 5 + j) % 19)} on day {1 + (index + j) * 11 % 28}."
        for j in range(lines)
    )


def leaf(prompt: str, max_tokens: int = 10, **fields: object) -> GenerationRequest:
    return GenerationRequest(
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        session="leaf",
        **fields,  # type: ignore[arg-type]
    )


def map_prompts(n: int, lines: int = 4) -> list[str]:
    return [f"{QUESTION}\n\nText:\n{log_chunk(i, lines)}\n\nAnswer briefly." for i in range(n)]


def test_batched_replies_equal_one_at_a_time_at_temperature_0(llama: LlamaBackend) -> None:
    requests = [leaf(p) for p in map_prompts(3)]
    # The model is shared by the whole test session: drop every cached prompt earlier tests
    # left, so the first prompt is read whole, as the batch's first lane reads it (a prompt
    # read after a cached head can decode differently at temperature 0).
    llama.sessions.clear()
    alone = [llama.complete(r) for r in requests]
    pieces: dict[int, list[str]] = {0: [], 1: [], 2: []}
    done: list[tuple[int, Completion]] = []
    together = llama.complete_batch(
        requests,
        on_token=lambda i, piece: pieces[i].append(piece),
        on_done=lambda i, c: done.append((i, c)),
    )
    assert [c.text for c in together] == [c.text for c in alone]
    assert all(c.text.strip() and c.note == "" for c in together)
    assert sorted(i for i, _ in done) == [0, 1, 2]
    for i, completion in done:
        assert completion is together[i]
        assert "".join(pieces[i]) == completion.text  # each lane streams its own reply
        assert completion.usage.completion_tokens == alone[i].usage.completion_tokens
        assert completion.usage.prompt_tokens == alone[i].usage.prompt_tokens
    # the shared head (template and question) was evaluated once, in the first lane
    evaluated = [c.usage.prompt_evaluated for c in together]
    assert evaluated[0] == together[0].usage.prompt_tokens
    assert all(
        0 < e < c.usage.prompt_tokens for e, c in zip(evaluated[1:], together[1:], strict=True)
    )


def test_shared_prefix_copy_gives_the_same_replies_as_no_copy(llama: LlamaBackend) -> None:
    head = f"Read this log, then answer.\n\n{log_chunk(7, 6)}\n\nQuestion: "
    asks = ["Which depot is first?", "On which day is the last shipment?", "How many lines?"]
    requests = [leaf(head + a, max_tokens=8) for a in asks]
    assert llama.batcher is not None
    shared = llama.complete_batch(requests)
    llama.batcher.share_prefix = False
    try:
        unshared = llama.complete_batch(requests)
    finally:
        llama.batcher.share_prefix = True
    assert [c.text for c in shared] == [c.text for c in unshared]
    saved = sum(c.usage.prompt_evaluated for c in unshared) - sum(
        c.usage.prompt_evaluated for c in shared
    )
    assert saved >= 2 * llama.count_tokens(head) - 8  # the head evaluated once, not three times


def test_cancel_mid_batch_stops_every_sequence_within_a_second_and_keeps_the_finished(
    llama: LlamaBackend,
) -> None:
    count = "Count from one to two hundred, one number a line."
    requests = [leaf("Say hello.", max_tokens=2), leaf(count, 300), leaf(count + " Go.", 300)]
    token = CancelToken()
    cancelled_at: list[float] = []
    seen = {1: 0, 2: 0}
    finished: list[int] = []

    def on_token(i: int, _piece: str) -> None:
        if i in seen:
            seen[i] += 1
        if 0 in finished and min(seen.values()) >= 3 and not token.cancelled:
            cancelled_at.append(time.perf_counter())
            token.cancel()

    out = llama.complete_batch(requests, on_token, token, on_done=lambda i, c: finished.append(i))
    assert cancelled_at, "the batch ended before it could be cancelled"
    assert time.perf_counter() - cancelled_at[0] < 1.0
    assert out[0].finish_reason == "length" and out[0].text  # finished before the cancel: kept
    assert [c.finish_reason for c in out[1:]] == ["cancelled", "cancelled"]
    assert all(c.usage.completion_tokens < 100 for c in out[1:])
    assert llama.complete_batch(requests[:2])[0].text == out[0].text  # usable again


def test_each_sequence_keeps_its_own_grammar_and_stop(llama: LlamaBackend) -> None:
    yes_no = leaf(
        "Is the sky blue? Answer yes or no.", max_tokens=6, grammar='root ::= "yes" | "no"'
    )
    count = "Count from one to ten with commas."
    free = llama.complete_batch([yes_no, leaf(count, 20), leaf(count, 20)])
    reference = free[2].text
    assert free[0].text in ("yes", "no") and free[0].finish_reason == "stop"
    assert free[1].text == reference  # the same prompt in the same batch: the same reply
    cut = next(i for i in range(len(reference) // 2, len(reference) - 1) if reference[i].strip())
    stop = reference[cut : cut + 2]
    cut = reference.index(stop)
    out = llama.complete_batch([yes_no, leaf(count, 20, stop=[stop]), leaf(count, 20)])
    assert out[0].text == free[0].text
    assert (out[1].text, out[1].finish_reason) == (reference[:cut], "stop")  # its own stop
    assert out[2].text == reference  # the neighbour's stop did not end this one


def test_batch_leaves_the_root_conversations_cache_alone(llama: LlamaBackend) -> None:
    messages = chat(SYSTEM, "Which file holds the answer?")
    first = llama.complete(request(messages, "batch-root", max_tokens=6))
    llama.complete_batch([leaf(p, 6) for p in map_prompts(4)])
    again = llama.complete(
        request(
            [
                *messages,
                {"role": "assistant", "content": first.text},
                {"role": "user", "content": "Why?"},
            ],
            "batch-root",
            6,
        )
    )
    assert again.usage.prompt_evaluated < 40  # only the new turn: the root's cache survived


@pytest.fixture(scope="module")
def small_lanes(demo_model: Path) -> Iterator[LlamaBackend]:
    from rlm_desktop.backends import open_llama

    backend = open_llama(demo_model, n_ctx=1024, n_slots=1, parallel=16, batch_ctx=256)
    yield backend
    backend.close()


def test_a_batch_larger_than_its_memory_falls_back_says_so_and_completes(
    small_lanes: LlamaBackend,
) -> None:
    assert small_lanes.plan.batch_ctx == 256  # one lane: a stream is a whole 256 cells
    prompts = map_prompts(3, lines=2)  # ~90 tokens each: one at a time in the lane
    big = f"{QUESTION}\n\nText:\n{log_chunk(3, 14)}\n\nAnswer briefly."  # > 256 tokens alone
    assert small_lanes.count_tokens(big) > 256 > 2 * small_lanes.count_tokens(prompts[0]) + 8
    out = small_lanes.complete_batch([leaf(p, max_tokens=4) for p in [*prompts, big]])
    assert all(c.text.strip() and c.finish_reason in ("stop", "length") for c in out)
    assert all("decoded in 3 smaller batches" in c.note for c in out[:3])
    assert "ran alone" in out[3].note and "256" in out[3].note
    assert [c.usage.prompt_evaluated > 0 for c in out] == [True] * 4


def test_a_single_request_goes_the_ordinary_way(llama: LlamaBackend) -> None:
    one = leaf(map_prompts(1)[0], max_tokens=6)
    llama.complete(one)  # the leaf session now holds this prompt
    batched = llama.complete_batch([one])[0]
    assert batched.usage.prompt_evaluated == 1  # the session's cache: not the lanes
    assert batched.text == llama.complete(one).text


def test_the_backend_says_how_many_it_decodes_at_once(llama: LlamaBackend) -> None:
    assert llama.info.parallel == llama.plan.parallel == 16
    assert llama.info.to_json()["parallel"] == 16


def test_lanes_get_equal_streams_of_whole_256_cell_steps() -> None:
    from rlm_desktop.llm.batch_plan import Prepared, lane_shape, plan_groups

    assert lane_shape(16, 8192) == (16, 512)  # a stream each: a lane attends only its own
    assert lane_shape(16, 1024) == (4, 256)  # fewer lanes rather than streams under 256
    assert lane_shape(16, 512) == (2, 256)
    assert lane_shape(4, 256) == (1, 256)
    big, small = (Prepared(i, [1] * n, 10, [], lambda: None) for i, n in ((0, 400), (1, 20)))  # type: ignore[arg-type,return-value]
    assert plan_groups([small, big, small], 16, 1024) == ([[small, big], [small]], [])
    assert plan_groups([small, small, small], 16, 1024) == ([[small] * 3], [])
    assert plan_groups([big, small], 16, 256) == ([[small]], [big])
