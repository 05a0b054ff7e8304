"""What the history hands out: plain records of conversations, runs, documents, search hits
and saved REPL variables, each with `to_json` for the CLI's `--json`."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PREVIEW_CHARS = 160


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass
class RunRecord:
    id: int
    conversation_id: int
    position: int
    question: str
    backend: str = ""
    model: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    answer: str = ""
    status: str = "running"
    error: str | None = None
    started: float = 0.0
    finished: float | None = None
    seconds: float = 0.0
    iterations: int = 0
    subcalls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    citations: list[dict[str, Any]] = field(default_factory=list)  # Citation.to_json()
    answer_verified: bool = False
    answer_note: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RunRecord:
        try:
            settings = json.loads(row["settings"] or "{}")
        except ValueError:
            settings = {}
        return cls(
            id=row["id"],
            conversation_id=row["conversation_id"],
            position=row["position"],
            question=row["question"],
            backend=row["backend"],
            model=row["model"],
            settings=settings if isinstance(settings, dict) else {},
            answer=row["answer"],
            status=row["status"],
            error=row["error"],
            started=row["started"],
            finished=row["finished"],
            seconds=row["seconds"],
            iterations=row["iterations"],
            subcalls=row["subcalls"],
            prompt_tokens=row["prompt_tokens"],
            completion_tokens=row["completion_tokens"],
            citations=_citations(row["citations"]),
            answer_verified=bool(row["answer_verified"]),
            answer_note=row["answer_note"],
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DocumentRecord:
    """A document a conversation read: where it was and what it was, never its text."""

    name: str
    path: str = ""
    kind: str = ""
    size: int | None = None
    mtime: float | None = None
    sha256: str | None = None
    chars: int = 0
    run_id: int | None = None  # the first run that had it (None: there from the start)
    added: float = 0.0

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> DocumentRecord:
        return cls(
            name=row["name"],
            path=row["path"],
            kind=row["kind"],
            size=row["size"],
            mtime=row["mtime"],
            sha256=row["sha256"],
            chars=row["chars"],
            run_id=row["run_id"],
            added=row["added"],
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def changed(self) -> str | None:
        """Why the file on disk is no longer this document ("gone", "changed"), or None."""
        if not self.path:
            return None
        path = Path(self.path)
        if not path.is_file():
            return "gone"
        if self.sha256 and file_sha256(path) != self.sha256:
            return "changed"
        return None


@dataclass
class ConversationSummary:
    id: int
    title: str
    created: float
    updated: float
    runs: int
    question: str  # the first question, shortened
    answer: str  # the last answer, shortened
    status: str  # the last run's status

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConversationRecord:
    id: int
    title: str
    created: float
    updated: float
    runs: list[RunRecord] = field(default_factory=list)
    documents: list[DocumentRecord] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "created": self.created,
            "updated": self.updated,
            "runs": [r.to_json() for r in self.runs],
            "documents": [d.to_json() for d in self.documents],
        }


@dataclass
class SearchHit:
    run_id: int
    conversation_id: int
    question: str
    field: str  # "question" | "answer" | "code"
    snippet: str
    node_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_file(
    name: str, path: str, kind: str = "", chars: int = 0, run_id: int | None = None
) -> DocumentRecord:
    """A document record for a file on disk (size, mtime, sha256), or a bare one."""
    record = DocumentRecord(name=name, path=path, kind=kind, chars=chars, run_id=run_id)
    record.added = time.time()
    if path:
        try:
            stat = os.stat(path)
            record.size, record.mtime = stat.st_size, stat.st_mtime
            record.sha256 = file_sha256(path)
        except OSError:
            pass
    return record


def json_list(text: str | None) -> list[Any]:
    """A JSON list kept in a column ('' or damaged: an empty list)."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _citations(text: str | None) -> list[dict[str, Any]]:
    return [c for c in json_list(text) if isinstance(c, dict)]
