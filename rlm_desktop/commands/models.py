"""`rlm-desktop models list | recommend | download ID_OR_REPO [FILE] | import PATH | remove ID`.

Human output by default, one JSON document with `--json`. Failures print one line on stderr
(`rlm-desktop models: <sentence>`) and exit 1; an interrupted download exits 130 and keeps its
`.part` for the next run to resume. `download` draws a progress bar on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from rlm_desktop.cancel import Cancelled
from rlm_desktop.sizes import human_size

PROG = "rlm-desktop models"


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("models", help="list, recommend, download, import or remove models")
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="installed models and the catalogue with verdicts")
    ls.add_argument("--installed", action="store_true", help="only the installed models")
    rec = sub.add_parser("recommend", help="the best catalogue model for this computer")
    for q in (ls, rec):
        q.add_argument("--context", type=int, metavar="N", help="context size to plan for")
    dl = sub.add_parser("download", help="download a catalogue model or any hub file")
    dl.add_argument("target", metavar="ID_OR_REPO", help="catalogue id, or owner/repo")
    dl.add_argument("file", nargs="?", metavar="FILE", help="file in the repo (a .gguf)")
    dl.add_argument("--endpoint", help="hub address (default: HF_ENDPOINT or huggingface.co)")
    imp = sub.add_parser("import", help="copy a local .gguf into the models folder")
    imp.add_argument("path", metavar="PATH")
    rm = sub.add_parser("remove", help="delete an installed model")
    rm.add_argument("model_id", metavar="ID")
    for q in (ls, rec, dl, imp, rm):
        q.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from rlm_desktop.hub.errors import HubError
    from rlm_desktop.hub.service import HubService

    try:
        service = HubService(
            endpoint=getattr(args, "endpoint", None), n_ctx=getattr(args, "context", None)
        )
        action = _ACTIONS[args.models_command]
        return action(service, args)
    except HubError as exc:
        _fail(str(exc))
        return 1
    except (Cancelled, KeyboardInterrupt):
        print(file=sys.stderr)
        _fail("download stopped; run the same command again to resume it")
        return 130


def _fail(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _list(service: Any, args: argparse.Namespace) -> int:
    installed = service.installed()
    rows = [] if args.installed else service.rows()
    if args.json:
        out: dict[str, object] = {
            "models_dir": str(service.models_path),
            "installed": [m.to_json() for m in installed],
        }
        if not args.installed:
            out["catalog"] = [_row_json(r) for r in rows]
            out["hardware"] = service.hardware.to_json()
        _print_json(out)
        return 0
    print(f"Installed ({service.models_path}):")
    for m in installed:
        print(f"  {m.id:28} {human_size(m.size_bytes):>9}  {m.source:10} {m.path}")
    if not installed:
        print("  (none)")
    if rows:
        print("\nCatalogue (verdicts for this computer):")
        for r in rows:
            mark = "installed" if r.installed else ("paused" if r.partial_bytes else "")
            print(
                f"  {r.entry.id:28} {human_size(r.entry.size_bytes):>9}  "
                f"{r.assessment.verdict:14} {mark:9} {r.entry.good_for}"
            )
    return 0


def _row_json(row: Any) -> dict[str, object]:
    out = row.assessment.to_json()
    out.update(
        repo=row.entry.repo,
        files=list(row.entry.files),
        license=row.entry.license,
        quantization=row.entry.quantization,
        good_for=row.entry.good_for,
        installed=row.installed is not None,
        partial_bytes=row.partial_bytes,
    )
    return out


def _recommend(service: Any, args: argparse.Namespace) -> int:
    best = service.recommend()
    if best is None:
        raise _hub_error("no catalogue model fits this computer's memory")
    if args.json:
        _print_json({"recommended": best.to_json(), "hardware": service.hardware.to_json()})
        return 0
    print(f"{best.entry.id}: {best.entry.name} — {best.reason}.")
    print(f"  {best.entry.good_for}")
    if not any(m.catalog_id == best.entry.id for m in service.installed()):
        print(f"  Download it with: rlm-desktop models download {best.entry.id}")
    return 0


def _download(service: Any, args: argparse.Namespace) -> int:
    bar = None if args.json else ProgressBar(sys.stderr)
    path = service.download(args.target, args.file, on_progress=bar)
    if bar:
        bar.finish()
    if args.json:
        _print_json({"path": str(path), "ok": True})
    else:
        print(f"Downloaded and verified: {path}")
    return 0


def _import(service: Any, args: argparse.Namespace) -> int:
    model = service.import_file(Path(args.path))
    if args.json:
        _print_json(model.to_json())
    else:
        print(f"Imported {model.id}: {model.path}")
    return 0


def _remove(service: Any, args: argparse.Namespace) -> int:
    model = service.remove(args.model_id)
    if args.json:
        _print_json({"removed": model.to_json()})
    else:
        print(f"Removed {model.id} ({human_size(model.size_bytes)} freed)")
    return 0


def _hub_error(message: str) -> Exception:
    from rlm_desktop.hub.errors import HubError

    return HubError(message)


_ACTIONS = {
    "list": _list,
    "recommend": _recommend,
    "download": _download,
    "import": _import,
    "remove": _remove,
}


class ProgressBar:
    """`[#####.....]  45%  44.1 MB/98.4 MB  12.3 MB/s  0:05 left` on a terminal (redrawn in
    place); on a pipe, one line every 10% so logs stay short."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last_decile = -1
        self.started = time.monotonic()

    def __call__(self, p: Any) -> None:
        frac = p.fraction
        filled = int(frac * self.WIDTH)
        eta = "" if p.eta is None else f"  {int(p.eta) // 60}:{int(p.eta) % 60:02d} left"
        shard = f" [{p.file_index + 1}/{p.file_count}]" if p.file_count > 1 else ""
        sizes = f"{human_size(p.downloaded)}/{human_size(p.total)}  {human_size(p.speed)}/s"
        bar = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}]"
        text = f"{bar} {frac * 100:5.1f}%  {sizes}{eta}  {p.phase}{shard}"
        if self.tty:
            self.stream.write("\r" + text + "\033[K")
            self.stream.flush()
        elif int(frac * 10) != self.last_decile:
            self.last_decile = int(frac * 10)
            print(text, file=self.stream, flush=True)

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m rlm_desktop.commands.models ...`: the same as `rlm-desktop models ...`."""
    parser = argparse.ArgumentParser(prog="rlm-desktop")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["models", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
