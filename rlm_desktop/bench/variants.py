"""The portable build's speed against the fastest build that works here (part of bench backend).

The portable build ships llama.cpp's CPU code in every processor variant and loads the best one
this CPU runs (llm/cpu_backends.py). A `-march=native` build is the variant for exactly this
CPU, AMX included, and AMX crashes here; the fastest *working* build is therefore the fastest
non-AMX variant. Each variant that runs here is measured in fresh processes of its own (a
process loads its CPU code once), forced with RLM_DESKTOP_CPU_VARIANT, generating the same
greedy tokens, in rounds that alternate between the variants (best round kept);
`portable_over_fastest` = the picked variant's tokens/s ÷ the fastest one's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from rlm_desktop.llm.cpu_backends import (
    AMX_VARIANTS,
    VARIANT_ENV,
    choose_variant,
    library_dir,
    variant_files,
    variant_score,
)

CHILD = """
import json, sys, time
from rlm_desktop.backends import open_llama
from rlm_desktop.llm.base import GenerationRequest
model, tokens, rounds = sys.argv[1] or None, int(sys.argv[2]), int(sys.argv[3])
backend = open_llama(model, n_ctx=2048, n_slots=1)
story = "Write a long story about a lighthouse keeper and a lost cat, with many details."
best = 0.0
for i in range(rounds):
    messages = [{"role": "user", "content": story}]
    request = GenerationRequest(messages, max_tokens=tokens, session=f"s{i}")
    reply = backend.complete(request)
    best = max(best, reply.usage.completion_tokens / max(reply.usage.seconds, 1e-9))
kernels = [n for n in backend.info.notes if n.startswith("CPU kernels")]
print(json.dumps({"tok_s": best, "kernels": kernels}))
"""


def _generation_speed(model: str | None, variant: str, tokens: int, rounds: int) -> float:
    env = {**os.environ, VARIANT_ENV: variant}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, model or "", str(tokens), str(rounds)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"variant {variant} failed: {out.stderr.strip()[-300:]}")
    return float(json.loads(out.stdout.strip().splitlines()[-1])["tok_s"])


def measure_variants(model: str | None, tokens: int, rounds: int) -> dict[str, Any]:
    import llama_cpp.llama_cpp  # noqa: F401  (the variants need libggml-base loaded first)

    files = variant_files(library_dir())
    if not files:
        return {"variants": "this build links its CPU code in (no run-time variants)"}
    scores = {tag: variant_score(path) for tag, path in files.items()}
    picked, _notes = choose_variant(scores)
    runnable = sorted(t for t, s in scores.items() if s > 0 and t not in AMX_VARIANTS)
    # The three best-scoring variants besides the pick bound the fastest one; slower
    # generations (x64, sse42…) are measured only when asked for by a smaller list.
    candidates = sorted(runnable, key=lambda t: -scores[t])[:4]
    # Rounds alternate between the variants (one process per variant per round) and each keeps
    # its best: a machine that slows down for a while then costs every variant alike.
    best = dict.fromkeys(candidates, 0.0)
    for _ in range(max(1, rounds)):
        for tag in candidates:
            best[tag] = max(best[tag], _generation_speed(model, tag, tokens, 1))
    speeds = {tag: round(tok_s, 1) for tag, tok_s in best.items()}
    fastest = max(speeds, key=lambda t: speeds[t])
    return {
        "cpu_variant": picked,
        "variant_tok_s": speeds,
        "fastest_variant": fastest,
        "portable_over_fastest": round(speeds[picked or fastest] / speeds[fastest], 3),
    }
