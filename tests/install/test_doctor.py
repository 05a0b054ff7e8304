"""`rlm-desktop doctor`: each check in its own process, one line each, crashes made readable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rlm_desktop import selfcheck as doctor

REPO = Path(__file__).resolve().parents[2]
SIGILL_LINE = (
    "llama.cpp crashed with an illegal instruction: it was built for another processor; "
    "run `make llama` to rebuild it for this one"
)


def _dies_with(sig: signal.Signals) -> list[str]:
    """A command that kills itself with `sig`, as llama.cpp built for another CPU does."""
    return [sys.executable, "-c", f"import os; os.kill(os.getpid(), {int(sig)})"]


def test_an_illegal_instruction_in_the_model_check_is_one_clear_line() -> None:
    result = doctor.run_child("model", None, command=_dies_with(signal.SIGILL))
    assert not result.ok
    assert result.line == SIGILL_LINE


def test_a_segfault_is_named_and_the_check_fails() -> None:
    result = doctor.run_child("sandbox", None, command=_dies_with(signal.SIGSEGV))
    assert not result.ok and result.line == "the sandbox check crashed (SIGSEGV)"


def test_a_check_that_hangs_is_stopped_at_its_deadline() -> None:
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    result = doctor.run_child("pdf", None, command=hang, timeout=1.0)
    assert not result.ok and "did not finish in 1 s" in result.line


def test_a_failing_check_reports_its_last_line() -> None:
    fail = [sys.executable, "-c", "print('noise'); print('the PDF reader is missing'); exit(1)"]
    result = doctor.run_child("pdf", None, command=fail)
    assert (result.ok, result.line) == (False, "the PDF reader is missing")


@pytest.mark.model
@pytest.mark.slow
def test_doctor_passes_every_check_on_this_machine(demo_model: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rlm_desktop", "doctor", "--json", "--model", str(demo_model)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    report = json.loads(proc.stdout)
    lines = {c["check"]: c["message"] for c in report["checks"]}
    assert proc.returncode == 0 and report["ok"], lines
    assert set(lines) == {"model", "sandbox", "window", "pdf", "ocr"}
    assert "512 prompt tokens" in lines["model"] or "prompt tokens" in lines["model"]
    assert "seccomp" in lines["sandbox"] or "audit" in lines["sandbox"]
    assert lines["pdf"] == "PDF read (2 pages)"
    assert lines["ocr"].startswith("picture read by text recognition (tesseract ")


def test_the_ocr_check_says_when_text_recognition_is_missing_or_broken() -> None:
    """OCR is optional: without Tesseract the check passes and says what that means; a
    Tesseract that does not run fails it."""

    def ocr_check(tesseract: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, RLM_DESKTOP_TESSERACT=tesseract)
        return subprocess.run(
            [sys.executable, "-m", "rlm_desktop", "doctor", "--only", "ocr"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
            env=env,
        )

    missing = ocr_check("")
    assert missing.returncode == 0
    (line,) = missing.stdout.strip().splitlines()
    assert line.startswith("ok   ocr") and "will not be read" in line
    broken = ocr_check("/bin/false")
    assert broken.returncode == 1
    (line,) = broken.stdout.strip().splitlines()
    assert line.startswith("FAIL ocr") and "does not run" in line


def test_self_test_is_the_doctor_and_a_missing_model_fails_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.gguf"
    command = ["--self-test", "--only", "model", "--model", str(missing)]
    proc = subprocess.run(
        [sys.executable, "-m", "rlm_desktop", *command],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert proc.returncode == 1
    (line,) = proc.stdout.strip().splitlines()
    assert line.startswith("FAIL model") and "nothing.gguf" in line


def test_the_window_checks_a_new_llama_build_once_and_refuses_one_that_crashes(
    demo_model: Path, tmp_path: Path
) -> None:
    """Before loading a model in its own process, the window runs the model check in a child
    once per llama.cpp build: a crash is said in one line (and checked again next time); a
    pass is remembered, so later loads start at once."""
    stamp = tmp_path / "check.json"
    assert doctor.model_check_due(stamp)
    line = doctor.guard_model_load(None, command=_dies_with(signal.SIGILL), stamp=stamp)
    assert line == SIGILL_LINE
    assert doctor.model_check_due(stamp)  # a crashed build is checked again
    assert doctor.guard_model_load(str(demo_model), stamp=stamp) is None  # the real check
    assert not doctor.model_check_due(stamp)
    # remembered: not run again (a crashing command would be noticed)
    crash = _dies_with(signal.SIGILL)
    assert doctor.guard_model_load(None, command=crash, stamp=stamp) is None
