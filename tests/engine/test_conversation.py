"""History compaction near the model's window, and the JSON trace."""

import json
from pathlib import Path

from replay_run import look, replay

from rlm_desktop.engine.conversation import Conversation
from rlm_desktop.engine.trace import TraceWriter, read_trace
from rlm_desktop.llm.base import estimate_tokens


def test_compaction_keeps_system_question_and_recent_turns() -> None:
    conv = Conversation(estimate_tokens)
    conv.add("system", "SYSTEM")
    conv.add("user", "Question: what?")
    for i in range(6):
        conv.add("assistant", f"turn {i} " + "code " * 200)
        conv.add("user", f"output {i} " + "data " * 200)
    before = conv.tokens
    assert conv.fit(before // 2)
    roles = [m["role"] for m in conv.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert conv.messages[0]["content"] == "SYSTEM"
    assert conv.messages[1]["content"].startswith("Question: what?")
    assert "Summary of earlier turns" in conv.messages[1]["content"]
    assert conv.messages[-1]["content"].startswith("output 5")
    assert conv.tokens < before
    assert not conv.fit(conv.tokens)  # nothing to do when it fits


def test_engine_compacts_instead_of_overflowing_the_window() -> None:
    responses = [look(f"print('{i}' * 3000)") for i in range(6)] + ["FINAL(done)"]
    run = replay(responses, feedback_chars=3000, context_window=3000)
    assert run.result.status == "ok"
    window = run.backend.info.context_window
    sizes = [sum(estimate_tokens(m["content"]) for m in r.messages) for r in run.backend.requests]
    assert max(sizes) < window
    assert any("Summary of earlier turns" in r.messages[1]["content"] for r in run.backend.requests)


def test_trace_file_has_every_event_and_the_result(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    with TraceWriter(path) as trace:
        run = replay([look(), "FINAL(42)"], sink=trace, token_delay_s=0.0)
        trace.write_result(run.result.to_json())
    events, result = read_trace(path)
    types = [e.type for e in events]
    assert types[0] == "RunStarted" and types[-1] == "RunFinished"
    assert "CellFinished" in types and "TokenStreamed" not in types
    assert result is not None and result["answer"] == "42"
    assert json.loads(path.read_text().splitlines()[0])["type"] == "RunStarted"


def test_long_messages_are_cut_when_a_summary_is_not_enough() -> None:
    conv = Conversation(estimate_tokens)
    conv.add("system", "SYSTEM")
    conv.add("user", "Question: what?")
    conv.add("assistant", "```repl\nprint(context)\n```")
    conv.add("user", "HEAD " + "data " * 4000 + " TAIL")
    assert conv.fit(1000)  # too few turns to summarise: the long output is cut instead
    assert conv.tokens <= 1000
    out = conv.messages[-1]["content"]
    assert out.startswith("HEAD") and out.endswith("TAIL")
    assert "characters cut to fit the model's window" in out
    assert conv.messages[0]["content"] == "SYSTEM"


def test_a_small_window_with_large_outputs_never_overflows() -> None:
    # the large-model variant feeds back up to 6,000 characters a turn
    responses = [look(f"print('{i}' * 20000)") for i in range(7)] + ["FINAL(done)"]
    run = replay(responses, context_window=2048, max_turn_tokens=256, prompt_variant="large")
    assert (run.result.status, run.result.answer) == ("ok", "done")
    for request in run.backend.requests:
        prompt = sum(estimate_tokens(m["content"]) + 8 for m in request.messages)
        assert prompt + request.max_tokens <= 2048
