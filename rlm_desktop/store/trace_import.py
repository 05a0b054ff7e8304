"""Reading traces into run trees, read-only: our JSON trace (`ask --trace`, `history export
--format json`) and the official rlm library's `RLMLogger` JSONL logs.

Never raises for a bad file's content: what can be read is imported, and `messages` says what
was skipped or missing (a line that is not JSON, a log cut short, fields an older logger did
not write). The rlm log's iteration counter restarts at 1 for each completion: a new run
starts wherever it does not go up. A child RLM's iterations (in an `rlm_calls` entry's
`metadata`) hang below its sub-call, to any depth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlm_desktop.engine import events as ev
from rlm_desktop.engine.status import Status
from rlm_desktop.engine.tree import RUNNING, RunTree
from rlm_desktop.store.rlm_log import build_rlm_runs

INTERRUPTED = Status.INTERRUPTED


@dataclass
class ImportedRun:
    question: str
    answer: str
    status: str
    tree: RunTree
    meta: dict[str, Any] = field(default_factory=dict)  # the Result line or the rlm metadata

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "status": self.status,
            "meta": self.meta,
            "tree": self.tree.to_dict(),
        }


@dataclass
class ImportedTrace:
    path: str
    format: str  # "rlm-desktop" | "rlm" | "unknown"
    runs: list[ImportedRun] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "messages": list(self.messages),
            "runs": [r.to_json() for r in self.runs],
        }


def read_lines(path: Path, messages: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSON-lines file, with their line numbers; bad lines noted."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        messages.append(f"cannot read {path}: {exc.strerror or exc}")
        return []
    rows: list[tuple[int, dict[str, Any]]] = []
    bad: list[int] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            bad.append(number)
            continue
        if isinstance(data, dict):
            rows.append((number, data))
        else:
            bad.append(number)
    if bad:
        last = " (the last line: the file was cut short)" if bad == [len(lines)] else ""
        shown = ", ".join(map(str, bad[:10])) + (" …" if len(bad) > 10 else "")
        messages.append(f"skipped {len(bad)} line(s) that are not JSON objects: {shown}{last}")
    return rows


def import_trace(path: str | Path) -> ImportedTrace:
    path = Path(path)
    messages: list[str] = []
    rows = read_lines(path, messages)
    types = {str(data.get("type", "")) for _, data in rows}
    if types & {"metadata", "iteration", "run_context"}:
        trace = ImportedTrace(str(path), "rlm", messages=messages)
        trace.runs = [
            ImportedRun(r.question, r.answer, r.status, r.tree, r.meta)
            for r in build_rlm_runs(rows, messages)
        ]
    elif types & (set(ev.EVENT_TYPES) | {"Result"}):
        trace = ImportedTrace(str(path), "rlm-desktop", messages=messages)
        trace.runs = _our_runs(rows, messages)
    else:
        trace = ImportedTrace(str(path), "unknown", messages=messages)
        if rows or not messages:
            messages.append("no run found: this is neither an rlm-desktop trace nor an rlm log")
    return trace


def _our_runs(rows: list[tuple[int, dict[str, Any]]], messages: list[str]) -> list[ImportedRun]:
    runs: list[ImportedRun] = []
    current: ImportedRun | None = None
    skipped = 0
    for _, data in rows:
        kind = data.get("type")
        if kind == "Result":
            if current is not None:
                current.meta = {k: v for k, v in data.items() if k not in ("type", "tree")}
            continue
        try:
            event = ev.event_from_json(data)
        except (KeyError, TypeError, ValueError):
            skipped += 1
            continue
        if isinstance(event, ev.RunStarted) and event.parent_id is None:
            if current is not None:
                _close(current, messages)
            current = ImportedRun(event.question, "", RUNNING, RunTree())
            runs.append(current)
        if current is None:
            skipped += 1
            continue
        try:
            current.tree.apply(event)
        except (KeyError, AttributeError, TypeError):
            skipped += 1
            continue
        if isinstance(event, ev.RunFinished) and event.parent_id is None:
            current.answer, current.status = event.answer, event.status
    if current is not None:
        _close(current, messages)
    if skipped:
        messages.append(f"skipped {skipped} event(s) that did not fit a run")
    return runs


def _close(run: ImportedRun, messages: list[str]) -> None:
    """A run whose trace ended before its RunFinished: its unfinished nodes are marked."""
    if run.status != RUNNING:
        return
    run.status = INTERRUPTED
    for node in run.tree.nodes.values():
        if node.status == RUNNING:
            node.status = INTERRUPTED
    messages.append(f"the run {run.question[:60]!r} ends before it finished (interrupted)")
