"""The app's self-check, behind `rlm-desktop doctor` and `--self-test`, and the window's check
after llama.cpp changed: does this install work on this computer?

Each check runs in a child process of its own, so a native crash (llama.cpp built for another
processor dies with SIGILL) is reported as one line instead of taking the caller down:
  model    load the model (the demo model unless another is named), decode a 512-token batch,
           generate 16 tokens
  sandbox  start the sandbox worker, run a cell, list its safety layers
  window   open a Qt window offscreen
  pdf      write a small PDF and read it back through the app's reader
  ocr      read a picture of a line of text back by text recognition (Tesseract); without
           Tesseract the check passes and says that scans will not be read (OCR is optional)
`run_in_process(NAME)` is what the child runs (also how `qemu-x86_64 -cpu Haswell` tests the
model check). The model check's result is remembered per llama.cpp build (`model_check_due`),
so the window runs it once after llama-cpp-python changed, not at every start.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKS = ("model", "sandbox", "window", "pdf", "ocr")
TIMEOUT_S = {"model": 300.0, "sandbox": 60.0, "window": 60.0, "pdf": 60.0, "ocr": 60.0}
OCR_WORDS = "The doctor's scan says 4711."
BATCH_TOKENS = 512
GEN_TOKENS = 16


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    line: str  # one line, for a person
    seconds: float
    crashed: bool = False  # the check's process died from a signal (a native crash)

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "message": self.line, "seconds": self.seconds}


def self_command() -> list[str]:
    """How to start this program again: the frozen app is its own interpreter."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "rlm_desktop"]


def rebuild_hint() -> str:
    if getattr(sys, "frozen", False):
        return "install the build of the app made for this computer"
    return "run `make llama` to rebuild it for this one"


def crash_line(name: str, returncode: int) -> str:
    """The one line for a check whose process died from a signal."""
    what = "llama.cpp" if name == "model" else f"the {name} check"
    if returncode == -signal.SIGILL:
        return (
            f"{what} crashed with an illegal instruction: it was built for another processor; "
            f"{rebuild_hint()}"
        )
    try:
        signame = signal.Signals(-returncode).name
    except ValueError:
        signame = f"signal {-returncode}"
    return f"{what} crashed ({signame})"


def run_child(
    name: str,
    model: str | None,
    timeout: float | None = None,
    command: list[str] | None = None,
) -> CheckResult:
    """Run one check in a child process and turn whatever happens into one line.
    `command` replaces the child's command line (tests: a child that crashes)."""
    cmd = [*self_command(), "doctor", "--check", name]
    if model:
        cmd += ["--model", model]
    cmd = command or cmd
    started = time.perf_counter()
    env = dict(os.environ)
    if name == "window":
        env["QT_QPA_PLATFORM"] = "offscreen"
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout or TIMEOUT_S[name],
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        limit = timeout or TIMEOUT_S[name]
        return CheckResult(name, False, f"did not finish in {limit:.0f} s", limit)
    seconds = round(time.perf_counter() - started, 2)
    if proc.returncode < 0:
        return CheckResult(name, False, crash_line(name, proc.returncode), seconds, crashed=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    line = lines[-1] if lines else ""
    if not line:
        err = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        line = err[-1] if err else f"exited with code {proc.returncode}"
    return CheckResult(name, proc.returncode == 0, line, seconds)


# --- the checks themselves (each runs in its own process) ---------------------------------
def check_model(model: str | None) -> str:
    from rlm_desktop.backends import open_llama
    from rlm_desktop.llm.base import GenerationRequest

    backend = open_llama(model, n_ctx=2048, n_slots=1)
    try:
        words = [f"item{i}" for i in range(BATCH_TOKENS // 4)]
        while backend.count_tokens(" ".join(words)) < BATCH_TOKENS:
            words += [f"item{i}" for i in range(len(words), len(words) + 16)]
        text = " ".join(words)
        request = GenerationRequest(
            messages=[{"role": "user", "content": f"Repeat the first word of this list: {text}"}],
            max_tokens=GEN_TOKENS,
            session="doctor",
        )
        started = time.perf_counter()
        reply = backend.complete(request)
        seconds = time.perf_counter() - started
        usage = reply.usage
        if usage.prompt_evaluated < BATCH_TOKENS or usage.completion_tokens < 1:
            raise RuntimeError(
                f"the model evaluated {usage.prompt_evaluated} prompt tokens and generated "
                f"{usage.completion_tokens}"
            )
        kernels = next((n for n in backend.info.notes if n.startswith("CPU kernels")), "")
        return (
            f"{backend.info.model}: {usage.prompt_evaluated} prompt tokens and "
            f"{usage.completion_tokens} generated in {seconds:.1f} s"
            + (f" ({kernels})" if kernels else "")
        )
    finally:
        backend.close()


def check_sandbox(_model: str | None) -> str:
    from rlm_desktop.documents.model import Context
    from rlm_desktop.sandbox.host import Sandbox

    with Sandbox(Context()) as sandbox:
        result = sandbox.run_cell("print(6 * 7)")
        if result.output.strip() != "42":
            raise RuntimeError(f"a cell printed {result.output.strip()!r} instead of 42")
        return f"safety layers active: {', '.join(sandbox.layers)}"


def check_window(_model: str | None) -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([sys.argv[0]])
    label = QLabel("RLM Desktop")
    label.show()
    app.processEvents()
    if not label.isVisible():
        raise RuntimeError("a Qt window could not be shown")
    platform = QApplication.platformName()
    label.close()
    return f"Qt window opened ({platform} platform)"


def check_pdf(_model: str | None) -> str:
    import tempfile
    from pathlib import Path

    from rlm_desktop.documents.ingest import ingest_paths
    from rlm_desktop.documents.pdfwrite import write_pdf

    with tempfile.TemporaryDirectory(prefix="rlm-doctor-") as tmp:
        path = Path(tmp) / "check.pdf"
        write_pdf(path, ["The doctor's page one.", "Page two says 4711."])
        (record,) = ingest_paths([str(path)])
        if not record.ok or "4711" not in (record.document.text if record.document else ""):
            raise RuntimeError(record.error or "the PDF's text was not read")
        return f"PDF read ({record.pages} pages)"


def check_ocr(_model: str | None) -> str:
    import tempfile
    from pathlib import Path

    from PIL import Image, ImageDraw, ImageFont

    from rlm_desktop.documents.ingest import ingest_paths
    from rlm_desktop.documents.ocr import MISSING, OcrOptions, engine_version, find_tesseract

    found = find_tesseract(OcrOptions())
    if found is None:
        return f"{MISSING}; scanned pages and pictures will not be read"
    version = engine_version(*found)
    if version is None:
        raise RuntimeError(f"{found[0]} does not run, or has no English data")
    with tempfile.TemporaryDirectory(prefix="rlm-doctor-") as tmp:
        path = Path(tmp) / "scan.png"
        picture = Image.new("L", (1400, 200), 255)
        font = ImageFont.load_default(size=56)  # Pillow's own font: no system font needed
        ImageDraw.Draw(picture).text((60, 60), OCR_WORDS, font=font, fill=0)
        picture.save(path)
        (record,) = ingest_paths([str(path)])
        text = record.document.text if record.document else ""
        if not record.ok or "4711" not in text:
            raise RuntimeError(record.error or f"the picture read as {text.strip()[:60]!r}")
        return f"picture read by text recognition ({version})"


RUNNERS: dict[str, Callable[[str | None], str]] = {
    "model": check_model,
    "sandbox": check_sandbox,
    "window": check_window,
    "pdf": check_pdf,
    "ocr": check_ocr,
}


def run_in_process(name: str, model: str | None) -> int:
    try:
        line = RUNNERS[name](model)
    except Exception as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(message, flush=True)
        return 1
    print(line, flush=True)
    return 0


# --- remembered per llama.cpp build --------------------------------------------------------
def build_profile() -> str:
    """Which llama.cpp build is installed: version and build profile (install_llama.sh)."""
    try:
        from rlm_desktop.llm.cpu_backends import library_dir

        stamp = library_dir().parent / "rlm_build_profile.txt"
        profile = stamp.read_text(encoding="utf-8").splitlines()[0] if stamp.is_file() else ""
        from importlib.metadata import version

        return f"{version('llama-cpp-python')} {profile}".strip()
    except (ImportError, OSError, IndexError, ValueError) as exc:
        return f"unknown ({type(exc).__name__})"


def stamp_file() -> Path:
    """Where the model check's outcome is kept: beside the llama.cpp build it is about (the
    build is this computer's), else, where that folder cannot be written, in the app's cache."""
    try:
        from rlm_desktop.llm.cpu_backends import library_dir

        build_dir = library_dir().parent
        if os.access(build_dir, os.W_OK):
            return build_dir / "rlm_model_check.json"
    except ImportError:
        pass
    from rlm_desktop.store.paths import cache_dir

    return cache_dir() / "model-check.json"


def model_check_due(stamp: Path | None = None) -> bool:
    """True when the installed llama.cpp build has not passed the model check yet."""
    try:
        saved = json.loads((stamp or stamp_file()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return not (saved.get("ok") and saved.get("build") == build_profile())


def remember_model_check(result: CheckResult, stamp: Path | None = None) -> None:
    path = stamp or stamp_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"build": build_profile(), "ok": result.ok, "message": result.line}
    path.write_text(json.dumps(record), encoding="utf-8")


def guard_model_load(
    model: str | None, command: list[str] | None = None, stamp: Path | None = None
) -> str | None:
    """Before the app loads a model in its own process: when this llama.cpp build has not passed
    the model check yet, run it in a child process (the demo model if there is one, else
    `model`) and remember the outcome. Returns the one line to show when the check crashed,
    for then loading in-process would take the app down; None otherwise. `command` replaces
    the child's command line and `stamp` the place of the record (tests)."""
    if not model_check_due(stamp):
        return None
    from rlm_desktop.hub.installed import demo_model_path

    demo = demo_model_path()  # None: no demo model here, so check the model being loaded
    result = run_child("model", str(demo) if demo else model, command=command)
    if result.ok or result.crashed:
        remember_model_check(result, stamp)
    return result.line if result.crashed else None
