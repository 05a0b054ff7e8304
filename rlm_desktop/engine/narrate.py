"""Plain-language progress lines from engine events, for the window's progress line and the
CLI's `--verbose` ("Turn 2: running the model's code…", "Reading report.pdf with a helper
question, 3 of 12…").
"""

from __future__ import annotations

from rlm_desktop.engine import events as ev
from rlm_desktop.engine.status import Status
from rlm_desktop.engine.tree import RunTree, TreeNode
from rlm_desktop.verify.citations import verdict

# What a cell is doing, in words, from the helpers its code calls (first match wins).
_CODE_HINTS = (
    ("rlm_query", "handing part of the documents to a helper run"),
    ("recursive_llm", "handing part of the documents to a helper run"),
    ("ask_each_document", "asking a helper question about each document"),
    ("map_query", "asking a helper question about each part of the documents"),
    ("llm_query_batched", "asking helper questions"),
    ("llm_query", "asking the model a helper question"),
    ("grep(", "searching the documents"),
    ("chunks(", "splitting the documents into parts"),
    ("FINAL", "writing down the answer"),
    ("documents[", "reading a document"),
    ("context", "reading the documents"),
)


def _who(depth: int) -> str:
    return "" if depth == 0 else f" (helper run, level {depth})"


def _doing(code: str) -> str:
    return next((words for needle, words in _CODE_HINTS if needle in code), "")


def narrate(event: ev.Event, tree: RunTree) -> str | None:
    """One short sentence for a step a user would care about, or None."""
    node = tree.nodes.get(event.node_id)
    depth = node.depth if node is not None else 0
    if isinstance(event, ev.RunStarted):
        docs = f"{event.documents} document{'s' if event.documents != 1 else ''}"
        return f"Starting: {docs}, {event.context_chars:,} characters."
    if isinstance(event, ev.IterationStarted):
        return f"Step {event.index + 1}: the model is thinking{_who(depth)}…"
    if isinstance(event, ev.CellStarted):
        doing = _doing(event.code)
        if doing:
            return f"Running the model's code{_who(depth)}: {doing}…"
        return f"Running the model's code{_who(depth)}…"
    if isinstance(event, ev.SubcallStarted):
        who = _who(event.depth - 1)
        if event.kind == "rlm_query":
            parent = tree.nodes.get(event.parent_id or "")
            children = parent.children if parent else []
            runs = sum(1 for c in children if tree.nodes[c].subcall_kind == "rlm_query")
            count = f" {runs}" if runs > 1 else ""
            return f"Starting helper run{count} on a part of the documents{who}…"
        of = f", {event.batch_index + 1} of {event.batch_size}" if event.batch_size > 1 else ""
        if event.label:
            return f"Reading {event.label} with a helper question{of}{who}…"
        if event.batch_size > 1:
            return f"Asking the model helper questions{of}{who}…"
        return f"Asking the model a helper question{who}…"
    if isinstance(event, ev.SubcallFinished) and event.note and node is not None:
        return _batch_note(event.note, node, tree)
    if isinstance(event, ev.CellFinished) and event.error:
        return f"The code stopped with an error: {event.error}"
    if isinstance(event, ev.FinalAnswer) and depth == 0 and node and node.kind == "run":
        if event.status is Status.OK:
            return "Answer written: checking it against your documents…"
        return "Out of budget: best answer so far."
    if isinstance(event, ev.RunFinished) and event.parent_id is None and event.status == Status.OK:
        # "found" only with a verified source that supports it
        return verdict(event.answer, event.answer_verified) + "."
    if isinstance(event, ev.RunFailed):
        return f"The run failed: {event.error}"
    if isinstance(event, ev.RunCancelled):
        return "Stopped."
    return None


def _batch_note(note: str, node: TreeNode, tree: RunTree) -> str | None:
    """How a batch of helper questions ran, once per batch (its calls share the note)."""
    parent = tree.nodes.get(node.parent_id or "")
    if node.subcall_kind != "llm_query" or parent is None:
        return None
    alike = sum(1 for c in parent.children if tree.nodes[c].note == note)
    return f"Helper questions: {note}." if alike == 1 else None  # the first to finish
