"""Bad model files give one clear line, from the backend and from the CLI — never a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rlm_desktop.backends import make_backend
from rlm_desktop.llm.base import BackendError
from tests.llm.gguf_craft import tiny_metadata, with_u32, write_gguf


def _error(model: str) -> str:
    with pytest.raises(BackendError) as caught:
        make_backend("llama", model)
    message = str(caught.value)
    assert message and "\n" not in message and len(message) < 300
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in _error(str(tmp_path / "nowhere.gguf"))


def test_truncated_file(tmp_path: Path, demo_model: Path) -> None:
    cut = tmp_path / "cut.gguf"
    with demo_model.open("rb") as fh:
        cut.write_bytes(fh.read(4_000_000))
    assert "truncated" in _error(str(cut))


def test_text_file_named_gguf(tmp_path: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("These are my notes, not a model.\n" * 20)
    assert "not a GGUF" in _error(str(text))


@pytest.mark.parametrize("arch", ["bert", "made-up-arch"])
def test_unsupported_architecture(tmp_path: Path, arch: str) -> None:
    path = write_gguf(tmp_path / f"{arch}.gguf", tiny_metadata(arch))
    assert f"unsupported architecture '{arch}'" in _error(str(path))


def test_a_header_llama_cpp_rejects_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "hollow.gguf", tiny_metadata("llama"))  # header only, no weights
    message = _error(str(path))
    assert message.startswith("llama.cpp could not load hollow.gguf:")


def test_a_corrupt_value_llama_cpp_rejects_reads_as_one_clean_line(
    tmp_path: Path, demo_model: Path
) -> None:
    """The real model with 0 key/value heads: llama.cpp's own reason, its padding squeezed."""
    bad = tmp_path / "no-kv-heads.gguf"
    bad.write_bytes(with_u32(demo_model.read_bytes(), "llama.attention.head_count_kv", 0))
    message = _error(str(bad))
    assert message.startswith("llama.cpp could not load no-kv-heads.gguf: ")
    assert "wrong shape" in message and "  " not in message


def _ask(tmp_path: Path, model: Path) -> subprocess.CompletedProcess[str]:
    """`ask --json` in a child process: a llama.cpp abort would only end the child."""
    doc = tmp_path / "doc.txt"
    doc.write_text("The magic number is 7731.\n")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "rlm_desktop",
            "ask",
            "What?",
            "--doc",
            str(doc),
            "--model",
            str(model),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_cli_says_why_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_text("not a model")
    proc = _ask(tmp_path, bad)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.gguf" in lines[0] and "not a GGUF" in lines[0]
    assert proc.stdout == ""


def test_a_layer_count_that_would_abort_llama_cpp_is_refused_first(
    tmp_path: Path, demo_model: Path
) -> None:
    """llama.cpp asserts (and kills the process) on 0 layers; the header check refuses it."""
    bad = tmp_path / "zero-layers.gguf"
    bad.write_bytes(with_u32(demo_model.read_bytes(), "llama.block_count", 0))
    proc = _ask(tmp_path, bad)
    assert proc.returncode == 1, proc.stderr[-500:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "zero-layers.gguf" in lines[0] and "claims 0 layers" in lines[0]
