"""`rlm-desktop bench backend`: the llama.cpp backend against bare llama-cpp-python, one run.

Both load the same model with the same threads, window and flash-attention setting.
- generation_ratio: generated tokens/s through the backend ÷ bare `Llama.create_completion`
  (greedy, same prompt, same tokens; best of `--rounds` alternating rounds; target ≥ 0.95);
- resume_eval_ratio: prompt tokens evaluated when the root resumes after a leaf `llm_query`
  and a child RLM ÷ the root's prompt tokens (target ≤ 0.02); bare_* figures: one `Llama`
  doing the same calls (it re-evaluates the root after the sub-calls);
- subrlm_start_ratio: a child RLM's first call (to its first token) with the system prompt
  cached by the root ÷ the same call with nothing cached (target ≤ 0.10);
- parse_rate_grammar / parse_rate_free: share of 30 turns on varied tasks that parse
  (see backend_parse.py), with the engine's grammar and without; grammar/free tokens/s.
- portable_over_fastest: the portable build's generation ÷ the fastest build that works here
  (target ≥ 0.95; see variants.py), with every measured variant's tokens/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

STORY = "Write a long story about a lighthouse keeper and a lost cat, with many details."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help="a .gguf file (default: the demo model)")
    parser.add_argument("--n-ctx", type=int, default=8192, help="window for both (tokens)")
    parser.add_argument("--gen-tokens", type=int, default=128, help="tokens per speed run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating speed rounds")
    parser.add_argument(
        "--root-chars", type=int, default=9000, help="document text the root printed"
    )
    parser.add_argument("--parse-max-tokens", type=int, default=384, help="cap per parse turn")
    parser.add_argument(
        "--parse-tasks", type=int, default=10, help="parse-rate tasks, 3 turns each (1-10)"
    )
    parser.add_argument(
        "--variants",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the portable build against the fastest CPU variant (bench/variants.py)",
    )


def _document(chars: int) -> str:
    lines, i = [], 0
    while sum(len(x) + 1 for x in lines) < chars:
        lines.append(
            f"Entry {i}: shipment {1000 + i * 7} reached depot {i % 13} on day {i % 28 + 1}."
        )
        i += 1
    return "\n".join(lines)


def _stamped(call: Any) -> tuple[Any, list[float]]:
    stamps: list[float] = []
    return call(lambda _piece: stamps.append(time.perf_counter())), stamps


def measure_generation(backend: Any, bare: Any, tokens: int, rounds: int) -> dict[str, Any]:
    from rlm_desktop.llm.base import GenerationRequest

    messages = [{"role": "user", "content": STORY}]
    prompt = backend.chat.format(messages).text
    ours, theirs = [], []
    for _ in range(rounds):
        request = GenerationRequest(messages=messages, max_tokens=tokens, session="speed")
        out, stamps = _stamped(lambda cb, r=request: backend.complete(r, on_token=cb))
        backend.end_session("speed")
        backend.sessions.clear()
        ours.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
        bare.reset()
        stamps = []
        for _chunk in bare.create_completion(
            prompt, max_tokens=tokens, temperature=0.0, repeat_penalty=1.0, stream=True
        ):
            stamps.append(time.perf_counter())
        theirs.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
    best_ours, best_bare = max(ours), max(theirs)
    return {
        "generation_ratio": round(best_ours / best_bare, 3),
        "generation_tps": round(best_ours, 1),
        "bare_generation_tps": round(best_bare, 1),
        "generation_tps_runs": [round(x, 1) for x in ours],
        "bare_generation_tps_runs": [round(x, 1) for x in theirs],
        "generation_tokens": out.usage.completion_tokens,
    }


def _root_messages(document: str) -> tuple[list[dict[str, str]], str, str]:
    from rlm_desktop.documents.model import Context, Document
    from rlm_desktop.engine import prompts

    question = "On which day did shipment 1070 reach its depot?"
    system = prompts.system_prompt(
        "small", Context([Document("depots.txt", document)]).describe(), True
    )
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": prompts.first_user_message(question, 20)},
        {"role": "assistant", "content": "```repl\nprint(context[:12000])\n```"},
        {"role": "user", "content": prompts.output_message([document], [], 1, 20, question)},
    ]
    return messages, system, question


def _bare_call(bare: Any, prompt: str, max_tokens: int) -> tuple[int, float]:
    """(prompt tokens bare llama-cpp-python evaluates for this call, seconds)."""
    from rlm_desktop.llm.llama_sessions import common_prefix

    tokens = bare.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
    cached = list(bare._input_ids[: bare.n_tokens])
    reuse = common_prefix(cached, tokens)
    evaluated = len(tokens) - (reuse if reuse < len(tokens) else len(tokens) - 1)
    started = time.perf_counter()
    bare.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, repeat_penalty=1.0)
    return evaluated, time.perf_counter() - started


def measure_cache(backend: Any, bare: Any, root_chars: int) -> dict[str, Any]:
    from rlm_desktop.engine import grammar, prompts
    from rlm_desktop.llm.base import GenerationRequest

    document = _document(root_chars)
    root, system, question = _root_messages(document)
    leaf = [{"role": "user", "content": "Summarise in one line:\n" + document[:1500]}]
    child = [
        {"role": "system", "content": system},
        {
            "role": "user",
            # children get the same turn budget as the root (EngineConfig.max_iterations)
            "content": prompts.first_user_message("Which depot got shipment 1014?", 20),
        },
    ]

    def call(messages: list[dict[str, str]], session: str, tokens: int = 24) -> Any:
        request = GenerationRequest(
            messages=messages,
            max_tokens=tokens,
            session=session,
            grammar=grammar.TURN if session != "leaf" else None,
        )
        return _stamped(lambda cb: backend.complete(request, on_token=cb))

    backend.sessions.clear()
    started = time.perf_counter()
    (cold, stamps) = call(child, "cold")
    cold_s = stamps[0] - started if stamps else cold.usage.seconds
    backend.end_session("cold")
    backend.sessions.clear()
    turn, _ = call(root, "d0")
    call(leaf, "leaf")
    started = time.perf_counter()
    (warm, stamps) = call(child, "d1")
    warm_s = stamps[0] - started if stamps else warm.usage.seconds
    backend.end_session("d1")
    resumed_messages = [
        *root,
        {"role": "assistant", "content": turn.text},
        {"role": "user", "content": prompts.output_message(["Day 11"], [], 2, 20, question)},
    ]
    resumed, _ = call(resumed_messages, "d0")
    u = resumed.usage
    fmt = backend.chat.format
    bare.reset()
    _, bare_cold_s = _bare_call(bare, fmt(root).text, 24)
    _bare_call(bare, fmt(leaf).text, 24)
    bare_eval, bare_s = _bare_call(bare, fmt(resumed_messages).text, 24)
    return {
        "resume_eval_ratio": round(u.prompt_evaluated / u.prompt_tokens, 4),
        "resume_prompt_tokens": u.prompt_tokens,
        "resume_evaluated": u.prompt_evaluated,
        "resume_seconds": round(u.seconds, 3),
        "bare_resume_evaluated": bare_eval,
        "bare_resume_seconds": round(bare_s, 3),
        "root_cold_seconds": round(turn.usage.seconds, 3),
        "bare_root_cold_seconds": round(bare_cold_s, 3),
        "subrlm_start_ratio": round(warm_s / cold_s, 3),
        "subrlm_start_cached_s": round(warm_s, 3),
        "subrlm_start_cold_s": round(cold_s, 3),
        "subrlm_prompt_tokens": warm.usage.prompt_tokens,
        "subrlm_evaluated_cached": warm.usage.prompt_evaluated,
    }


def _progress(step: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:5.0f} s] {step}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from llama_cpp import Llama

    from rlm_desktop.backends import open_llama
    from rlm_desktop.bench.backend_parse import measure_parse_rate

    started = time.perf_counter()
    backend = open_llama(args.model, n_ctx=args.n_ctx)
    plan = backend.plan
    bare = Llama(
        str(backend.gguf.path),
        n_ctx=plan.n_ctx,
        n_batch=512,
        n_threads=plan.n_threads,
        n_threads_batch=plan.n_threads_batch,
        flash_attn=plan.flash_attn != 0,
        verbose=False,
    )
    try:
        result: dict[str, Any] = {
            "model": Path(backend.gguf.path).name,
            "n_ctx": plan.n_ctx,
            "threads": plan.n_threads,
            "threads_batch": plan.n_threads_batch,
        }
        _progress("generation speed, against bare llama-cpp-python", started)
        result.update(measure_generation(backend, bare, args.gen_tokens, args.rounds))
        _progress("cache: root resume and sub-RLM start", started)
        result.update(measure_cache(backend, bare, args.root_chars))
        tasks = max(1, min(10, args.parse_tasks))
        _progress(f"parse rate with the grammar ({3 * tasks} turns)", started)
        with_grammar = measure_parse_rate(backend, True, args.parse_max_tokens, tasks)
        _progress(f"parse rate without it ({3 * tasks} turns)", started)
        free = measure_parse_rate(backend, False, args.parse_max_tokens, tasks)
        result.update(
            {
                "parse_rate_grammar": round(with_grammar.rate, 3),
                "parse_rate_free": round(free.rate, 3),
                "parse_turns": with_grammar.turns,
                "grammar_tps": round(with_grammar.tokens_per_second, 1),
                "free_tps": round(free.tokens_per_second, 1),
                "free_failures": free.failures,
                "grammar_failures": with_grammar.failures,
            }
        )
    finally:
        bare.close()
        backend.close()
    if args.variants:
        from rlm_desktop.bench.variants import measure_variants

        _progress("the portable build against each CPU variant, one process each", started)
        result.update(measure_variants(args.model, args.gen_tokens, args.rounds))
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result
