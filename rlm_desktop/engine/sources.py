"""The run's sources: provenance filled into events as they pass (host side), and the answer
checked against the documents at the end (`verify.citations`)."""

from __future__ import annotations

from rlm_desktop.documents.model import Context
from rlm_desktop.engine import events as ev
from rlm_desktop.engine.tree import RunTree
from rlm_desktop.verify.citations import AnswerCheck, Checker, cited_quotes, final_quotes
from rlm_desktop.verify.provenance import ProvenanceIndex, SourceSpan


class RunSources:
    """One run's provenance and answer check."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.index = ProvenanceIndex(context)

    def fill(self, event: ev.Event) -> None:
        """Put the document spans an output or a sub-call prompt holds on its event."""
        if isinstance(event, ev.CellFinished) and event.output and not event.sources:
            event.sources = [s.to_json() for s in self.index.passages(event.output)]
        elif isinstance(event, ev.SubcallStarted) and event.prompt and not event.sources:
            event.sources = [s.to_json() for s in self.index.passages(event.prompt)]

    def check(self, answer: str, tree: RunTree, question: str = "") -> AnswerCheck:
        """The answer's citations: those the model named (cite(), "Source:" lines), verified,
        then the passages the run read that hold its key facts; the question says whether
        the answer must give a figure."""
        outputs = [n.output for n in tree.walk() if n.kind == "cell" and n.output]
        quotes = [(q, "cite") for q in cited_quotes(outputs)]
        quotes += [(q, "final") for q in final_quotes(answer)]
        read = [
            SourceSpan.from_json(s)
            for n in tree.walk()
            if n.kind in ("cell", "subcall")
            for s in n.sources
        ]
        return Checker(list(self.context.documents)).check(answer, quotes, read, question)
