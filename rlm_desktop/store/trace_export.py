"""A recorded run as our JSON trace (`engine/trace.py`): the events that rebuild its tree, one
JSON object a line, then a `Result` line. A conversation's trace is its runs one after the
other; reading it back (`store/trace_import.py`) gives the same trees.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from rlm_desktop.engine import events as ev
from rlm_desktop.engine.status import Status
from rlm_desktop.engine.tree import BUDGET, DONE, ERROR, RunTree, TreeNode, _first_line
from rlm_desktop.store.records import DocumentRecord, RunRecord

_NUMBERED = re.compile(r"^(?:Turn|Code) (\d+)")
FINISHED = (DONE, ERROR, BUDGET)


def run_events(
    run: RunRecord, tree: RunTree, documents: list[DocumentRecord] | None = None
) -> list[ev.Event]:
    """The events that rebuild `tree` (nodes that never finished get no finishing event)."""
    root = tree.root
    if root is None:
        return []
    docs = documents or []
    out: list[ev.Event] = [
        ev.RunStarted(
            root.id,
            None,
            question=run.question,
            depth=root.depth,
            documents=len(docs),
            context_chars=sum(d.chars for d in docs),
            backend=run.backend,
            model=run.model,
            t=root.started or run.started,
        )
    ]
    for child in root.children:
        out.extend(_node_events(tree, tree.nodes[child]))
    if run.status in ("ok", "budget"):
        out.append(ev.FinalAnswer(root.id, None, answer=run.answer, status=Status(run.status)))
    elif run.status == "error":
        out.append(ev.RunFailed(root.id, None, error=run.error or root.error or ""))
    elif run.status == "cancelled":
        out.append(ev.RunCancelled(root.id, None))
    if run.status in ("ok", "budget", "error", "cancelled"):
        out.append(
            ev.RunFinished(
                root.id,
                None,
                status=Status(run.status),
                answer=run.answer,
                iterations=run.iterations,
                subcalls=run.subcalls,
                prompt_tokens=run.prompt_tokens,
                completion_tokens=run.completion_tokens,
                seconds=run.seconds,
                citations=list(run.citations),
                answer_verified=run.answer_verified,
                answer_note=run.answer_note,
                t=(root.started or run.started) + run.seconds,
            )
        )
    return out


def _number(label: str, fallback: int) -> int:
    m = _NUMBERED.match(label)
    return int(m.group(1)) - 1 if m else fallback


def _subcall_label(node: TreeNode) -> str:
    """The `label` a SubcallStarted had (the document it reads), from the node's label."""
    suffix = f": {_first_line(node.text)}"
    if node.label.startswith(node.subcall_kind) and node.label.endswith(suffix):
        middle = node.label[len(node.subcall_kind) : len(node.label) - len(suffix)]
        if middle.startswith(" (") and middle.endswith(")"):
            return middle[2:-1]
    return ""


def _node_events(tree: RunTree, node: TreeNode, position: int = 0) -> Iterator[ev.Event]:
    done = node.status in FINISHED
    end = node.started + node.seconds
    children = [tree.nodes[c] for c in node.children]
    if node.kind == "iteration":
        index = _number(node.label, position)
        yield ev.IterationStarted(
            node.id, node.parent_id, index=index, depth=node.depth, t=node.started
        )
        yield from _children(tree, children)
        if done:
            yield ev.IterationFinished(
                node.id,
                node.parent_id,
                text=node.text,
                prompt_tokens=node.prompt_tokens,
                completion_tokens=node.completion_tokens,
                seconds=node.seconds,
                note=node.note,
                t=end,
            )
    elif node.kind == "cell":
        index = _number(node.label, position)
        yield ev.CellStarted(node.id, node.parent_id, code=node.code, index=index, t=node.started)
        yield from _children(tree, children)
        if done:
            yield ev.CellFinished(
                node.id,
                node.parent_id,
                output=node.output,
                error=node.error,
                seconds=node.seconds,
                final=node.answer,
                sources=list(node.sources),
                t=end,
            )
    elif node.kind == "subcall":
        yield ev.SubcallStarted(
            node.id,
            node.parent_id,
            kind=node.subcall_kind or "llm_query",
            prompt=node.text,
            depth=node.depth,
            label=_subcall_label(node),
            sources=list(node.sources),
            t=node.started,
        )
        yield from _children(tree, children)
        if done:
            yield ev.SubcallFinished(
                node.id,
                node.parent_id,
                result=node.answer or "",
                error=node.error,
                status=Status.BUDGET if node.status == BUDGET else Status.DONE,
                note=node.note,
                prompt_tokens=node.prompt_tokens,
                completion_tokens=node.completion_tokens,
                seconds=node.seconds,
                t=end,
            )


def _children(tree: RunTree, children: list[TreeNode]) -> Iterator[ev.Event]:
    for i, child in enumerate(children):
        yield from _node_events(tree, child, i)


def trace_lines(run: RunRecord, tree: RunTree, documents: list[DocumentRecord]) -> list[str]:
    """One run's trace: its events and its `Result` line (the `ask --json` object)."""
    lines = [json.dumps(e.to_json(), ensure_ascii=False) for e in run_events(run, tree, documents)]
    result: dict[str, Any] = {
        "type": "Result",
        "answer": run.answer,
        "status": run.status,
        "error": run.error,
        "iterations": run.iterations,
        "subcalls": run.subcalls,
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "seconds": round(run.seconds, 3),
        "conversation": run.conversation_id,
        "run": run.id,
        "tree": tree.to_dict(),
    }
    lines.append(json.dumps(result, ensure_ascii=False))
    return lines
