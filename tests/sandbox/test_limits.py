"""Limits and recovery: timeout, memory, CPU, output, recursion, dead workers, hostile frames."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import psutil
import pytest

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.sandbox.host import Sandbox, SandboxConfig
from rlm_desktop.sandbox.limits import MEMORY_CAP, default_limits, total_memory
from rlm_desktop.sandbox.messages import (
    LlmAnswers,
    LlmQuery,
    RequestLimits,
    RlmAnswer,
    SubcallRequest,
)

CONTEXT = Context([Document(name="notes.txt", text="alpha\nbeta\n")])
RAW = ["seccomp", "landlock"]  # no Python layer: the cell has the real os, as after a bypass


def echo(request: SubcallRequest) -> LlmAnswers | RlmAnswer:
    if isinstance(request, LlmQuery):
        return LlmAnswers(("answer",) * len(request.prompts))
    return RlmAnswer("")


def sandbox(**limits: object) -> Sandbox:
    timeout = float(limits.pop("cell_timeout", 2.0))  # type: ignore[arg-type]
    output = int(limits.pop("max_output_chars", 1_000_000))  # type: ignore[call-overload]
    config = SandboxConfig(cell_timeout=timeout, max_output_chars=output, limits=dict(limits))
    return Sandbox(CONTEXT, echo, config)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with sandbox(memory_bytes=512 << 20) as sb:
        yield sb


def works(sb: Sandbox) -> None:
    result = sb.run_cell("6 * 7")
    assert (result.error, result.output.strip()) == (None, "42")


def test_timeout_kills_restarts_and_says_variables_are_gone() -> None:
    with sandbox(cell_timeout=1.0) as sb:
        sb.run_cell("x = 5")
        first = sb.pid
        started = time.monotonic()
        result = sb.run_cell("while True:\n    pass")
        assert time.monotonic() - started < 5
        assert result.restarted and "TimeoutError" in (result.error or "")
        assert "variables are gone" in result.output
        assert sb.pid != first and not psutil.pid_exists(first)
        assert "NameError" in (sb.run_cell("x").error or "")
        works(sb)


def test_subcall_time_does_not_count_against_the_timeout() -> None:
    def slow(request: SubcallRequest) -> LlmAnswers:
        time.sleep(1.2)
        return LlmAnswers(("late answer",))

    with Sandbox(CONTEXT, slow, SandboxConfig(cell_timeout=1.0)) as sb:
        result = sb.run_cell("llm_query('q')")
        assert result.error is None and result.output.strip() == "late answer"


def test_default_memory_cap_is_a_quarter_of_ram_at_most_4_gib() -> None:
    limits = default_limits(60)
    assert limits["memory_bytes"] == min(MEMORY_CAP, total_memory() // 4)
    assert limits["file_size"] == 0 and limits["processes"] == 0
    assert limits["cpu_seconds"] >= 600


def test_worker_runs_under_the_rlimits(box: Sandbox) -> None:
    worker = psutil.Process(box.pid)
    assert worker.rlimit(psutil.RLIMIT_AS) == (512 << 20, 512 << 20)
    assert worker.rlimit(psutil.RLIMIT_FSIZE) == (0, 0)
    assert worker.rlimit(psutil.RLIMIT_NPROC) == (0, 0)
    assert worker.rlimit(psutil.RLIMIT_CORE) == (0, 0)
    assert worker.rlimit(psutil.RLIMIT_NOFILE) == (64, 64)
    assert worker.rlimit(psutil.RLIMIT_CPU)[0] >= 600


def test_memory_bomb_is_a_memory_error_and_the_worker_lives(box: Sandbox) -> None:
    pid = box.pid
    result = box.run_cell("blocks = []\nwhile True:\n    blocks.append(bytearray(10 ** 7))")
    assert "MemoryError" in (result.error or "")
    assert not result.restarted and box.pid == pid
    box.run_cell("del blocks")
    works(box)


def test_cpu_time_limit_kills_a_spinning_worker() -> None:
    with sandbox(cell_timeout=20.0, cpu_seconds=1) as sb:
        started = time.monotonic()
        result = sb.run_cell("while True:\n    pass")
        assert time.monotonic() - started < 6
        assert result.restarted and "SIGXCPU" in (result.error or "")
        works(sb)


def test_output_is_capped_with_a_notice() -> None:
    with sandbox(max_output_chars=1000) as sb:
        result = sb.run_cell("print('x' * 50_000)")
        assert result.output.startswith("x" * 1000)
        assert "output truncated" in result.output and len(result.output) < 1300
        works(sb)


def test_a_huge_answer_is_cut_like_output() -> None:
    with sandbox(max_output_chars=1000) as sb:
        final = sb.run_cell("FINAL('a' * 50_000)").final or ""
        assert final.startswith("a" * 1000) and final.endswith(
            "[answer truncated: 49,000 more characters]"
        )
        sb.run_cell("big = 'b' * 50_000")
        found, value, _ = sb.get_var("big")
        assert found and value.startswith("b" * 1000) and len(value) < 1100
        works(sb)


def test_recursion_is_a_recursion_error(box: Sandbox) -> None:
    result = box.run_cell("def f(n):\n    return f(n + 1)\nf(0)")
    assert "RecursionError" in (result.error or "") and not result.restarted
    assert result.output.count("\n") < 60  # the traceback is shortened
    works(box)


def test_worker_killed_from_outside_is_restarted(box: Sandbox) -> None:
    box.run_cell("y = 1")
    os.kill(box.pid, signal.SIGKILL)
    result = box.run_cell("y")
    assert result.restarted and "WorkerCrashed" in (result.error or "")
    works(box)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("import os\nos._exit(3)", "exited (code 3)"),
        ("import ctypes\nctypes.string_at(0)", "SIGSEGV"),
    ],
    ids=["os-exit", "segfault"],
)
def test_dead_worker_is_restarted_with_the_reason(code: str, reason: str) -> None:
    with sandbox(layers=RAW) as sb:
        result = sb.run_cell(code)
        assert result.restarted and reason in (result.error or "")
        assert "variables are gone" in result.output
        works(sb)


def test_a_thread_left_running_restarts_the_worker() -> None:
    with sandbox(layers=["landlock"]) as sb:
        first = sb.pid
        result = sb.run_cell("import _thread, time\n_thread.start_new_thread(time.sleep, (30,))")
        assert result.restarted and "thread" in result.output
        assert sb.pid != first and not psutil.pid_exists(first)
        works(sb)


FRAME = "import os, sys\nw = int(sys.argv[3])\n"


@pytest.mark.parametrize(
    "code",
    [
        FRAME + 'os.write(w, b"\\xff\\xff\\xff\\xff")\nimport time\ntime.sleep(30)',
        FRAME + 'os.write(w, (5).to_bytes(4, "big") + b"{{{{{")',
        FRAME + 'p = b"[" * 200000 + b"]" * 200000\nos.write(w, len(p).to_bytes(4, "big") + p)',
        FRAME + 'p = b"[1]"\nos.write(w, len(p).to_bytes(4, "big") + p)',
    ],
    ids=["huge-header", "bad-json", "deep-nesting", "not-an-object"],
)
def test_hostile_frames_end_the_worker_not_the_host(code: str) -> None:
    with sandbox(layers=RAW, cell_timeout=10.0) as sb:
        started = time.monotonic()
        result = sb.run_cell(code)
        assert time.monotonic() - started < 5
        assert result.restarted
        works(sb)


MALFORMED = [
    {"kind": "llm_query", "prompts": [{"x": 1}]},
    {"kind": "shell", "command": "id"},
    {"kind": "llm_query", "prompts": ["a"], "labels": []},
    {"kind": "llm_query", "prompts": 5, "labels": ["a"]},  # was a TypeError in the host
    {"kind": "llm_query", "prompts": ["a"] * 11},
    {"kind": "llm_query", "prompts": ["a" * 101]},
    {"kind": "rlm_query", "question": 7},
    {"kind": "rlm_query", "question": "q", "documents": 5},
    {"kind": "rlm_query", "question": "q", "documents": [{"name": "a"}]},
    {"kind": "rlm_query", "question": "q", "documents": [{"name": "a", "text": "b"}] * 4},
]


def test_malformed_subcall_requests_never_reach_the_engine() -> None:
    seen: list[SubcallRequest] = []
    code = (
        "from rlm_desktop.sandbox import wire\nimport sys\n"
        "r, w = int(sys.argv[2]), int(sys.argv[3])\n"
        f"for seq, raw in enumerate({MALFORMED!r}, 1):\n"
        '    wire.send(w, {"type": "request", "seq": seq, **raw})\n'
        "    print(wire.recv(r))"
    )
    limits = RequestLimits(max_prompts=10, max_documents=3, max_chars=100)
    config = SandboxConfig(limits={"layers": RAW}, request_limits=limits)
    with Sandbox(CONTEXT, seen.append, config) as sb:
        result = sb.run_cell(code)
        assert result.error is None and not result.restarted
        assert result.output.count("malformed sub-call request") == len(MALFORMED)
        assert seen == []
        works(sb)


def test_a_bad_request_is_the_cells_exception_and_the_next_cell_works() -> None:
    """Through the real worker's functions: the model sees a Python exception, nothing else."""
    limits = RequestLimits(max_prompts=3)
    with Sandbox(CONTEXT, echo, SandboxConfig(request_limits=limits)) as sb:
        result = sb.run_cell("llm_query_batched(['q'] * 4)")
        assert result.error == (
            "RuntimeError: llm_query refused: too many prompts in one call (4; at most 3)"
        )
        assert not result.restarted
        assert "TypeError" in (sb.run_cell("llm_query_batched(5)").error or "")
        assert sb.run_cell("llm_query_batched(['q'] * 3)").output.strip() == str(["answer"] * 3)


def test_host_caps_the_output_of_a_subverted_worker() -> None:
    code = (
        "from rlm_desktop.sandbox import wire\nimport sys, time\nw = int(sys.argv[3])\n"
        'wire.send(w, {"type": "done", "seq": 1, "output": "x" * 3_000_000,\n'
        '              "error": ["e"] * 10 ** 4})\n'
        "time.sleep(30)"
    )
    with sandbox(layers=RAW, max_output_chars=1000) as sb:
        result = sb.run_cell(code)
        assert len(result.output) < 1000 + 4100 and "truncated by the host" in result.output
        assert result.error is not None and len(result.error) <= 4000
        sb.restart()  # the worker is still asleep inside its cell
        works(sb)


@pytest.mark.parametrize(
    "body",
    ["while True:\n            pass", "raise ValueError('no text for you')"],
    ids=["hangs", "raises"],
)
def test_final_var_of_a_hostile_object_does_not_hang_the_host(body: str) -> None:
    code = f"class S:\n    def __str__(self):\n        {body}\ns = S()"
    with sandbox(cell_timeout=1.0) as sb:
        sb.run_cell(code)
        started = time.monotonic()
        assert sb.get_var("s") == (False, "", [])
        assert time.monotonic() - started < 5
        works(sb)
