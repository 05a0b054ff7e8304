"""`rlm-desktop ask QUESTION --doc PATH ...`: a headless run that prints the answer (or JSON).

Exit code 0 when the run finished (status ok, budget or cancelled: Ctrl+C stops a run
cooperatively); 1 with a one-line reason on stderr when it could not run or failed (bad model,
no readable documents, a backend error). What it prints came from model code and documents: it
is made safe first (`safetext`: no lone surrogates; without --json, no terminal escape or
control sequences), and printing never fails on an encoding.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator
from typing import Any

from rlm_desktop.backends import BACKENDS_HELP, make_backend
from rlm_desktop.cancel import CancelToken
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.events import Event
from rlm_desktop.engine.narrate import narrate
from rlm_desktop.engine.status import Status
from rlm_desktop.engine.trace import TraceWriter
from rlm_desktop.engine.tree import RunTree
from rlm_desktop.llm.base import BackendError
from rlm_desktop.safetext import replace_surrogates, terminal_safe
from rlm_desktop.store.settings import MIN_CONTEXT_TOKENS, load_settings
from rlm_desktop.verify.citations import sources_text


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("ask", help="answer a question about documents, without a window")
    p.add_argument("question")
    p.add_argument("--doc", action="append", default=[], metavar="PATH", help="file or folder")
    p.add_argument(
        "--model", help="a .gguf file or a catalogue id (with openai:URL, the server's model name)"
    )
    p.add_argument("--backend", help=BACKENDS_HELP)
    p.add_argument("--max-depth", type=int, default=2)
    p.add_argument("--max-iterations", type=int, default=20)
    p.add_argument("--max-seconds", type=float, default=None, help="wall-time budget")
    p.add_argument("--max-tokens", type=int, default=None, help="total token budget")
    p.add_argument("--cell-timeout", type=float, default=60.0, help="seconds per code cell")
    p.add_argument(
        "--n-ctx",
        type=int,
        default=None,
        metavar="TOKENS",
        help="the model's context window (default: chosen from the model and free memory)",
    )
    p.add_argument(
        "--parallel",
        type=int,
        default=None,
        metavar="N",
        help="batched sub-calls at once (llama: decoded together, default 8 for Q4_K and Q8_0 "
        "models or with a GPU, else 1; openai:URL: requests in flight, default 4; 1: one at a "
        "time)",
    )
    p.add_argument("--grammar", choices=("auto", "on", "off"), default="auto")
    p.add_argument("--prompt", choices=("auto", "small", "large"), default="auto")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--trace", metavar="FILE", help="write every event as JSON lines")
    p.add_argument("--verbose", "-v", action="store_true", help="progress on stderr")
    p.add_argument(
        "--continue",
        dest="continue_id",
        type=int,
        metavar="CONVERSATION_ID",
        help="a follow-up question in a recorded conversation (its documents, plus any --doc)",
    )
    p.add_argument(
        "--no-history", action="store_true", help="do not record this run in the history"
    )


@contextlib.contextmanager
def _ctrl_c_cancels(cancel: CancelToken) -> Iterator[None]:
    """The first Ctrl+C stops the run cooperatively (it ends "cancelled", with what it did);
    a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum: int, frame: object) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        print("rlm-desktop ask: stopping (Ctrl+C again to quit at once)…", file=sys.stderr)
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _fail(message: str) -> int:
    _print(f"rlm-desktop ask: {terminal_safe(message)}", sys.stderr)
    return 1


def _print(text: str, stream: Any) -> None:
    """Print `text` whatever the stream's encoding: what it cannot encode is replaced."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    text = replace_surrogates(text).encode(encoding, "replace").decode(encoding)
    print(text, file=stream, flush=True)


def load_documents(paths: list[str]) -> tuple[Any, list[str]]:
    """The context for the given paths and one warning line per file that could not be read."""
    from rlm_desktop.documents.ingest import context_from_records, ingest_paths

    records = ingest_paths(paths)
    problems = [f"skipped {r.path}: {r.error}" for r in records if not r.ok]
    return context_from_records(records), problems


def run(args: argparse.Namespace) -> int:
    config = EngineConfig(
        max_iterations=args.max_iterations,
        max_depth=args.max_depth,
        max_seconds=args.max_seconds,
        max_total_tokens=args.max_tokens,
        cell_timeout=args.cell_timeout,
        grammar=args.grammar,
        prompt_variant=args.prompt,
    )
    continuing = getattr(args, "continue_id", None)
    if not args.doc and continuing is None:
        return _fail("give at least one document with --doc PATH.")
    if args.n_ctx is not None and args.n_ctx < MIN_CONTEXT_TOKENS:
        return _fail(f"--n-ctx must be at least {MIN_CONTEXT_TOKENS} tokens.")
    if args.parallel is not None and args.parallel < 1:
        return _fail("--parallel must be at least 1.")
    store = open_history(getattr(args, "no_history", False))
    if continuing is not None and store is None:
        return _fail("--continue needs the history (it is off).")
    if continuing is not None and store.conversation(continuing) is None:
        return _fail(f"there is no conversation {continuing} in the history.")
    context, problems = load_documents(args.doc) if args.doc else (None, [])
    for line in problems:
        print(f"rlm-desktop ask: {line}", file=sys.stderr)
    if context is not None and not context.documents:
        return _fail("none of the documents could be read.")
    try:
        options: dict[str, object] = {"n_ctx": args.n_ctx} if args.n_ctx else {}
        if args.parallel:
            options["parallel"] = args.parallel
        backend = make_backend(args.backend, args.model, **options)
    except BackendError as exc:
        return _fail(str(exc))
    chat = start_chat(backend, config, context, store, continuing, args.question)
    if chat is None:
        backend.close()
        return _fail("none of the conversation's documents could be read.")
    tree = RunTree()
    sinks: list[Any] = []
    if args.verbose:

        def progress(event: Event) -> None:
            tree.apply(event)
            line = narrate(event, tree)
            if line:
                _print(terminal_safe(line), sys.stderr)

        sinks.append(progress)
    trace = TraceWriter(args.trace) if args.trace else None
    if trace is not None:
        sinks.append(trace)

    def on_event(event: Event) -> None:
        for sink in sinks:
            sink(event)

    cancel = CancelToken()
    try:
        with _ctrl_c_cancels(cancel):
            asked = chat.ask(args.question, on_event, cancel)
    finally:
        chat.close()
        backend.close()
        if store is not None:
            store.close()
    result = asked.result
    data = result.to_json()
    data["conversation"], data["run"] = asked.conversation_id, asked.run_id
    if asked.problem:
        print(f"rlm-desktop ask: the history stopped recording: {asked.problem}", file=sys.stderr)
    if trace is not None:
        trace.write_result(data)
        trace.close()
    if args.json:
        _print(json.dumps(data, ensure_ascii=False, indent=2), sys.stdout)
    else:
        _print(terminal_safe(result.answer), sys.stdout)
        sources = sources_text(result.citations, result.answer_note)
        if sources:  # quotes come from documents: made safe like the answer
            _print("\n" + terminal_safe(sources), sys.stdout)
    if result.status == Status.ERROR:
        return _fail(result.error or "the run failed.")
    return 0


def open_history(off: bool) -> Any:
    """The history store, or None when it is off (`--no-history` or the setting) or cannot
    be opened (said on stderr: the run goes on unrecorded)."""
    if off or not load_settings().history:
        return None
    from rlm_desktop.store.history import HistoryStore

    try:
        store = HistoryStore.open()
    except (OSError, sqlite3.Error) as exc:
        print(
            f"rlm-desktop ask: the history cannot be opened ({exc}); not recording.",
            file=sys.stderr,
        )
        return None
    if store.notice:
        print(f"rlm-desktop ask: {store.notice}", file=sys.stderr)
    return store


def start_chat(
    backend: Any, config: EngineConfig, context: Any, store: Any, continuing: int | None, title: str
) -> Any:
    """A new conversation, or the recorded one `continuing` with `context` added (None when
    none of its documents can be read)."""
    from rlm_desktop.store.chat import Chat

    if continuing is None:
        return Chat.start(backend, config, context, store, title)
    resumed = Chat.resume(store, continuing, backend, config, load_documents)
    for line in resumed.warnings:
        print(f"rlm-desktop ask: {line}", file=sys.stderr)
    chat = resumed.chat
    if context is not None:
        chat.add_documents(context.documents)
    if not chat.session.context.documents:
        chat.close()
        return None
    return chat
