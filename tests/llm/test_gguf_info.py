"""gguf_info: the real SmolLM2 header, and every kind of bad file as a one-line GGUFError."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import pytest

from rlm_desktop.llm.gguf_info import GGUFError, GGUFInfo, read_gguf_info
from rlm_desktop.store.paths import dev_models_dir
from tests.llm.gguf_craft import gguf_bytes, tiny_metadata, write_gguf

DEMO = dev_models_dir() / "SmolLM2-135M-Instruct.Q4_1.gguf"
needs_demo = pytest.mark.skipif(
    not DEMO.is_file(), reason="demo model missing: run scripts/fetch_demo_model.py"
)


def _error(path: Path) -> str:
    with pytest.raises(GGUFError) as info:
        read_gguf_info(path)
    message = str(info.value)
    assert "\n" not in message and message
    return message


@needs_demo
def test_real_model_header() -> None:
    info = read_gguf_info(DEMO)
    assert isinstance(info, GGUFInfo)
    assert info.architecture == "llama"
    assert info.version == 3
    assert info.file_size == DEMO.stat().st_size
    assert info.quantization == "Q4_1"
    assert info.context_length == 8192
    assert (info.block_count, info.embedding_length) == (30, 576)
    assert (info.head_count, info.head_count_kv) == (9, 3)
    assert info.size_label == "135M"
    assert 130e6 < info.n_params < 140e6
    assert info.chat_template and "<|im_start|>" in info.chat_template
    assert (info.bos_token_id, info.eos_token_id) == (1, 2)
    assert info.tensor_count == 272
    # 30 layers x 3 kv heads x (64 + 64) dims x 2 bytes x 8192 tokens
    assert info.kv_cache_bytes(8192) == 30 * 3 * 128 * 2 * 8192
    assert info.to_json()["architecture"] == "llama"


@needs_demo
def test_a_header_read_is_much_faster_than_a_full_parse() -> None:
    """A ratio in one run, not a wall-clock limit: milliseconds against about 2 s for the
    `gguf` package's GGUFReader (it memory-maps and parses every tensor) on the dev machine;
    10x leaves a wide margin and still fails a read that parses every tensor."""
    from gguf import GGUFReader

    start = time.perf_counter()
    read_gguf_info(DEMO)
    header = time.perf_counter() - start
    start = time.perf_counter()
    GGUFReader(DEMO)
    full = time.perf_counter() - start
    assert header * 10 < full, f"header {header:.3f} s, full parse {full:.3f} s"


def test_crafted_model(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "tiny.gguf", tiny_metadata("qwen2"))
    info = read_gguf_info(path)
    assert info.architecture == "qwen2"
    assert info.quantization == "F16"
    assert info.n_params == 64 * 64
    assert info.kv_cache_bytes(100) == 100 * 2 * 2 * (16 + 16) * 2


def test_per_layer_kv_heads_and_key_length(tmp_path: Path) -> None:
    meta = tiny_metadata(
        **{"llama.attention.head_count_kv": [1, 2], "llama.attention.key_length": 8}
    )
    info = read_gguf_info(write_gguf(tmp_path / "m.gguf", meta))
    assert info.head_count_kv == 2 and info.head_count_kv_per_layer == (1, 2)
    assert info.kv_cache_bytes(10) == 10 * 3 * (8 + 16) * 2


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in _error(tmp_path / "nope.gguf")


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.gguf").mkdir()
    assert "folder" in _error(tmp_path / "dir.gguf")


def test_text_file_named_gguf(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("These are my notes, not a model at all. " * 10)
    assert "not a GGUF" in _error(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")
    assert "too small" in _error(path)


def test_wrong_magic(tmp_path: Path) -> None:
    path = tmp_path / "magic.gguf"
    path.write_bytes(gguf_bytes(tiny_metadata(), magic=b"GGML"))
    assert "magic" in _error(path)


@pytest.mark.parametrize("version", [1, 4, 999])
def test_unsupported_version(tmp_path: Path, version: int) -> None:
    path = tmp_path / "v.gguf"
    path.write_bytes(gguf_bytes(tiny_metadata(), version=version))
    assert f"unsupported GGUF version {version}" in _error(path)


def test_big_endian(tmp_path: Path) -> None:
    data = bytearray(gguf_bytes(tiny_metadata()))
    data[4:8] = struct.pack(">I", 3)
    path = tmp_path / "be.gguf"
    path.write_bytes(bytes(data))
    assert "big-endian" in _error(path)


def test_unsupported_architecture(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "x.gguf", tiny_metadata("frobnicator"))
    assert _error(path) == "unsupported architecture 'frobnicator'"


def test_encoder_architecture(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "bert.gguf", tiny_metadata("bert"))
    assert "unsupported architecture 'bert'" in _error(path)


def test_no_architecture(tmp_path: Path) -> None:
    meta = tiny_metadata()
    del meta["general.architecture"]
    assert "no model architecture" in _error(write_gguf(tmp_path / "a.gguf", meta))


def test_header_truncated(tmp_path: Path) -> None:
    data = gguf_bytes(tiny_metadata())
    path = tmp_path / "cut.gguf"
    path.write_bytes(data[:100])
    assert "truncated" in _error(path)


def test_tensor_data_truncated(tmp_path: Path) -> None:
    data = gguf_bytes(tiny_metadata())
    path = tmp_path / "cut.gguf"
    path.write_bytes(data[:-100])
    assert "truncated" in _error(path)


@needs_demo
def test_real_model_cut_mid_download(tmp_path: Path) -> None:
    """The first 2 MB of the real file, padded (sparse) to 90 MB: a download cut short."""
    path = tmp_path / "partial.gguf"
    with DEMO.open("rb") as src, path.open("wb") as dst:
        dst.write(src.read(2 << 20))
    os.truncate(path, 90 << 20)
    assert "truncated" in _error(path)
    path.write_bytes(DEMO.read_bytes()[: 1 << 20][:300_000])  # cut inside the token list
    assert "truncated" in _error(path)


def test_absurd_counts(tmp_path: Path) -> None:
    data = bytearray(gguf_bytes(tiny_metadata()))
    data[16:24] = struct.pack("<Q", 2**62)  # kv count
    path = tmp_path / "count.gguf"
    path.write_bytes(bytes(data))
    assert "corrupt" in _error(path)


def test_absurd_string_length(tmp_path: Path) -> None:
    data = bytearray(gguf_bytes(tiny_metadata()))
    data[24:32] = struct.pack("<Q", 2**60)  # length of the first key
    path = tmp_path / "len.gguf"
    path.write_bytes(bytes(data))
    assert "truncated or corrupt" in _error(path)


def test_random_garbage_never_escapes(tmp_path: Path) -> None:
    """Flip bytes all over a valid header: only GGUFError (or success) may come out."""
    import random

    rng = random.Random(7)
    good = gguf_bytes(tiny_metadata())
    path = tmp_path / "fuzz.gguf"
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(0, 400)] = rng.randrange(256)
        path.write_bytes(bytes(data))
        try:
            read_gguf_info(path)
        except GGUFError as exc:
            assert "\n" not in str(exc)


def test_shards(tmp_path: Path) -> None:
    meta = tiny_metadata(**{"split.count": 2, "split.no": 0})
    first = write_gguf(tmp_path / "m-00001-of-00002.gguf", meta)
    assert "shard 2 of 2 is missing" in _error(first)
    write_gguf(
        tmp_path / "m-00002-of-00002.gguf",
        {"general.architecture": "llama", "split.count": 2, "split.no": 1},
        tensors=[("v", (64, 32))],
    )
    info = read_gguf_info(first)
    assert info.n_params == 64 * 64 + 64 * 32
    assert len(info.shards) == 2
    assert info.file_size == sum(p.stat().st_size for p in info.shards)


def test_deeply_nested_arrays(tmp_path: Path) -> None:
    head = (
        b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<I", 9)
    )
    body = struct.pack("<IQ", 9, 1) * 5000
    path = tmp_path / "nest.gguf"
    path.write_bytes(head + body + b"\0" * 64)
    assert "nested" in _error(path)


@pytest.mark.parametrize("layers", [0, 513])
def test_a_layer_count_llama_cpp_would_abort_on(tmp_path: Path, layers: int) -> None:
    """llama.cpp asserts 0 < layers <= 512 and aborts the process: it must never see it."""
    path = write_gguf(tmp_path / "m.gguf", tiny_metadata(**{"llama.block_count": layers}))
    assert f"it claims {layers} layers" in _error(path)


@pytest.mark.parametrize(
    "experts",
    [
        {"llama.expert_count": 4, "llama.expert_used_count": 8},
        {"llama.expert_count": 4, "llama.expert_used_count": 0},
        {"llama.expert_used_count": 2},
        {"llama.expert_group_count": 2},
        {"llama.expert_count": 4, "llama.expert_used_count": 2, "llama.expert_group_count": 4},
        {"llama.expert_count": 8, "llama.expert_used_count": 2, "llama.expert_group_count": 3},
    ],
)
def test_inconsistent_expert_counts(tmp_path: Path, experts: dict[str, int]) -> None:
    path = write_gguf(tmp_path / "moe.gguf", tiny_metadata(**experts))
    assert "inconsistent expert counts" in _error(path)


def test_consistent_expert_counts_pass(tmp_path: Path) -> None:
    meta = tiny_metadata(**{"llama.expert_count": 8, "llama.expert_used_count": [2, 2]})
    assert read_gguf_info(write_gguf(tmp_path / "moe.gguf", meta)).architecture == "llama"


def test_a_corrupt_length_that_swallows_newlines_still_gives_one_short_line(
    tmp_path: Path,
) -> None:
    meta = tiny_metadata(**{"general.notes": "line one\nline two\n" * 20})
    data = bytearray(gguf_bytes(meta))
    at = data.find(b"general.name") - 8
    data[at : at + 8] = struct.pack("<Q", 200)  # the key now runs over the following values
    path = tmp_path / "swallow.gguf"
    path.write_bytes(bytes(data))
    message = _error(path)
    assert "corrupt" in message and len(message) < 200
    assert all(c.isprintable() for c in message)
