"""`rlm-desktop bench batch`: batched sub-calls against one at a time, same prompts, one run.

For each N (default 1, 2, 4, 8, 16): N sub-call prompts shaped as `map_query` writes them (a
question, then a chunk of a generated shipping log of about `--chunk-tokens` tokens), greedy,
`--max-tokens` each. Each round decodes them one after another (`complete`, the leaf session,
as the engine did before) and together (`complete_batch`), the order alternating per round.
Tokens/s = completion tokens ÷ wall seconds, prompt evaluation included; `speedup[N]` =
batched ÷ sequential over all rounds. `prompt_seconds_share` says how much of the sequential
time went to reading prompts (time to each first token), the part batching cannot speed up
much: `generation_speedup` is the same ratio for the generation phase alone.
`identical_share`: batched replies (N ≥ 2) identical to the sequential ones; `differences`
shows where the first few part, and `explanation` says why they can.
Threads: the app's own choice (`open_llama`, as the window loads a model). The lanes' memory
is made big enough for the largest N of these prompts (`--batch-ctx`, default: N streams of
the prompt and reply, rounded up as the decoder does), so N = 8 means eight sequences at once;
where memory did not allow it, `splits` says, for that N, how the batch was split.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

QUESTION = "Which depot received the heaviest shipment, and on which day?"
WORDS = ("apples", "steel pipes", "paper rolls", "cloth", "engine parts", "glass", "salt", "tea")
EXPLANATION = (
    "At temperature 0 a batched reply can differ from the one-at-a-time reply without anything "
    "being wrong: llama.cpp's CPU results depend on how tokens are grouped into a decode (which "
    "kernels and tile shapes sum the products), and the lanes are decoded "
    "several at a time. The one-at-a-time path is no more stable: the same request gave a "
    "different greedy reply when its prompt was read whole than when a cached prefix was reused "
    "(seen while writing tests/llm/test_llama_batch.py). A small model often has two nearly tied "
    "tokens (two digits of a number); a last-bit difference flips the choice there and the reply "
    "goes its own way. Both are the model's own replies to the same prompt."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help="a .gguf file (default: the demo model)")
    parser.add_argument("--n-ctx", type=int, default=4096, help="window (tokens)")
    parser.add_argument("--sizes", default="1,2,4,8,16", help="batch sizes N, comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per N")
    parser.add_argument("--lanes", type=int, default=16, help="sub-calls decoded together")
    parser.add_argument("--max-tokens", type=int, default=48, help="reply tokens per prompt")
    parser.add_argument("--chunk-tokens", type=int, default=250, help="document tokens a prompt")
    parser.add_argument(
        "--batch-ctx", type=int, default=0, help="KV cells of the lanes (0: room for the largest N)"
    )


def chunk(index: int, tokens: int) -> str:
    """A varied, deterministic piece of a shipping log (about `tokens` tokens)."""
    lines: list[str] = []
    i = index * 97
    while sum(len(x) + 1 for x in lines) < tokens * 3:
        lines.append(
            f"Shipment {4000 + i * 13 % 977}: {WORDS[i % len(WORDS)]}, {10 + i * 37 % 890} kg, "
            f"depot {chr(65 + i * 7 % 19)}, day {1 + i * 11 % 28}."
        )
        i += 1
    return "\n".join(lines)


def prompts(n: int, tokens: int) -> list[str]:
    return [
        f"{QUESTION}\n\nText:\n{chunk(i, tokens)}\n\nAnswer briefly from the text only. "
        "If the text does not say, answer NONE."
        for i in range(n)
    ]


Timed = tuple[list[str], int, float, float, set[str]]  # texts, tokens, s, prompt s, notes


def _sequential(backend: Any, requests: list[Any]) -> Timed:
    texts, tokens, prompt_s = [], 0, 0.0
    started = time.perf_counter()
    for request in requests:
        call_start = time.perf_counter()
        first: list[float] = []
        out = backend.complete(
            request, on_token=lambda _p, f=first: f or f.append(time.perf_counter())
        )
        prompt_s += (first[0] if first else time.perf_counter()) - call_start
        texts.append(out.text)
        tokens += out.usage.completion_tokens
    return texts, tokens, time.perf_counter() - started, prompt_s, set()


def _batched(backend: Any, requests: list[Any]) -> Timed:
    first: list[float] = []
    started = time.perf_counter()

    def on_token(_i: int, _piece: str) -> None:
        if not first:
            first.append(time.perf_counter())

    outs = backend.complete_batch(requests, on_token=on_token)
    seconds = time.perf_counter() - started
    prompt_s = (first[0] if first else time.perf_counter()) - started
    tokens = sum(o.usage.completion_tokens for o in outs)
    return [o.text for o in outs], tokens, seconds, prompt_s, {o.note for o in outs if o.note}


def _parting(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def measure(
    backend: Any, sizes: list[int], rounds: int, max_tokens: int, chunk_tokens: int, log: Any = None
) -> dict[str, Any]:
    from rlm_desktop.llm.base import GenerationRequest

    speedup: dict[str, float] = {}
    generation: dict[str, float] = {}
    share: dict[str, float] = {}
    rates: dict[str, dict[str, float]] = {}
    splits: dict[str, list[str]] = {}
    same = compared = 0
    differences: list[dict[str, Any]] = []
    for n in sizes:
        requests = [
            GenerationRequest(
                messages=[{"role": "user", "content": p}], max_tokens=max_tokens, session="leaf"
            )
            for p in prompts(n, chunk_tokens)
        ]
        totals = {"seq": [0, 0.0, 0.0], "bat": [0, 0.0, 0.0]}
        for r in range(rounds):
            order = ("seq", "bat") if r % 2 == 0 else ("bat", "seq")
            texts: dict[str, list[str]] = {}
            for mode in order:
                backend.sessions.clear()  # neither mode starts from the other's cached prompts
                call = _sequential if mode == "seq" else _batched
                texts[mode], tokens, seconds, prompt_s, notes = call(backend, requests)
                if notes:  # not decoded all together: say how
                    splits[str(n)] = sorted(notes)
                t = totals[mode]
                t[0], t[1], t[2] = t[0] + tokens, t[1] + seconds, t[2] + prompt_s
                if log is not None:
                    log(f"N={n} round {r + 1} {mode}: {tokens} tokens in {seconds:.1f} s")
            if n >= 2:
                for i, (a, b) in enumerate(zip(texts["seq"], texts["bat"], strict=True)):
                    compared += 1
                    same += a == b
                    if a != b and len(differences) < 6:
                        at = _parting(a, b)
                        differences.append(
                            {"n": n, "index": i, "same_chars": at, "sequential": a, "batched": b}
                        )
        seq, bat = totals["seq"], totals["bat"]
        seq_rate, bat_rate = seq[0] / seq[1], bat[0] / bat[1]
        speedup[str(n)] = round(bat_rate / seq_rate, 2)
        gen_seq = seq[0] / max(1e-9, seq[1] - seq[2])
        gen_bat = bat[0] / max(1e-9, bat[1] - bat[2])
        generation[str(n)] = round(gen_bat / gen_seq, 2)
        share[str(n)] = round(seq[2] / seq[1], 2)
        rates[str(n)] = {"sequential_tps": round(seq_rate, 1), "batched_tps": round(bat_rate, 1)}
    return {
        "speedup": speedup,
        "generation_speedup": generation,
        "prompt_seconds_share": share,
        "tokens_per_second": rates,
        "splits": splits,
        "identical_share": round(same / compared, 3) if compared else 1.0,
        "compared": compared,
        "differences": differences,
        "explanation": EXPLANATION,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from rlm_desktop.backends import open_llama
    from rlm_desktop.llm.batch_plan import lane_cells

    started = time.perf_counter()
    sizes = [int(x) for x in str(args.sizes).split(",") if x.strip()]
    backend = open_llama(args.model, n_ctx=args.n_ctx, parallel=args.lanes)
    pool = getattr(args, "batch_ctx", 0)
    if not pool:  # room for the largest N of the longest prompt and its reply
        longest = max(backend.count_tokens(p) for p in prompts(max(sizes), args.chunk_tokens))
        pool = max(sizes) * lane_cells(longest + 64 + args.max_tokens)  # + the chat template
    if pool != backend.plan.batch_ctx:
        backend.close()
        backend = open_llama(args.model, n_ctx=args.n_ctx, parallel=args.lanes, batch_ctx=pool)
    plan = backend.plan

    def log(line: str) -> None:
        print(f"[{time.perf_counter() - started:5.0f} s] {line}", file=sys.stderr, flush=True)

    try:
        result: dict[str, Any] = {
            "model": Path(backend.gguf.path).name,
            "n_ctx": plan.n_ctx,
            "threads": plan.n_threads,
            "threads_batch": plan.n_threads_batch,
            "lanes": plan.parallel,
            "batch_ctx": plan.batch_ctx,
            "max_tokens": args.max_tokens,
            "prompt_tokens": backend.count_tokens(prompts(1, args.chunk_tokens)[0]),
        }
        result.update(
            measure(backend, sizes, max(1, args.rounds), args.max_tokens, args.chunk_tokens, log)
        )
    finally:
        backend.close()
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result
