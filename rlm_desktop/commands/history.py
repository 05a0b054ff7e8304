"""`rlm-desktop history list|show ID|search WORDS|export ID|delete ID`: the recorded
conversations, without a window. `--json` prints records; `--run` takes ID as a run's id."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from rlm_desktop.store.exporting import FORMATS, export_text


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("history", help="the recorded conversations: list, search, export")
    verbs = p.add_subparsers(dest="verb", required=True)
    sub = verbs.add_parser("list", help="conversations, newest first")
    sub.add_argument("--limit", type=int, default=50)
    sub.add_argument("--json", action="store_true")
    sub = verbs.add_parser("show", help="one conversation (or --run: one run, with its tree)")
    sub.add_argument("id", type=int)
    sub.add_argument("--run", action="store_true", help="ID is a run's id")
    sub.add_argument("--json", action="store_true")
    sub = verbs.add_parser("search", help="runs whose question, answer or code has these words")
    sub.add_argument("words", nargs="+")
    sub.add_argument("--limit", type=int, default=50)
    sub.add_argument("--json", action="store_true")
    sub = verbs.add_parser("export", help="a conversation (or --run: one run) as a file")
    sub.add_argument("id", type=int)
    sub.add_argument("--run", action="store_true", help="ID is a run's id")
    sub.add_argument("--format", choices=FORMATS, default="md")
    sub.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
    sub = verbs.add_parser("delete", help="delete a conversation (or --all)")
    sub.add_argument("id", type=int, nargs="?")
    sub.add_argument("--all", action="store_true")


def _fail(message: str) -> int:
    print(f"rlm-desktop history: {message}", file=sys.stderr)
    return 1


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def run(args: argparse.Namespace) -> int:
    from rlm_desktop.store.history import HistoryStore

    with HistoryStore.open() as store:
        if store.notice:
            print(f"rlm-desktop history: {store.notice}", file=sys.stderr)
        return int(VERBS[args.verb](store, args))


def _list(store: Any, args: argparse.Namespace) -> int:
    rows = store.conversations(limit=args.limit)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r.id:>5}  {_when(r.updated)}  {r.runs} q  [{r.status}]  {r.question}")
        if r.answer:
            print(f"{'':>7}→ {r.answer}")
    return 0


def _show(store: Any, args: argparse.Namespace) -> int:
    if args.run:
        record = store.run(args.id)
        if record is None:
            return _fail(f"there is no run {args.id}.")
        data = record.to_json()
        data["tree"] = store.load_tree(args.id).to_dict()
        data["variables"] = [v.__dict__ for v in store.variables(args.id)]
        if args.json:
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            print(export_text(store, args.id, "md", run_only=True), end="")
        return 0
    conversation = store.conversation(args.id)
    if conversation is None:
        return _fail(f"there is no conversation {args.id}.")
    if args.json:
        print(json.dumps(conversation.to_json(), ensure_ascii=False, indent=2))
    else:
        print(export_text(store, args.id, "md"), end="")
    return 0


def _search(store: Any, args: argparse.Namespace) -> int:
    hits = store.search(" ".join(args.words), limit=args.limit)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
        return 0
    for h in hits:
        print(f"conversation {h.conversation_id}, run {h.run_id} ({h.field}): {h.snippet}")
    if not hits:
        print("Nothing found.", file=sys.stderr)
    return 0


def _export(store: Any, args: argparse.Namespace) -> int:
    try:
        text = export_text(store, args.id, args.format, run_only=args.run)
    except KeyError:
        return _fail(f"there is no {'run' if args.run else 'conversation'} {args.id}.")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _delete(store: Any, args: argparse.Namespace) -> int:
    if args.all:
        store.delete_all()
        return 0
    if args.id is None:
        return _fail("give a conversation's id, or --all.")
    if not store.delete_conversation(args.id):
        return _fail(f"there is no conversation {args.id}.")
    return 0


VERBS = {"list": _list, "show": _show, "search": _search, "export": _export, "delete": _delete}
