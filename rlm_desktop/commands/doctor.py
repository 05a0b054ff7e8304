"""`rlm-desktop doctor` (also `rlm-desktop --self-test`): does this install work on this computer?

One line per check (model, sandbox, window, pdf; see rlm_desktop.selfcheck), each run in a
child process; exit 0 when every check passed, 1 otherwise. `--check NAME` runs one check in
this process: what the children run.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rlm_desktop.selfcheck import CHECKS, remember_model_check, run_child, run_in_process


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("doctor", help="check that the app works on this computer")
    p.add_argument("--model", help="the model to check (default: the demo model)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--only", action="append", choices=CHECKS, help="run only these checks")
    p.add_argument("--check", choices=CHECKS, help=argparse.SUPPRESS)  # one check, in-process
    p.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if args.check:
        return run_in_process(args.check, args.model)
    names = args.only or list(CHECKS)
    results = []
    for name in names:
        result = run_child(name, args.model)
        results.append(result)
        if name == "model" and not args.model:
            remember_model_check(result)  # the window then needs no check of its own
        if not args.json:
            mark = "ok  " if result.ok else "FAIL"
            print(f"{mark} {name:8} {result.line}", flush=True)
    ok = all(r.ok for r in results)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [r.to_json() for r in results]}, indent=2))
    return 0 if ok else 1
