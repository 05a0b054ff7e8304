"""`rlm-desktop bench accuracy`: does the RLM recipe help a small local model?

Runs seeded task families (needle, lookup, aggregate, rank, topics, pairs) with three methods
(rlm, rlm_nosub, direct) on one model and reports score, median seconds and tokens per
family × size × method,
the protocol figures, a Markdown table and a PNG plot. `--quick` is a subset under 5 minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rlm_desktop.bench.accuracy.methods import METHODS
from rlm_desktop.bench.accuracy.tasks import FAMILIES
from rlm_desktop.engine.config import HelperChoice
from rlm_desktop.sandbox.helpers import HELPER_NAMES


def _names(known: tuple[str, ...]) -> Callable[[str], list[str]]:
    """An argparse type: a comma-separated list of names from `known` (an unknown one is an
    error, not a silently empty run)."""

    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(unknown) or 'empty list'}; choose from {', '.join(known)}"
            )
        return names

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="a .gguf file or catalogue id (default: the demo model)")
    parser.add_argument("--backend", default="llama", help="llama (default) or replay:FILE")
    parser.add_argument(
        "--families", type=_names(FAMILIES), default=list(FAMILIES), help=",".join(FAMILIES)
    )
    parser.add_argument(
        "--methods", type=_names(METHODS), default=list(METHODS), help=",".join(METHODS)
    )
    parser.add_argument("--quick", action="store_true", help="a subset that runs in minutes")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--prompt", choices=("auto", "small", "large"), default="auto")
    parser.add_argument("--grammar", choices=("auto", "on", "off"), default="auto")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--helpers",
        type=_names(HELPER_NAMES),
        default=None,
        help="only these REPL helpers, each named in the prompt: " + ",".join(HELPER_NAMES),
    )
    shown.add_argument("--no-helpers", action="store_true", help="no REPL helpers at all")
    parser.add_argument("--examples", type=int, default=None, help="worked examples (0-2)")
    parser.add_argument("--grep-results", type=int, default=None, help="lines grep() shows")
    parser.add_argument("--chunk-chars", type=int, default=None, help="helper chunk size")
    parser.add_argument(
        "--no-plan", action="store_true", help="small models: a grep first turn for every question"
    )
    parser.add_argument("--max-iterations", type=int, default=6)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="per RLM run")
    parser.add_argument("--n-ctx", type=int, default=None, help="the model's window (tokens)")
    parser.add_argument("--out", default=".bench/accuracy", help="folder for JSON, table, plot")


def _helper_choice(args: argparse.Namespace) -> HelperChoice:
    if args.helpers:
        return HelperChoice.only(args.helpers)
    return HelperChoice.none() if args.no_helpers else HelperChoice.usual()


def run(args: argparse.Namespace) -> dict[str, Any]:
    from rlm_desktop.backends import make_backend
    from rlm_desktop.bench import BenchError
    from rlm_desktop.bench.accuracy import report
    from rlm_desktop.bench.accuracy.citing import citation_figures
    from rlm_desktop.bench.accuracy.methods import run_method
    from rlm_desktop.bench.accuracy.tasks import suite
    from rlm_desktop.engine.config import EngineConfig

    tasks = suite(args.quick, set(args.families), args.seeds)
    methods = [m for m in METHODS if m in args.methods]
    if not tasks or not methods:
        raise BenchError(
            "nothing to run: no task for these --families and --seeds "
            f"({','.join(args.families)}; {args.seeds} seeds) or methods ({','.join(args.methods)})"
        )
    options: dict[str, Any] = {"n_ctx": args.n_ctx} if args.n_ctx else {}
    backend = make_backend(args.backend, args.model, **options)
    config = EngineConfig(
        max_iterations=args.max_iterations,
        max_seconds=args.max_seconds,
        prompt_variant=args.prompt,
        grammar=args.grammar,
        helpers=_helper_choice(args),
        examples=args.examples,
        grep_results=args.grep_results,
        chunk_chars=args.chunk_chars,
        plan_first=not args.no_plan,
    )
    started = time.monotonic()
    outcomes = []
    for i, (task, method) in enumerate(((t, m) for t in tasks for m in methods), start=1):
        outcome = run_method(method, task, backend, config)
        outcomes.append(outcome)
        print(
            f"[{i}/{len(tasks) * len(methods)}] {task.family} {task.size} {method}: "
            f"score {outcome.score:.2f} in {outcome.seconds:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    backend.close()
    rows = report.cells(outcomes)
    variant = config.variant_for(backend.info.n_params)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = report.markdown(rows)
    (out / "accuracy.md").write_text(table + "\n", encoding="utf-8")
    plotted = report.plot(rows, out / "accuracy.png", f"RLM vs direct — {backend.info.model}")
    result: dict[str, Any] = {
        "model": backend.info.model,
        "context_window": backend.info.context_window,
        "settings": {
            "prompt": variant,
            "grammar": config.grammar_on(variant),
            "helpers": list(config.helpers.in_repl),
            "helpers_in_prompt": list(config.helpers.named(variant)),
            "examples": config.example_count(),
            "grep_results": config.grep_limit(variant),
            "chunk_chars": config.chunk_size(backend.info.context_window),
            "plan_first": config.plan_first,
            "max_iterations": config.max_iterations,
            "max_seconds": config.max_seconds,
            "quick": args.quick,
        },
        "seconds": round(time.monotonic() - started, 1),
        "results": rows,
        "protocol": report.protocol_figures(outcomes),
        "citations": citation_figures(outcomes),
        "table_markdown": table,
        "plot": str(out / "accuracy.png") if plotted else None,
        "runs": [
            {
                "family": o.task.family,
                "size": o.task.size,
                "seed": o.task.seed,
                "method": o.method,
                "expected": o.task.answer,
                "answer": o.answer[:200],
                "score": o.score,
                "status": o.status,
                "seconds": round(o.seconds, 2),
                "protocol": asdict(o.protocol) if o.protocol else None,
                "answer_verified": o.answer_verified,
                "citations": o.citations,
            }
            for o in outcomes
        ],
    }
    (out / "accuracy.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result
