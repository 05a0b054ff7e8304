"""Export a recorded conversation or run as Markdown, self-contained HTML or our JSON trace."""

from __future__ import annotations

from rlm_desktop.store.export_docs import ExportItem, to_html, to_markdown
from rlm_desktop.store.history import HistoryStore
from rlm_desktop.store.trace_export import trace_lines

FORMATS = ("md", "html", "json")


def export_text(store: HistoryStore, ident: int, fmt: str, run_only: bool = False) -> str:
    """Conversation `ident` (or run `ident` with `run_only`) in `fmt`; KeyError if unknown."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if run_only:
        run = store.run(ident)
        if run is None:
            raise KeyError(ident)
        conversation_id, runs = run.conversation_id, [run]
        title = f"Run {run.id}: {run.question}"
    else:
        record = store.conversation(ident)
        if record is None:
            raise KeyError(ident)
        conversation_id, runs = record.id, record.runs
        title = f"Conversation {record.id}: {record.title or '(untitled)'}"
    documents = store.documents(conversation_id)
    items = [ExportItem(run, store.load_tree(run.id)) for run in runs]
    if fmt == "json":
        lines = [line for i in items for line in trace_lines(i.run, i.tree, documents)]
        return "\n".join(lines) + "\n"
    if fmt == "md":
        return to_markdown(title, items, documents)
    return to_html(title, items, documents)
