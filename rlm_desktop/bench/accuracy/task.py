"""One task of the accuracy suite: documents, a question, the right answer and how to score."""

from __future__ import annotations

from dataclasses import dataclass

from rlm_desktop.documents.model import Document


@dataclass
class Task:
    family: str  # one of tasks.FAMILIES
    size: str  # a label for the x axis: "8k", "32k", … or "20 docs"
    chars: int  # total characters of the documents
    question: str
    answer: str
    documents: list[Document]
    scoring: str = "exact"  # "exact" | "count" | "ratio" | "choice" (one of `choices` named)
    seed: int = 0
    choices: tuple[str, ...] = ()
    gold: str = ""  # the passage that holds the answer (needle, lookup), for citation recall
