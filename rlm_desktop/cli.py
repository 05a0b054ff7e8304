"""The `rlm-desktop` command: the window by default, or a sub-command (ask, ingest, models,
bench). Parsing lives here; each sub-command's work lives in `rlm_desktop.commands.<name>`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from rlm_desktop import __version__
from rlm_desktop.backends import BACKENDS_HELP
from rlm_desktop.commands import COMMANDS


def _window_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rlm-desktop",
        description="Ask questions about your documents with a local model. "
        f"Sub-commands: {', '.join(COMMANDS)} (see rlm-desktop COMMAND --help).",
    )
    parser.add_argument("files", nargs="*", help="documents or folders to open")
    parser.add_argument(
        "--model", help="a .gguf file or a catalogue id (with openai:URL, the server's model name)"
    )
    parser.add_argument("--backend", help=BACKENDS_HELP)
    parser.add_argument("--ask", metavar="QUESTION", help="start a run with this question")
    parser.add_argument("--version", action="version", version=f"rlm-desktop {__version__}")
    # bench startup: print "ready" once the window is shown and the event loop ran, then quit
    parser.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)
    return parser


def _command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rlm-desktop")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        module_name = f"rlm_desktop.commands.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a command still being built
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "--self-test":  # the packaged app's self-check
        args_list = ["doctor", *args_list[1:]]
    if args_list and args_list[0] in COMMANDS:
        args = _command_parser().parse_args(args_list)
        module = importlib.import_module(f"rlm_desktop.commands.{args.command}")
        try:
            return int(module.run(args))
        except KeyboardInterrupt:
            print("Interrupted.", file=sys.stderr)
            return 130
        except BrokenPipeError:  # `rlm-desktop ask … | head`: the reader left; not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    args = _window_parser().parse_args(args_list)
    from rlm_desktop.ui.display import display_problem

    problem = display_problem()
    if problem:
        print(f"rlm-desktop: {problem}", file=sys.stderr)
        return 1
    from rlm_desktop.ui.app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
