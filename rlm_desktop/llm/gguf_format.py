"""A small, bounds-checked reader of a GGUF file's header: metadata key/values and tensor infos.

Pure Python, no memory map: it reads only the header (a few MB at most, skipping the big
tokenizer arrays) and never trusts a count or a length it has not checked against the file size.
Every problem is a `GGUFError` with a one-line message. See gguf_info.py for the public API.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import BinaryIO

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
MAX_DIMS = 4
MAX_KV_COUNT = 100_000
MAX_TENSOR_COUNT = 1_000_000
KEEP_ARRAY_MAX = 1024  # longer arrays (token lists, merges) are skipped, not kept

# GGUF value types: id -> struct format (scalars) or a marker for string/array.
_SCALARS: dict[int, str] = {
    0: "<B",  # uint8
    1: "<b",  # int8
    2: "<H",  # uint16
    3: "<h",  # int16
    4: "<I",  # uint32
    5: "<i",  # int32
    6: "<f",  # float32
    7: "<?",  # bool
    10: "<Q",  # uint64
    11: "<q",  # int64
    12: "<d",  # float64
}
_STRING = 8
_ARRAY = 9

# ggml tensor types: id -> (name, block size, bytes per block); from ggml.h / gguf-py.
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    9: ("Q8_1", 32, 40),
    10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66),
    17: ("IQ2_XS", 256, 74),
    18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18),
    21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
    40: ("NVFP4", 64, 36),
    41: ("Q1_0", 128, 18),
}


class GGUFError(ValueError):
    """The file is not a GGUF model this app can load. The message is one human sentence:
    control characters (a corrupt name can hold newlines) become spaces."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(_CONTROL.sub(" ", message).split()))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(name: str, limit: int = 60) -> str:
    """A name read from the file, safe to put in a one-line message (printable, short)."""
    clean = "".join(c if c.isprintable() else "?" for c in name)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset: int

    @property
    def n_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def n_bytes(self) -> int:
        _, block, size = GGML_TYPES[self.ggml_type]
        return self.n_elements // block * size


@dataclass(frozen=True)
class RawHeader:
    """What the header holds: version, metadata (big arrays skipped) and tensor infos."""

    version: int
    metadata: dict[str, object]
    array_lengths: dict[str, int]  # every array key -> its length, kept or not
    tensors: tuple[TensorInfo, ...]
    data_offset: int  # where tensor data starts (aligned)


class _Reader:
    """Reads little-endian values through a growing window of the file, checked against its size.

    Windowed reads (not one `read` per value) keep the 100k-string token lists cheap to skip.
    """

    CHUNK = 1 << 20

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh = fh
        self.size = size
        self.buf = b""
        self.base = 0  # file offset of buf[0]
        self.off = 0  # read position inside buf

    @property
    def pos(self) -> int:
        return self.base + self.off

    def _ensure(self, n: int) -> None:
        if n < 0 or self.pos + n > self.size:
            raise GGUFError("the file is truncated or corrupt (its header runs past the end)")
        if self.off + n <= len(self.buf):
            return
        self.fh.seek(self.pos)
        self.base, self.buf, self.off = self.pos, self.fh.read(max(n, self.CHUNK)), 0
        if len(self.buf) < n:
            raise GGUFError("the file is truncated (could not read its header)")

    def take(self, n: int) -> bytes:
        self._ensure(n)
        data = self.buf[self.off : self.off + n]
        self.off += n
        return data

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > self.size:
            raise GGUFError("the file is truncated or corrupt (its header runs past the end)")
        if self.off + n <= len(self.buf):
            self.off += n
        else:
            self.base, self.buf, self.off = self.pos + n, b"", 0

    def scalar(self, fmt: str) -> int | float | bool:
        width = struct.calcsize(fmt)
        self._ensure(width)
        value: int | float | bool = struct.unpack_from(fmt, self.buf, self.off)[0]
        self.off += width
        return value

    def u32(self) -> int:
        return int(self.scalar("<I"))

    def u64(self) -> int:
        return int(self.scalar("<Q"))

    def string(self) -> str:
        raw = self.take(self.u64())
        return raw.decode("utf-8", errors="replace")

    def skip_strings(self, count: int) -> None:
        """Skip `count` strings: the hot loop of a header (token lists, merges)."""
        unpack = struct.Struct("<Q").unpack_from
        for _ in range(count):
            if self.off + 8 > len(self.buf):
                self._ensure(8)
            n = unpack(self.buf, self.off)[0] + 8
            if self.off + n <= len(self.buf):
                self.off += n
            else:
                self.skip(n)

    def value(self, vtype: int, key: str, lengths: dict[str, int]) -> object:
        if vtype in _SCALARS:
            return self.scalar(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            return self._array(key, lengths)
        raise GGUFError(f"the file is corrupt (unknown metadata type {vtype} for '{shown(key)}')")

    def _array(self, key: str, lengths: dict[str, int], depth: int = 0) -> object:
        if depth > 4:
            raise GGUFError(f"the file is corrupt (arrays nested too deep in '{shown(key)}')")
        etype = self.u32()
        count = self.u64()
        if count > self.size:  # every element takes at least one byte
            raise GGUFError(f"the file is corrupt (array '{shown(key)}' claims {count} items)")
        lengths[key] = count
        keep = count <= KEEP_ARRAY_MAX
        if etype in _SCALARS:
            width = struct.calcsize(_SCALARS[etype])
            if not keep:
                self.skip(width * count)
                return None
            return [self.scalar(_SCALARS[etype]) for _ in range(count)]
        if etype == _STRING:
            if not keep:
                self.skip_strings(count)
                return None
            return [self.string() for _ in range(count)]
        if etype == _ARRAY:
            items = [self._array(key, {}, depth + 1) for _ in range(count)]
            return items if keep else None
        raise GGUFError(f"the file is corrupt (unknown array type {etype} for '{shown(key)}')")


def read_header(fh: BinaryIO, size: int) -> RawHeader:
    """Parse the header of an open GGUF file of `size` bytes. Raises GGUFError."""
    r = _Reader(fh, size)
    if size >= 4 and r.take(4) != GGUF_MAGIC:
        raise GGUFError("not a GGUF model file (wrong magic bytes)")
    if size < 24:
        raise GGUFError("the file is too small to be a GGUF model (truncated or empty)")
    version = r.u32()
    if version not in SUPPORTED_VERSIONS:
        if struct.unpack(">I", struct.pack("<I", version))[0] in SUPPORTED_VERSIONS:
            raise GGUFError("big-endian GGUF files are not supported")
        raise GGUFError(f"unsupported GGUF version {version} (supported: 2 and 3)")
    n_tensors = r.u64()
    n_kv = r.u64()
    if n_kv > MAX_KV_COUNT or n_tensors > MAX_TENSOR_COUNT:
        raise GGUFError("the file is corrupt (impossible metadata or tensor count)")
    metadata: dict[str, object] = {}
    lengths: dict[str, int] = {}
    for _ in range(n_kv):
        key = r.string()
        metadata[key] = r.value(r.u32(), key, lengths)
    tensors = tuple(_tensor_info(r) for _ in range(n_tensors))
    align = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if not isinstance(align, int) or align <= 0 or align & (align - 1):
        raise GGUFError("the file is corrupt (bad general.alignment)")
    data_offset = (r.pos + align - 1) // align * align
    return RawHeader(version, metadata, lengths, tensors, data_offset)


def _tensor_info(r: _Reader) -> TensorInfo:
    name = r.string()
    n_dims = r.u32()
    if not 0 < n_dims <= MAX_DIMS:
        raise GGUFError(f"the file is corrupt (tensor '{shown(name)}' has {n_dims} dimensions)")
    shape = tuple(r.u64() for _ in range(n_dims))
    ggml_type = r.u32()
    if ggml_type not in GGML_TYPES:
        raise GGUFError(f"tensor '{shown(name)}' uses an unknown data type ({ggml_type})")
    offset = r.u64()
    return TensorInfo(name, shape, ggml_type, offset)


def check_tensor_data(header: RawHeader, size: int) -> None:
    """Every tensor's bytes must lie inside the file: catches a truncated download."""
    data_size = size - header.data_offset
    for t in header.tensors:
        if t.n_elements % GGML_TYPES[t.ggml_type][1]:
            raise GGUFError(f"the file is corrupt (tensor '{shown(t.name)}' has a bad shape)")
        if t.offset + t.n_bytes > data_size:
            need = header.data_offset + t.offset + t.n_bytes
            raise GGUFError(
                f"the file is truncated: it has {size:,} bytes but its tensors need {need:,}"
            )
