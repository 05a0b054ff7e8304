"""The official rlm library's `RLMLogger` JSONL log as run trees.

A log holds a `{"type": "metadata", root_model, max_depth, max_iterations, backend,
environment_type, ...}` line, optional `{"type": "run_context", "root_prompt", ...}` lines and
`{"type": "iteration", "iteration", "timestamp", "prompt", "response", "code_blocks": [{"code",
"result": {"stdout", "stderr", "locals", "execution_time", "rlm_calls": [...]}}],
"final_answer", "iteration_time"}` lines. Each `rlm_calls` entry has `prompt`, `response`,
`execution_time`, `usage_summary`, and for a child RLM a `metadata` with its own `iterations`.
Missing fields are taken as empty and counted in one message per field.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rlm_desktop.engine.status import Status
from rlm_desktop.engine.tree import DONE, ERROR, RunTree, TreeNode, _first_line

INTERRUPTED = Status.INTERRUPTED


@dataclass
class RlmRun:
    question: str
    answer: str
    status: str
    tree: RunTree
    meta: dict[str, Any] = field(default_factory=dict)


class _Builder:
    def __init__(self, tree: RunTree) -> None:
        self.tree = tree
        self.missing: Counter[str] = Counter()
        self._n = 0

    def new_id(self) -> str:
        self._n += 1
        return f"r{self._n}"

    def get(self, data: Any, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = data.get(key) if isinstance(data, dict) else None
        if value is None and not (isinstance(data, dict) and key in data):
            self.missing[key] += 1
            return default
        return value if isinstance(value, kind) else default

    def add(self, node: TreeNode) -> TreeNode:
        self.tree.nodes[node.id] = node
        parent = self.tree.nodes.get(node.parent_id) if node.parent_id else None
        if parent is not None:
            parent.children.append(node.id)
        elif self.tree.root_id is None:
            self.tree.root_id = node.id
        return node

    def iteration(self, data: dict[str, Any], parent: str, depth: int, number: int) -> TreeNode:
        node = self.add(TreeNode(self.new_id(), parent, "iteration", f"Turn {number}", depth=depth))
        node.text = _text(self.get(data, "response", (str, dict, list), ""))
        node.seconds = _number(self.get(data, "iteration_time", (int, float), 0.0))
        node.status = DONE
        blocks = self.get(data, "code_blocks", list, [])
        for index, block in enumerate(blocks):
            if isinstance(block, dict):
                self.cell(block, node.id, depth, index)
        return node

    def cell(self, block: dict[str, Any], parent: str, depth: int, index: int) -> None:
        code = _text(self.get(block, "code", str, ""))
        label = f"Code {index + 1}: {_first_line(code)}"
        node = self.add(TreeNode(self.new_id(), parent, "cell", label, depth=depth, code=code))
        result = self.get(block, "result", dict, {})
        stdout = _text(self.get(result, "stdout", str, ""))
        stderr = _text(self.get(result, "stderr", str, ""))
        node.output = stdout + (("\n" if stdout else "") + stderr if stderr else "")
        last = next((ln for ln in reversed(stderr.splitlines()) if ln.strip()), "")
        node.error = last.strip() if "Error" in last or "Exception" in last else None
        node.seconds = _number(result.get("execution_time", 0.0) if result else 0.0)
        final = result.get("final_answer") if result else None
        node.answer = _text(final) if final is not None else None
        node.status = ERROR if node.error else DONE
        for call in result.get("rlm_calls") or [] if result else []:
            if isinstance(call, dict):
                self.subcall(call, node.id, depth + 1)

    def subcall(self, call: dict[str, Any], parent: str, depth: int) -> None:
        prompt = _text(self.get(call, "prompt", (str, dict, list), ""))
        meta = call.get("metadata") if isinstance(call.get("metadata"), dict) else None
        child_iterations = meta.get("iterations") if meta else None
        kind = "rlm_query" if isinstance(child_iterations, list) else "llm_query"
        label = f"{kind}: {_first_line(prompt)}"
        node = self.add(TreeNode(self.new_id(), parent, "subcall", label, depth=depth))
        node.text, node.subcall_kind = prompt, kind
        node.answer = _text(self.get(call, "response", (str, dict, list), ""))
        node.seconds = _number(self.get(call, "execution_time", (int, float), 0.0))
        node.prompt_tokens, node.completion_tokens = _usage(call.get("usage_summary"))
        error = call.get("error")
        node.error = str(error) if error else None
        node.status = ERROR if node.error else DONE
        if isinstance(child_iterations, list):
            for number, item in enumerate(child_iterations, 1):
                if isinstance(item, dict):
                    turn = item.get("iteration")
                    self.iteration(item, node.id, depth, turn if isinstance(turn, int) else number)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(m, dict) and "content" in m for m in value):
        return "\n\n".join(f"[{m.get('role', '?')}] {m.get('content', '')}" for m in value)
    return json.dumps(value, ensure_ascii=False, indent=1)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _usage(summary: Any) -> tuple[int, int]:
    """(input, output) tokens from a usage summary (per-model or flat)."""
    if not isinstance(summary, dict):
        return 0, 0
    models = summary.get("model_usage_summaries")
    parts = list(models.values()) if isinstance(models, dict) else [summary]
    tokens_in = tokens_out = 0
    for part in parts:
        if isinstance(part, dict):
            tokens_in += int(_number(part.get("total_input_tokens", part.get("input_tokens", 0))))
            tokens_out += int(
                _number(part.get("total_output_tokens", part.get("output_tokens", 0)))
            )
    return tokens_in, tokens_out


def build_rlm_runs(rows: list[tuple[int, dict[str, Any]]], messages: list[str]) -> list[RlmRun]:
    metadata: dict[str, Any] = {}
    question = ""
    runs: list[RlmRun] = []
    builder: _Builder | None = None
    last_number = 0
    missing: Counter[str] = Counter()

    def finish() -> None:
        if builder is None:
            return
        missing.update(builder.missing)
        run = runs[-1]
        root = builder.tree.root
        if root is not None:
            turns = [builder.tree.nodes[c] for c in root.children]
            answers = [t for t in turns if t.answer]
            run.answer = answers[-1].answer or "" if answers else ""
            run.status = "ok" if answers else INTERRUPTED
            root.status = DONE if answers else INTERRUPTED
            root.answer = run.answer or None
            root.seconds = sum(t.seconds for t in turns)
            if not answers:
                messages.append(f"run {len(runs)} has no final answer (the log ends before it)")

    for _, data in rows:
        kind = data.get("type")
        if kind == "metadata":
            metadata = {k: v for k, v in data.items() if k != "type"}
        elif kind == "run_context":
            root_prompt = data.get("root_prompt")
            question = _text(root_prompt if root_prompt else data.get("prompt", ""))
        elif kind == "iteration":
            number = data.get("iteration")
            if not isinstance(number, int):
                missing["iteration"] += 1
                number = last_number + 1
            if builder is None or number <= last_number:
                finish()
                builder = _Builder(RunTree())
                shown = question or "(the question is not in the log)"
                root = TreeNode(builder.new_id(), None, "run", f"Question: {shown}")
                builder.add(root)
                runs.append(RlmRun(question, "", INTERRUPTED, builder.tree, dict(metadata)))
                question = ""
            last_number = number
            root_id = builder.tree.root_id or ""
            turn = builder.iteration(data, root_id, 0, number)
            final = data.get("final_answer")
            if final is not None and final != "":
                turn.answer = _text(final)
    finish()
    if not metadata:
        messages.append("the log has no metadata line (model and settings unknown)")
    for key, count in sorted(missing.items()):
        messages.append(f"field {key!r} missing {count} time(s): taken as empty")
    if not runs:
        messages.append("the log holds no iteration")
    return runs
