"""The data the rest of the app sees of documents: `Document`, `Context` and `IngestRecord`.

`Context.text` joins the documents with an unmistakable boundary line that carries the file
name. The sandbox worker builds the very same string with `join_documents`, so this module
imports only the standard library.
"""

from __future__ import annotations

import ntpath
import posixpath
from dataclasses import asdict, dataclass, field, replace
from typing import Any

BOUNDARY = "===== DOCUMENT {index} of {count}: {name} ====="


@dataclass
class Document:
    """One readable document: its clean text plus where each page starts in that text."""

    name: str
    text: str
    path: str = ""
    kind: str = "text"
    pages: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)
    """Page numbers (from 1) read by text recognition from a picture: check their wording."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            name=str(data["name"]),
            text=str(data["text"]),
            path=str(data.get("path", "")),
            kind=str(data.get("kind", "text")),
            pages=[int(p) for p in data.get("pages", [])],
            warnings=[str(w) for w in data.get("warnings", [])],
            ocr_pages=[int(p) for p in data.get("ocr_pages", [])],
        )


@dataclass
class IngestRecord:
    """What `rlm-desktop ingest --json` prints for one file found."""

    path: str
    ok: bool
    kind: str = ""
    chars: int = 0
    pages: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    document: Document | None = field(default=None, repr=False)
    ocr_pages: list[int] = field(default_factory=list)
    """Pages read by text recognition (their warning names them in the JSON)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "kind": self.kind,
            "chars": self.chars,
            "pages": self.pages,
            "error": self.error,
            "warnings": list(self.warnings),
        }


def _ocr_note(document: Document) -> str:
    """'; pages 2 and 5 read by OCR: check the wording' for pages recognised from pictures."""
    pages = document.ocr_pages
    if not pages:
        return ""
    if len(document.pages) <= 1 or len(pages) == len(document.pages):
        return "; read by OCR: check the wording"
    listed = ", ".join(str(p) for p in pages[:12]) + (", …" if len(pages) > 12 else "")
    word = "page" if len(pages) == 1 else "pages"
    return f"; {word} {listed} read by OCR: check the wording"


def sandbox_path(document: Document) -> str:
    """A document's name (ingestion names a folder's file by its path inside the dropped
    folder), never an absolute path: a name that is one is cut to its last part."""
    name = document.name or ntpath.basename(document.path) or "document"
    if posixpath.isabs(name) or ntpath.isabs(name):
        name = ntpath.basename(name) or "document"  # ntpath splits on "/" and "\\" alike
    return name


def boundary_line(index: int, count: int, name: str) -> str:
    return BOUNDARY.format(index=index, count=count, name=name)


def join_documents(texts_and_names: list[tuple[str, str]]) -> str:
    """One string with every document, each introduced by its boundary line."""
    count = len(texts_and_names)
    if count == 1:
        return texts_and_names[0][1]
    parts = []
    for i, (name, text) in enumerate(texts_and_names, start=1):
        parts.append(boundary_line(i, count, name) + "\n" + text)
    return "\n\n".join(parts)


@dataclass
class Context:
    """The documents a run works on; the REPL sees them as `context` and `documents`."""

    documents: list[Document] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str, name: str = "context") -> Context:
        return cls([Document(name=name, text=text)])

    @property
    def text(self) -> str:
        return join_documents([(d.name, d.text) for d in self.documents])

    def for_sandbox(self) -> Context:
        """The documents as model code gets them: each `path` is `sandbox_path` (the file name,
        or its path inside the dropped folder); where it lives on this computer, which names
        the user and could travel to a remote model in a prompt, stays on the host."""
        return Context([replace(d, path=sandbox_path(d)) for d in self.documents])

    @property
    def total_chars(self) -> int:
        return sum(len(d.text) for d in self.documents)

    def describe(self, max_listed: int = 20) -> str:
        """A short description of the documents for the system prompt (names, kinds, sizes)."""
        n = len(self.documents)
        if n == 0:
            return "There are no documents: `context` is an empty string."
        lines = [
            f"`context` is one string of {len(self.text):,} characters holding "
            f"{n} document{'s' if n != 1 else ''} ({self.total_chars:,} characters of text)."
        ]
        if n > 1:
            lines.append(
                "Each document starts with a line like "
                f"'{boundary_line(1, n, self.documents[0].name)}'."
            )
        for d in self.documents[:max_listed]:
            pages = f", {len(d.pages)} pages" if d.pages else ""
            lines.append(f"- {d.name} ({d.kind}, {len(d.text):,} chars{pages}{_ocr_note(d)})")
        if n > max_listed:
            lines.append(f"- … and {n - max_listed} more (see `documents`).")
        return "\n".join(lines)
