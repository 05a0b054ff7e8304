"""`rlm-desktop trace show FILE [--json]`: a trace file's runs, headless (our JSON trace or the
official rlm library's JSONL log), each tree in the shape `ask --json` prints (`tree`: the
first run's; `runs`: all of them). Bad lines and missing fields are said on stderr.
`rlm-desktop trace view FILE`: the same runs in the window, read-only (thread and tree)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("trace", help="read a run's trace (ours or the rlm library's log)")
    verbs = p.add_subparsers(dest="verb", required=True)
    sub = verbs.add_parser("show", help="the imported runs and their trees")
    sub.add_argument("file")
    sub.add_argument("--json", action="store_true")
    view = verbs.add_parser("view", help="open the window on the imported runs, read-only")
    view.add_argument("file")
    view.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from rlm_desktop.store.trace_import import import_trace

    path = Path(args.file)
    if not path.is_file():
        print(f"rlm-desktop trace: no such file: {path}", file=sys.stderr)
        return 1
    if args.verb == "view":
        from rlm_desktop.ui.display import display_problem

        problem = display_problem()
        if problem:
            print(f"rlm-desktop trace: {problem}", file=sys.stderr)
            return 1
        from rlm_desktop.ui.app import run_app

        args.view_trace = str(path)
        return run_app(args)
    trace = import_trace(path)
    for line in trace.messages:
        print(f"rlm-desktop trace: {line}", file=sys.stderr)
    if args.json:
        data = trace.to_json()
        data["tree"] = trace.runs[0].tree.to_dict() if trace.runs else {}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for number, r in enumerate(trace.runs, 1):
            nodes = len(r.tree.nodes)
            print(f"Run {number} [{r.status}], {nodes} steps: {r.question or '(no question)'}")
            print(f"  → {r.answer or '(no answer)'}")
    return 0 if trace.runs else 1
