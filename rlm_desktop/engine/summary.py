"""One plain-language line per step of a run, for people who do not read code: made from what
the step did (its code parsed, its output, its helper questions), e.g. "Searched all documents
for 'liability cap' → 1 match (supply_agreement.pdf, page 9)", "Asked the helper about each of
12 documents", "Wrote the answer".

Qt-free: the window's step tree shows these lines (View ▸ Show code steps shows the technical
labels instead), and the progress line and `--verbose` can use them too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from rlm_desktop.engine.tree import BUDGET, CANCELLED, DONE, ERROR, RUNNING, RunTree, TreeNode

QUOTE_MAX = 40
# "report.pdf, page 9, line 4:" or "notes.txt, line 12:" (grep's place lines)
PLACE_RX = re.compile(r"^(?P<doc>.+?), (?:page (?P<page>\d+), )?line (?P<line>\d+):$", re.M)
GIVEN_TEXT = frozenset({"text", "context", "sub_context"})  # grep's names for a given text
NUMBER_RX = re.compile(r"^-?\d[\d,]*(?:\.\d+)?$")
COUNTERS = ("sum", "len", "count", "Counter", "count_pairs", "tally")
ERROR_WORDS = (
    ("not available in the sandbox", "tried something the safety layer does not allow"),
    ("NameError", "used a name that does not exist"),
    ("SyntaxError", "wrote code that does not run"),
    ("IndentationError", "wrote code that does not run"),
    ("IndexError", "asked for a part that does not exist"),
    ("KeyError", "asked for an entry that does not exist"),
    ("TypeError", "mixed up two kinds of values"),
    ("ValueError", "read a value it could not use"),
    ("imeout", "took too long"),
    ("budget", "reached a limit"),
)


def _quote(text: str, limit: int = QUOTE_MAX) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _doc_name(index: int, names: Sequence[str]) -> str:
    if 0 <= index < len(names) or -len(names) <= index < 0:
        return names[index]
    return f"document {index + 1}" if index >= 0 else "the last document"


def _calls(tree: ast.AST) -> list[ast.Call]:
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _grep_line(call: ast.Call, output: str, depth: int) -> str:
    pattern = _literal(call.args[0]) if call.args else None
    what = f"'{_quote(pattern)}'" if pattern else "a pattern"
    where = "a piece of text" if len(call.args) > 1 else "all documents"
    where = "the part it was given" if depth > 0 and len(call.args) < 2 else where
    places = list(PLACE_RX.finditer(output))
    if "(no matching lines)" in output and not places:
        return f"Searched {where} for {what} → no match"
    if not places:
        return f"Searched {where} for {what}"
    first = places[0]
    doc = "the text" if first["doc"] in GIVEN_TEXT else first["doc"]
    at = doc + (f", page {first['page']}" if first["page"] else f", line {first['line']}")
    more = f" and {len(places) - 1} more" if len(places) > 1 else ""
    return f"Searched {where} for {what} → {_plural(len(places), 'match', 'matches')} ({at}{more})"


def _slice_line(code: str, names: Sequence[str]) -> str | None:
    """Reading a document or a part of one: `documents[1].text[:2000]`, `context[:500]`."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    part = any(isinstance(n, ast.Slice) for n in ast.walk(tree))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Subscript) or not isinstance(node.value, ast.Name):
            continue
        index, name = node.slice, node.value.id
        if name == "documents":
            if isinstance(index, ast.Constant) and isinstance(index.value, int):
                doc = _doc_name(index.value, names)
                return f"Read part of {doc}" if part else f"Read {doc}"
            return "Read part of the documents"
        if name == "context" and isinstance(index, ast.Slice):
            return "Read part of the documents"
    return None


def _count_line(code: str, output: str) -> str | None:
    last = next((ln.strip() for ln in reversed(output.splitlines()) if ln.strip()), "")
    if any(f"{c}(" in code for c in COUNTERS) and NUMBER_RX.match(last):
        return f"Counted the answers: {last}"
    return None


def _helper_children(node: TreeNode, tree: RunTree) -> list[TreeNode]:
    return [tree.nodes[c] for c in node.children if c in tree.nodes]


def _cell_actions(node: TreeNode, tree: RunTree, names: Sequence[str]) -> list[str]:
    try:
        calls = _calls(ast.parse(node.code))
    except SyntaxError:
        return []
    subs = _helper_children(node, tree)
    actions: list[str] = []
    for call in calls:
        name = _name(call)
        line = None
        if name == "grep":
            line = _grep_line(call, node.output, node.depth)
        elif name == "ask_each_document":
            n = len({_about(s) for s in subs if _about(s)}) or len(names)
            line = f"Asked the helper about each of {_plural(n, 'document')}"
        elif name == "map_query":
            line = f"Asked the helper about each of {_plural(len(subs), 'part')} of the documents"
        elif name == "llm_query_batched":
            line = f"Asked the helper {_plural(len(subs), 'question')}"
        elif name == "llm_query":
            line = "Asked the helper a question"
        elif name in ("rlm_query", "recursive_llm"):
            runs = sum(1 for s in subs if s.subcall_kind == "rlm_query")
            line = "Handed part of the documents to a helper run"
            line = line if runs <= 1 else f"Handed parts of the documents to {runs} helper runs"
        elif name in ("FINAL", "FINAL_VAR"):
            line = "Wrote the answer"
        elif name == "chunks":
            line = "Split the documents into parts"
        if line and line not in actions:
            actions.append(line)
    if not any(a.startswith(("Asked", "Handed", "Searched")) for a in actions):
        read = _slice_line(node.code, names)
        if read:
            actions.insert(0, read)
    count = _count_line(node.code, node.output)
    if count:
        actions.append(count)
    return actions


def _error_words(error: str) -> str:
    return next((words for needle, words in ERROR_WORDS if needle in error), "ran into a problem")


def summarize_cell(node: TreeNode, tree: RunTree, names: Sequence[str] = ()) -> str:
    actions = _cell_actions(node, tree, names)
    if node.answer is not None and "Wrote the answer" not in actions:
        actions.append("Wrote the answer")
    if node.status == ERROR and node.error:
        what = actions[0] + ", but" if actions else "This step"
        return f"{what} {_error_words(node.error)}; the model tries again"
    if not actions:
        if node.status == RUNNING:
            return "Working with the documents…"
        return "Worked out something with the documents"
    line = "; ".join(actions[:2])
    return line + "…" if node.status == RUNNING and "→" not in line else line


def _about(node: TreeNode) -> str:
    """What a helper question reads (a document's name), from its label "kind (about): …"."""
    if node.label.startswith(f"{node.subcall_kind} ("):
        return node.label[len(node.subcall_kind) + 2 :].split("):", 1)[0]
    return ""


def summarize_subcall(node: TreeNode) -> str:
    about = _about(node)
    first = next((ln.strip() for ln in node.text.splitlines() if ln.strip()), "")
    if node.subcall_kind == "rlm_query":
        line = f"Helper run: “{_quote(first)}”"
    elif about:
        line = f"Asked the helper about {about}"
    else:
        line = f"Asked the helper: “{_quote(first)}”"
    if node.status == ERROR:
        return f"{line} — failed"
    if node.status == BUDGET:
        return f"{line} — reached a limit"
    if node.status == CANCELLED:
        return f"{line} — stopped"
    if node.status == DONE and node.answer is not None:
        reply = _quote(node.answer) or "(no reply)"
        return f"{line} → {reply}"
    return line + "…"


PLANS = (  # what a step's first action was, as the model's plan for that step
    ("Searched", "search the documents"),
    ("Read", "read the documents"),
    ("Asked", "ask the helper"),
    ("Handed", "hand work to a helper run"),
    ("Split", "split the documents"),
    ("Counted", "count"),
    ("Wrote the answer", "write the answer"),
)


def summarize_iteration(node: TreeNode, tree: RunTree, names: Sequence[str] = ()) -> str:
    """A model turn: "Step 2: the model chose to ask the helper" (its cells say the rest)."""
    step = node.label.replace("Turn", "Step", 1)
    cells = [c for c in _helper_children(node, tree) if c.kind == "cell"]
    if cells:
        done = summarize_cell(cells[0], tree, names)
        plan = next((words for start, words in PLANS if done.startswith(start)), "")
        if cells[0].status == ERROR:
            return f"{step}: the model's step failed; it tries again"
        return f"{step}: the model chose to {plan}" if plan else f"{step}: the model worked"
    if node.status == RUNNING:
        return f"{step}: the model is thinking…"
    if node.status == CANCELLED:
        return f"{step}: stopped while the model was thinking"
    if node.status == ERROR:
        return f"{step}: stopped by an error (see the answer area)"
    if node.answer is not None or "FINAL" in node.text:
        return f"{step}: the model wrote the answer"
    if node.note:
        return f"{step}: the model wrote no step to run; the app asked it to go on"
    return f"{step}: the model thought about the next step"


def summarize_run(node: TreeNode) -> str:
    question = node.label.removeprefix("Question: ")
    if node.depth > 0:
        return f"Helper run: “{_quote(question)}”"
    ends = {
        DONE: "answered",
        BUDGET: "reached a limit; best answer so far",
        ERROR: "failed",
        CANCELLED: "stopped by you",
    }
    end = ends.get(node.status)
    return f"Your question: “{_quote(question, 60)}”" + (f" — {end}" if end else "")


def summarize(node: TreeNode, tree: RunTree, names: Sequence[str] = ()) -> str:
    """One line a non-programmer can read for `node`; `names` are the documents' names."""
    if node.kind == "cell":
        return summarize_cell(node, tree, names)
    if node.kind == "subcall":
        return summarize_subcall(node)
    if node.kind == "iteration":
        return summarize_iteration(node, tree, names)
    return summarize_run(node)


def found_so_far(tree: RunTree, names: Sequence[str] = ()) -> str:
    """What a stopped run had found (Markdown): each finished step that found something, with
    the first line it found; "" when nothing was found."""
    lines: list[str] = []
    for node in tree.walk():
        if node.kind != "cell" or node.status != DONE:
            continue
        line = summarize_cell(node, tree, names)
        if "→" not in line and not line.startswith(("Asked", "Counted", "Handed")):
            continue
        place = PLACE_RX.search(node.output)
        if place is not None:
            found = node.output[place.end() :].lstrip("\n").split("\n", 1)[0].strip()
            line += f": “{_quote(found, 160)}”" if found else ""
        lines.append(f"- {line}")
    return "\n".join(lines)
