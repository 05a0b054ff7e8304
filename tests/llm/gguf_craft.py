"""Writes small GGUF files for tests: real format, made-up content (good or deliberately bad)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

Value = str | int | float | bool | list[int] | list[str]


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def _value(value: Value) -> bytes:
    if isinstance(value, bool):
        return struct.pack("<I?", 7, value)
    if isinstance(value, int):
        return struct.pack("<II", 4, value)
    if isinstance(value, float):
        return struct.pack("<If", 6, value)
    if isinstance(value, str):
        return struct.pack("<I", 8) + _string(value)
    if value and isinstance(value[0], str):
        return struct.pack("<IIQ", 9, 8, len(value)) + b"".join(_string(v) for v in value)
    return struct.pack("<IIQ", 9, 4, len(value)) + b"".join(struct.pack("<I", v) for v in value)


def tiny_metadata(arch: str = "llama", **extra: Value) -> dict[str, Value]:
    meta: dict[str, Value] = {
        "general.architecture": arch,
        "general.name": "Tiny Test",
        "general.file_type": 1,
        f"{arch}.context_length": 2048,
        f"{arch}.block_count": 2,
        f"{arch}.embedding_length": 64,
        f"{arch}.attention.head_count": 4,
        f"{arch}.attention.head_count_kv": 2,
        "tokenizer.ggml.bos_token_id": 1,
        "tokenizer.ggml.eos_token_id": 2,
        "tokenizer.chat_template": "{{ messages }}",
    }
    meta.update(extra)
    return meta


def gguf_bytes(
    metadata: dict[str, Value],
    tensors: Sequence[tuple[str, tuple[int, ...]]] = (("w", (64, 64)),),
    version: int = 3,
    magic: bytes = b"GGUF",
) -> bytes:
    """A complete file: header, KV metadata, F16 tensor infos, aligned zeroed tensor data."""
    out = bytearray(magic + struct.pack("<IQQ", version, len(tensors), len(metadata)))
    for key, value in metadata.items():
        out += _string(key) + _value(value)
    offset = 0
    for name, shape in tensors:
        out += _string(name) + struct.pack("<I", len(shape))
        out += b"".join(struct.pack("<Q", d) for d in shape)
        out += struct.pack("<IQ", 1, offset)
        n = 2
        for d in shape:
            n *= d
        offset += (n + 31) // 32 * 32
    out += b"\0" * (-len(out) % 32)
    return bytes(out) + b"\0" * offset


def write_gguf(path: Path, metadata: dict[str, Value] | None = None, **kwargs: object) -> Path:
    path.write_bytes(gguf_bytes(metadata if metadata is not None else tiny_metadata(), **kwargs))
    return path


def with_u32(data: bytes, key: str, value: int) -> bytes:
    """`data` (a GGUF file) with the uint32 metadata value of `key` replaced by `value`."""
    raw = key.encode()
    at = data.find(struct.pack("<Q", len(raw)) + raw)
    if at < 0:
        raise KeyError(key)
    at += 8 + len(raw)
    if struct.unpack_from("<I", data, at)[0] != 4:
        raise TypeError(f"{key} is not a uint32")
    return data[: at + 4] + struct.pack("<I", value) + data[at + 8 :]
