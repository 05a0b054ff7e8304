"""What travels between the orchestrator and the readers: `Job`, `Extracted` and `Outcome`."""

from __future__ import annotations

from dataclasses import dataclass, field

from rlm_desktop.documents.model import Document


@dataclass
class Extracted:
    """What a reader returns for a readable file: clean text, page starts and notes."""

    text: str
    pages: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    digest: bytes | None = None
    ocr_pages: list[int] = field(default_factory=list)
    """Page numbers (from 1) whose text came from text recognition."""


@dataclass(frozen=True)
class Job:
    """One file to read: where it is, what it claims to be and whether to hash its bytes."""

    index: int
    path: str
    name: str
    kind: str
    size: int
    want_digest: bool = False


@dataclass
class Outcome:
    """The result of one job: a document or one human sentence saying why there is none."""

    index: int
    kind: str
    document: Document | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    digest: bytes | None = None
