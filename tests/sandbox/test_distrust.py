"""The host distrusts every frame: it never blocks on the worker, caps frames before parsing,
keeps requests and replies in sequence, bounds the work of one cell, and cleans the text.

Most cases run without the Python layer (`RAW`), as after a bypass: the cell then writes its
own frames on the worker's pipes, as a subverted worker would.
"""

from __future__ import annotations

import resource
import threading
import time
from pathlib import Path

import psutil
import pytest

from rlm_desktop.cancel import Cancelled, CancelToken
from rlm_desktop.documents.model import Context, Document
from rlm_desktop.sandbox.host import Sandbox, SandboxConfig
from rlm_desktop.sandbox.messages import (
    LlmAnswers,
    LlmQuery,
    RlmAnswer,
    SubcallRequest,
)

CONTEXT = Context([Document(name="notes.txt", text="alpha\nbeta\n")])
RAW = ["seccomp", "landlock"]
PIPES = (
    "from rlm_desktop.sandbox import wire\nimport os, sys, time\n"
    "r, w = int(sys.argv[2]), int(sys.argv[3])\n"
)
BIG_REPLY = "x" * 300_000  # far more than a pipe's 64 KiB buffer


def big(request: SubcallRequest) -> LlmAnswers | RlmAnswer:
    if isinstance(request, LlmQuery):
        return LlmAnswers((BIG_REPLY,) * len(request.prompts))
    return RlmAnswer(BIG_REPLY)


def raw_box(timeout: float = 1.5, **config: object) -> Sandbox:
    return Sandbox(
        CONTEXT, big, SandboxConfig(cell_timeout=timeout, limits={"layers": RAW}, **config)
    )


def works(sb: Sandbox) -> None:
    result = sb.run_cell("6 * 7")
    assert (result.error, result.output.strip()) == (None, "42")


STALLED = PIPES + (
    'wire.send(w, {"type": "request", "seq": 1, "kind": "llm_query", "prompts": ["q"]})\n'
    "time.sleep(60)"  # never reads the reply
)


def test_a_worker_that_stops_reading_is_killed_as_for_a_timeout() -> None:
    with raw_box(timeout=1.5) as sb:
        first = sb.pid
        started = time.monotonic()
        result = sb.run_cell(STALLED)
        assert time.monotonic() - started < 6
        assert result.restarted and "TimeoutError" in (result.error or "")
        assert sb.pid != first and not psutil.pid_exists(first)
        works(sb)


def test_stop_interrupts_a_host_blocked_on_a_worker_that_stops_reading() -> None:
    cancel = CancelToken()
    with raw_box(timeout=60) as sb:
        timer = threading.Timer(0.5, cancel.cancel)
        timer.start()
        started = time.monotonic()
        with pytest.raises(Cancelled):
            sb.run_cell(STALLED, cancel=cancel)
        assert time.monotonic() - started < 5  # not the 60 s cell timeout
        assert sb.pid is None  # the worker is gone
        works(sb)


def test_the_frame_cap_is_far_below_256_mb_and_relative_to_the_limits() -> None:
    with Sandbox(CONTEXT, big) as sb:
        assert sb.bounds.max_frame < 32 << 20
    bigger = Context([Document(name="big.txt", text="w" * 8_000_000)])
    with Sandbox(bigger, big) as sb:
        assert sb.bounds.max_frame > 6 * 8_000_000  # an rlm_query on the whole context fits
        assert sb.run_cell("len(rlm_query('q', context))").output.strip() == str(len(BIG_REPLY))


def test_a_frame_over_the_cap_is_refused_from_its_header() -> None:
    with raw_box(timeout=10) as sb:
        size = sb.bounds.max_frame + 1
        code = PIPES + f"os.write(w, ({size}).to_bytes(4, 'big') + b'[' * 100_000)\n"
        code += "time.sleep(30)"
        started = time.monotonic()
        result = sb.run_cell(code)
        assert time.monotonic() - started < 5 and result.restarted
        works(sb)


def test_a_frame_of_tiny_values_is_refused_before_it_is_parsed() -> None:
    """A 20 MB frame of `{}` once drove the host 25 times over its size."""
    with raw_box(timeout=20) as sb:
        code = PIPES + (
            'p = b\'{"type":"done","seq":1,"x":[\' + b"{}," * 7_000_000 + b"{}]}"\n'
            "os.write(w, len(p).to_bytes(4, 'big') + p)\ntime.sleep(30)"
        )
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = sb.run_cell(code)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # KiB
        assert result.restarted and "malformed" in (result.error or "")
        assert grown < 200_000
        works(sb)


def test_a_forged_done_frame_out_of_sequence_kills_the_worker() -> None:
    code = PIPES + 'wire.send(w, {"type": "done", "output": "forged"})\nprint("real")'
    with raw_box(timeout=10) as sb:
        sb.run_cell("x = 1")
        result = sb.run_cell(code)
        assert result.restarted and "out of sequence" in (result.error or "")
        assert "forged" not in result.output
        assert sb.run_cell("print('next')").output.strip() == "next"


def test_a_forged_done_frame_in_sequence_cannot_shift_the_next_cell() -> None:
    """The forgery is taken for its own cell; the real answer that follows arrives when
    nobody asked, and the worker goes rather than the next cell getting it."""
    code = PIPES + 'wire.send(w, {"type": "done", "seq": 1, "output": "forged"})\nprint("real")'
    with raw_box(timeout=10) as sb:
        assert sb.run_cell(code).output == "forged"
        lost = sb.run_cell("print('cell two')")
        # the real answer is either waiting already, or arrives while cell two runs
        assert lost.restarted
        assert "nobody asked" in (lost.error or "") or "out of sequence" in (lost.error or "")
        assert "real" not in lost.output
        assert sb.run_cell("print('cell three')").output.strip() == "cell three"


@pytest.mark.parametrize("handler", [None, big], ids=["refused", "served"])
def test_get_var_never_takes_a_request_for_its_reply(handler: object) -> None:
    code = "class S:\n    def __str__(self):\n        return 'v' + llm_query('q')[:3]\ns = S()"
    with Sandbox(CONTEXT, big) as sb:
        sb.run_cell(code)
        found, value, _ = sb.get_var("s", on_request=handler)  # type: ignore[arg-type]
        assert (found, value) == ((True, "vxxx") if handler else (False, ""))
        works(sb)


def test_one_call_cannot_send_a_million_documents() -> None:
    with Sandbox(CONTEXT, big, SandboxConfig(cell_timeout=30)) as sb:
        started = time.monotonic()
        result = sb.run_cell("rlm_query('q', {str(i): '' for i in range(1_800_000)})")
        assert "too many documents" in (result.error or "") and not result.restarted
        assert time.monotonic() - started < 15
        works(sb)


def test_sub_calls_of_one_cell_have_a_wall_budget() -> None:
    def slow(request: SubcallRequest) -> LlmAnswers:
        time.sleep(0.4)
        return LlmAnswers(("ok",))

    code = (
        "seen = []\nfor i in range(4):\n    try:\n        seen.append(llm_query('q'))\n"
        "    except RuntimeError as e:\n        seen.append(str(e))\nprint(seen)"
    )
    with Sandbox(CONTEXT, slow, SandboxConfig(cell_timeout=5, subcall_seconds=0.7)) as sb:
        output = sb.run_cell(code).output
        assert output.count("'ok'") == 2 and output.count("have used their 0.7 s") == 2


def test_lone_surrogates_never_leave_the_sandbox() -> None:
    with Sandbox(CONTEXT, big) as sb:
        result = sb.run_cell("s = 'a' + chr(0xD800)\nprint(s)\nFINAL(s)")
        assert (result.error, result.output, result.final) == (None, "a\ufffd\n", "a\ufffd")
        assert sb.get_var("s")[1] == "a\ufffd"
    with raw_box() as sb:  # a subverted worker writing the escape itself
        p = '{"type":"done","seq":1,"output":"b\\ud800"}'  # the JSON escape, not the character
        code = PIPES + f"p = {p!r}.encode()\nos.write(w, len(p).to_bytes(4, 'big') + p)\n"
        result = sb.run_cell(code)
        assert result.output == "b\ufffd"


def test_every_way_out_of_the_worker_skips_exit_handlers(tmp_path: Path) -> None:
    """A worker whose pipe breaks ends with os._exit: model code's atexit handler (which would
    run after the audit hook is gone) never runs."""
    canary = tmp_path / "canary"
    code = (
        "import atexit, os, sys\n"
        f"atexit.register(lambda: open({str(canary)!r}, 'w').write('ran'))\n"
        "os.close(int(sys.argv[2]))"  # the worker's next read fails
    )
    with Sandbox(CONTEXT, big, SandboxConfig(limits={"layers": []})) as sb:
        worker = psutil.Process(sb.pid)
        assert sb.run_cell(code).error is None
        assert worker.wait(timeout=10) == 3
        assert not canary.exists()
