"""`rlm-desktop bench NAME [--json]`: run one benchmark and print its figures."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

from rlm_desktop.bench import BENCHES


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("bench", help="measure speed and accuracy")
    names = p.add_subparsers(dest="bench", required=True)
    for name, module_name in BENCHES.items():
        sub = names.add_parser(name)
        sub.add_argument("--json", action="store_true", help="print one JSON object")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        module.add_arguments(sub)


def run(args: argparse.Namespace) -> int:
    from rlm_desktop.bench import BenchError
    from rlm_desktop.llm.base import BackendError

    module = importlib.import_module(BENCHES[args.bench])
    try:
        result = module.run(args)
    except (BackendError, BenchError) as exc:  # a bad --model, nothing to run: one line
        print(f"rlm-desktop bench {args.bench}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        width = max((len(k) for k in result), default=0)
        for key, value in result.items():
            shown = f"{value:.4g}" if isinstance(value, float) else json.dumps(value)
            print(f"{key:<{width}}  {shown}")
    return 0
