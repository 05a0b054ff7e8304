"""`RunTree`: the recursion tree rebuilt from the event stream (run → iterations → cells →
sub-calls → their iterations …), with status, tokens and time per node.

Qt-free; the window's tree model and the `--json` output both read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rlm_desktop.engine import events as ev
from rlm_desktop.engine.status import Status

# The node words by their old names, for ui/ until it imports `Status` itself.
RUNNING, DONE, ERROR = Status.RUNNING, Status.DONE, Status.ERROR
CANCELLED, BUDGET = Status.CANCELLED, Status.BUDGET


@dataclass
class TreeNode:
    id: str
    parent_id: str | None
    kind: str  # "run" | "iteration" | "cell" | "subcall"
    label: str
    depth: int = 0
    status: Status = Status.RUNNING
    children: list[str] = field(default_factory=list)
    text: str = ""  # model turn (streamed), or the sub-call's prompt
    code: str = ""
    output: str = ""
    error: str | None = None
    answer: str | None = None  # a run's / child RLM's final answer, or a leaf's reply
    subcall_kind: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    started: float = 0.0
    note: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)  # document spans it saw

    def to_dict(self, tree: RunTree) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "status": self.status,
            "depth": self.depth,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 4),
        }
        if self.kind == "subcall":
            data["subcall_kind"] = self.subcall_kind
        for key in ("code", "output", "error", "answer", "note"):
            value = getattr(self, key)
            if value:
                data[key] = value
        if self.kind == "iteration":
            data["text"] = self.text
        if self.sources:
            data["sources"] = list(self.sources)
        data["children"] = [tree.nodes[c].to_dict(tree) for c in self.children]
        return data


class RunTree:
    def __init__(self) -> None:
        self.nodes: dict[str, TreeNode] = {}
        self.root_id: str | None = None
        self.closed: set[str] = set()  # nodes a stop or failure closed (read and cleared by views)

    @property
    def root(self) -> TreeNode | None:
        return self.nodes.get(self.root_id) if self.root_id else None

    def _add(self, node: TreeNode) -> TreeNode:
        self.nodes[node.id] = node
        parent = self.nodes.get(node.parent_id) if node.parent_id else None
        if parent is not None:
            parent.children.append(node.id)
            node.depth = node.depth or parent.depth
        elif self.root_id is None:
            self.root_id = node.id
        return node

    def apply(self, event: ev.Event) -> TreeNode | None:
        """Update the tree with one event; returns the node it changed (None if none)."""
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        return handler(event) if handler else None

    def _on_RunStarted(self, e: ev.RunStarted) -> TreeNode:
        label = f"Question: {e.question}"
        return self._add(TreeNode(e.node_id, e.parent_id, "run", label, depth=e.depth, started=e.t))

    def _on_IterationStarted(self, e: ev.IterationStarted) -> TreeNode:
        label = f"Turn {e.index + 1}"
        node = TreeNode(e.node_id, e.parent_id, "iteration", label, depth=e.depth, started=e.t)
        return self._add(node)

    def _on_TokenStreamed(self, e: ev.TokenStreamed) -> TreeNode | None:
        node = self.nodes.get(e.node_id)
        if node is not None:
            if node.kind == "subcall":
                node.answer = (node.answer or "") + e.text
            else:
                node.text += e.text
        return node

    def _on_IterationFinished(self, e: ev.IterationFinished) -> TreeNode:
        node = self.nodes[e.node_id]
        node.text = e.text
        node.prompt_tokens, node.completion_tokens = e.prompt_tokens, e.completion_tokens
        node.seconds = e.t - node.started
        node.note = e.note
        node.status = Status.DONE
        return node

    def _on_CellStarted(self, e: ev.CellStarted) -> TreeNode:
        label = f"Code {e.index + 1}: {_first_line(e.code)}"
        return self._add(TreeNode(e.node_id, e.parent_id, "cell", label, code=e.code, started=e.t))

    def _on_CellFinished(self, e: ev.CellFinished) -> TreeNode:
        node = self.nodes[e.node_id]
        node.output, node.error, node.seconds = e.output, e.error, e.seconds
        node.answer = e.final
        node.sources = list(e.sources)
        node.status = Status.ERROR if e.error else Status.DONE
        return node

    def _on_SubcallStarted(self, e: ev.SubcallStarted) -> TreeNode:
        about = f" ({e.label})" if e.label else ""  # the document a helper question reads
        label = f"{e.kind}{about}: {_first_line(e.prompt)}"
        node = TreeNode(e.node_id, e.parent_id, "subcall", label, depth=e.depth, started=e.t)
        node.text, node.subcall_kind = e.prompt, e.kind
        node.sources = list(e.sources)
        return self._add(node)

    def _on_SubcallFinished(self, e: ev.SubcallFinished) -> TreeNode:
        node = self.nodes[e.node_id]
        node.answer, node.error, node.note = e.result, e.error, e.note
        node.prompt_tokens, node.completion_tokens = e.prompt_tokens, e.completion_tokens
        node.seconds = e.t - node.started
        budget = e.status is Status.BUDGET
        node.status = Status.ERROR if e.error else (Status.BUDGET if budget else Status.DONE)
        return node

    def _on_FinalAnswer(self, e: ev.FinalAnswer) -> TreeNode | None:
        node = self.nodes.get(e.node_id)
        if node is not None:
            node.answer = e.answer
            if node.kind == "run":
                node.status = e.status.node_for()
        return node

    def _on_RunFailed(self, e: ev.RunFailed) -> TreeNode | None:
        node = self.nodes.get(e.node_id)
        if node is not None:
            node.error = e.error
        self._close_running(Status.ERROR, e.t)
        return node

    def _on_RunCancelled(self, e: ev.RunCancelled) -> TreeNode | None:
        self._close_running(Status.CANCELLED, e.t)
        return self.nodes.get(e.node_id)

    def _on_RunFinished(self, e: ev.RunFinished) -> TreeNode | None:
        node = self.nodes.get(e.node_id)
        if node is not None:
            node.prompt_tokens, node.completion_tokens = e.prompt_tokens, e.completion_tokens
            node.seconds = e.seconds
            node.answer = e.answer
            if e.status in (Status.OK, Status.BUDGET):
                node.status = e.status.node_for()
        return node

    def _close_running(self, status: Status, t: float) -> None:
        """Close every running node, keeping the time it ran until now."""
        for node in self.nodes.values():
            if node.status is Status.RUNNING:
                node.status = status
                if node.started and not node.seconds:
                    node.seconds = max(0.0, t - node.started)
                self.closed.add(node.id)

    def walk(self, node_id: str | None = None) -> Iterator[TreeNode]:
        start = node_id or self.root_id
        if start is None:
            return
        stack = [start]
        while stack:
            node = self.nodes[stack.pop()]
            yield node
            stack.extend(reversed(node.children))

    def to_dict(self) -> dict[str, Any]:
        root = self.root
        return root.to_dict(self) if root else {}


def _first_line(text: str, limit: int = 60) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
