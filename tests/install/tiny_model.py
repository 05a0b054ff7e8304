"""A tiny real llama-architecture GGUF for emulated processors, made from the demo model.

Under `qemu-x86_64 -cpu Haswell` every vector instruction is emulated, and the demo model's
150 M multiply-adds per token take minutes for one 512-token batch. This model keeps the demo
model's tokenizer and chat template (so the doctor's model check runs unchanged: chat format,
a 512-token batch, 16 generated tokens) with two layers of width 64 and seeded random weights,
quantised as the demo model is (Q8_0 embeddings, Q4_1 layers), so the same kind of CPU kernels
run. About 50 times less work per token than the demo model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter
from gguf.quants import quantize

N_EMBD, N_HEAD, N_HEAD_KV, N_FF, N_LAYER = 64, 4, 2, 128, 2
HEAD_DIM = N_EMBD // N_HEAD
COPIED = ("tokenizer.", "general.name", "general.license")


def _copy_metadata(reader: GGUFReader, writer: GGUFWriter) -> int:
    vocab = 0
    for key, field in reader.fields.items():
        if not key.startswith(COPIED):
            continue
        kind = field.types[0]
        value = field.contents()
        if key == "tokenizer.ggml.tokens":
            vocab = len(value)
        if kind == GGUFValueType.ARRAY:
            writer.add_key_value(key, value, kind, sub_type=field.types[-1])
        else:
            writer.add_key_value(key, value, kind)
    return vocab


def write_tiny_model(demo: Path, out: Path, seed: int = 7) -> Path:
    reader = GGUFReader(demo)
    writer = GGUFWriter(out, "llama")
    vocab = _copy_metadata(reader, writer)
    writer.add_context_length(2048)
    writer.add_embedding_length(N_EMBD)
    writer.add_feed_forward_length(N_FF)
    writer.add_block_count(N_LAYER)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(vocab)
    writer.add_file_type(3)  # mostly Q4_1, as the demo model
    rng = np.random.default_rng(seed)

    def weight(name: str, rows: int, cols: int, qtype: GGMLQuantizationType) -> None:
        data = (rng.standard_normal((rows, cols)) * 0.05).astype(np.float32)
        writer.add_tensor(name, quantize(data, qtype), raw_dtype=qtype)

    weight("token_embd.weight", vocab, N_EMBD, GGMLQuantizationType.Q8_0)
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    kv = HEAD_DIM * N_HEAD_KV
    q4 = GGMLQuantizationType.Q4_1
    for i in range(N_LAYER):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        weight(f"blk.{i}.attn_q.weight", N_EMBD, N_EMBD, q4)
        weight(f"blk.{i}.attn_k.weight", kv, N_EMBD, q4)
        weight(f"blk.{i}.attn_v.weight", kv, N_EMBD, q4)
        weight(f"blk.{i}.attn_output.weight", N_EMBD, N_EMBD, q4)
        weight(f"blk.{i}.ffn_gate.weight", N_FF, N_EMBD, q4)
        weight(f"blk.{i}.ffn_up.weight", N_FF, N_EMBD, q4)
        weight(f"blk.{i}.ffn_down.weight", N_EMBD, N_FF, q4)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out
