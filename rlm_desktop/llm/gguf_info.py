"""What a GGUF model file is, read from its header before llama.cpp ever sees it.

`read_gguf_info(path)` returns a `GGUFInfo` (architecture, size, context length, layers, heads,
chat template, quantisation, token ids, parameter count) or raises `GGUFError` with one human
sentence: missing file, directory, text file, wrong magic, unsupported version, truncated or
corrupt file, missing shard, unsupported architecture. Reading the demo model takes milliseconds
(the `gguf` package's GGUFReader memory-maps and parses everything: about 2 s for the same file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rlm_desktop.llm.gguf_format import (
    GGML_TYPES,
    GGUFError,
    RawHeader,
    check_tensor_data,
    read_header,
    shown,
)
from rlm_desktop.llm.gguf_tables import FILE_TYPES, NOT_CHAT, SUPPORTED_ARCHITECTURES

__all__ = ["SUPPORTED_ARCHITECTURES", "GGUFError", "GGUFInfo", "read_gguf_info"]

MAX_LAYERS = 512  # llama.cpp's LLAMA_MAX_LAYERS
_SHARD = re.compile(r"^(?P<stem>.+)-(?P<no>\d{5})-of-(?P<count>\d{5})\.gguf$")


@dataclass(frozen=True)
class GGUFInfo:
    """A GGUF model's facts. Sizes are bytes; counts are None where the file does not say."""

    path: Path
    file_size: int  # all shards together
    version: int
    architecture: str
    name: str
    n_params: int  # exact: summed from the tensor shapes (all shards)
    size_label: str | None  # general.size_label, e.g. "135M"
    context_length: int | None
    block_count: int | None
    embedding_length: int | None
    head_count: int | None
    head_count_kv: int | None  # the largest, when the file gives one per layer
    key_length: int | None
    value_length: int | None
    chat_template: str | None
    file_type: int | None
    quantization: str  # "Q4_K_M", "Q4_1", … ("unknown" when nothing says)
    bos_token_id: int | None
    eos_token_id: int | None
    tensor_count: int
    shards: tuple[Path, ...] = ()
    head_count_kv_per_layer: tuple[int, ...] | None = None
    metadata: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def weights_bytes(self) -> int:
        return self.file_size

    def kv_cache_bytes(self, n_ctx: int, bytes_per_element: int = 2) -> int:
        """Bytes of an f16 K+V cache for `n_ctx` tokens (an upper bound for sliding-window
        and MLA models). 0 when the file lacks the figures needed."""
        if not (self.block_count and self.head_count and self.embedding_length):
            return 0
        head_dim = self.embedding_length // self.head_count
        k_len = self.key_length or head_dim
        v_len = self.value_length or head_dim
        if self.head_count_kv_per_layer:
            kv_heads = sum(self.head_count_kv_per_layer)
        else:
            kv_heads = (self.head_count_kv or self.head_count) * self.block_count
        return n_ctx * kv_heads * (k_len + v_len) * bytes_per_element

    def to_json(self) -> dict[str, object]:
        skip = {"metadata", "path", "shards"}
        out = {k: v for k, v in self.__dict__.items() if k not in skip}
        out["path"] = str(self.path)
        out["shards"] = [str(p) for p in self.shards]
        out["head_count_kv_per_layer"] = (
            list(self.head_count_kv_per_layer) if self.head_count_kv_per_layer else None
        )
        return out


def read_gguf_info(path: str | Path, check_data: bool = True) -> GGUFInfo:
    """Read and validate a GGUF file's header (and, for a first shard, its sibling shards).

    `check_data` also checks that every tensor's bytes lie inside the file (a truncated file).
    Raises GGUFError with a one-line message; never anything else for a bad file.
    """
    path = Path(path)
    header, size = _read_file(path, check_data)
    meta = header.metadata
    arch = meta.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise GGUFError(f"{path.name}: the file names no model architecture")
    if arch in NOT_CHAT:
        raise GGUFError(f"unsupported architecture '{shown(arch)}' (not a text-generation model)")
    if arch not in SUPPORTED_ARCHITECTURES:
        raise GGUFError(f"unsupported architecture '{shown(arch)}'")
    _check_hparams(path, meta, arch)
    shards, total_size, n_params = _shards(path, header, size, check_data)
    return _build(path, header, arch, shards, total_size, n_params)


def _check_hparams(path: Path, meta: dict[str, object], arch: str) -> None:
    """Values llama.cpp asserts on (it aborts the whole process instead of failing the load):
    the layer count and the mixture-of-experts counts must be consistent."""

    def count(key: str) -> int:
        value = meta.get(f"{arch}.{key}", 0)
        values = [_int(v) for v in (value if isinstance(value, list) else [value])]
        if None in values:
            raise GGUFError(f"{path.name}: the file is corrupt (bad value for {arch}.{key})")
        return max((v for v in values if v is not None), default=0)

    layers = meta.get(f"{arch}.block_count")
    if layers is not None and not 0 < (_int(layers) or 0) <= MAX_LAYERS:
        raise GGUFError(f"{path.name}: the file is corrupt (it claims {layers} layers)")
    experts, used = count("expert_count"), count("expert_used_count")
    groups, groups_used = count("expert_group_count"), count("expert_group_used_count")
    if experts:
        ok = 0 < used <= experts and groups < experts
        ok = ok and (groups <= 1 or (experts % groups == 0 and 0 < groups_used < groups))
    else:
        ok = used == 0 and groups == 0
    if not ok:
        raise GGUFError(
            f"{path.name}: the file is corrupt (inconsistent expert counts: {experts} experts, "
            f"{used} used, {groups} groups)"
        )


def _read_file(path: Path, check_data: bool) -> tuple[RawHeader, int]:
    try:
        if path.is_dir():
            raise GGUFError(f"{path} is a folder, not a GGUF model file")
        with path.open("rb") as fh:
            size = path.stat().st_size
            header = read_header(fh, size)
    except FileNotFoundError:
        raise GGUFError(f"model file not found: {path}") from None
    except PermissionError:
        raise GGUFError(f"no permission to read the model file {path}") from None
    except GGUFError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise GGUFError(f"{path.name}: {exc}") from None
    except OSError as exc:
        raise GGUFError(f"cannot read {path}: {exc.strerror or exc}") from None
    if check_data:
        try:
            check_tensor_data(header, size)
        except GGUFError as exc:
            raise GGUFError(f"{path.name}: {exc}") from None
    return header, size


def _shards(
    path: Path, header: RawHeader, size: int, check_data: bool
) -> tuple[tuple[Path, ...], int, int]:
    """For a sharded model, the shard paths, total size and parameter count of all of them."""
    n_params = sum(t.n_elements for t in header.tensors)
    count = _int(header.metadata.get("split.count")) or 1
    match = _SHARD.match(path.name)
    if count <= 1 or not match or int(match["no"]) != 1:
        return ((path,), size, n_params)
    shards = [path]
    total = size
    for no in range(2, count + 1):
        sibling = path.with_name(f"{match['stem']}-{no:05d}-of-{count:05d}.gguf")
        if not sibling.is_file():
            raise GGUFError(f"shard {no} of {count} is missing: {sibling.name}")
        sub, sub_size = _read_file(sibling, check_data)
        n_params += sum(t.n_elements for t in sub.tensors)
        total += sub_size
        shards.append(sibling)
    return (tuple(shards), total, n_params)


def _build(
    path: Path, header: RawHeader, arch: str, shards: tuple[Path, ...], size: int, n_params: int
) -> GGUFInfo:
    meta = header.metadata

    def arch_int(key: str) -> int | None:
        return _int(meta.get(f"{arch}.{key}"))

    per_layer = _int_list(meta.get(f"{arch}.attention.head_count_kv"))
    head_count_kv = max(per_layer) if per_layer else arch_int("attention.head_count_kv")
    heads = _int_list(meta.get(f"{arch}.attention.head_count"))
    head_count = max(heads) if heads else arch_int("attention.head_count")
    file_type = _int(meta.get("general.file_type"))
    template = meta.get("tokenizer.chat_template")
    name = meta.get("general.name")
    label = meta.get("general.size_label")
    return GGUFInfo(
        path=path,
        file_size=size,
        version=header.version,
        architecture=arch,
        name=name if isinstance(name, str) and name else path.stem,
        n_params=n_params,
        size_label=label if isinstance(label, str) else None,
        context_length=arch_int("context_length"),
        block_count=arch_int("block_count"),
        embedding_length=arch_int("embedding_length"),
        head_count=head_count,
        head_count_kv=head_count_kv,
        key_length=arch_int("attention.key_length"),
        value_length=arch_int("attention.value_length"),
        chat_template=template if isinstance(template, str) and template.strip() else None,
        file_type=file_type,
        quantization=_quantization(header, file_type),
        bos_token_id=_int(meta.get("tokenizer.ggml.bos_token_id")),
        eos_token_id=_int(meta.get("tokenizer.ggml.eos_token_id")),
        tensor_count=len(header.tensors),
        shards=shards,
        head_count_kv_per_layer=per_layer,
        metadata=meta,
    )


def _int(value: object) -> int | None:
    """An integer metadata value, or None (absent, negative, or of another type)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _int_list(value: object) -> tuple[int, ...] | None:
    """A per-layer integer array, or None."""
    if not isinstance(value, list) or not value:
        return None
    items = [_int(v) for v in value]
    return None if None in items else tuple(v for v in items if v is not None)


def _quantization(header: RawHeader, file_type: int | None) -> str:
    if file_type is not None and file_type in FILE_TYPES:
        return FILE_TYPES[file_type]
    weights: dict[int, int] = {}
    for t in header.tensors:
        if len(t.shape) >= 2:
            weights[t.ggml_type] = weights.get(t.ggml_type, 0) + t.n_elements
    if not weights:
        return "unknown"
    return GGML_TYPES[max(weights, key=lambda k: weights[k])][0]
