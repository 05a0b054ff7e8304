"""Parsing a model turn: fenced code cells and a FINAL(...) / FINAL_VAR(...) answer line.

Robust for small models: ```repl, ```python and ```py fences (an unclosed last fence counts);
FINAL only counts at the start of a line outside code, so prose that merely talks about
finishing ("I will then call FINAL(...)") does not end the run; placeholders are ignored.
`looks_at_documents` tells whether a cell reads the documents (the first-turn guard).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

CODE_TAGS = ("repl", "python", "py", "python3")
# Names through which a cell reads the documents (directly, or through a helper or a child RLM).
LOOK_NAMES = frozenset(
    {"context", "documents", "grep", "chunks", "map_query", "ask_each_document"}
    | {"rlm_query", "recursive_llm"}
    | {"items", "classify", "ask_yes_no", "ask_number", "extract"}
)
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
_FINAL_START = re.compile(r"^[ \t>*_`#-]*(FINAL_VAR|FINAL)[ \t]*\(", re.MULTILINE)
_PLACEHOLDERS = {
    "",
    "...",
    "…",
    "answer",
    "your answer",
    "the answer",
    "<answer>",
    "your final answer",
    "final answer",
    "your best answer",
    "variable_name",
    "name",
    "var",
    "text",
}


@dataclass
class FinalCall:
    kind: str  # "text" (FINAL) or "var" (FINAL_VAR)
    value: str


@dataclass
class ParsedTurn:
    text: str
    code_blocks: list[str] = field(default_factory=list)
    final: FinalCall | None = None

    @property
    def has_code(self) -> bool:
        return bool(self.code_blocks)


def is_python(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def looks_at_documents(code: str) -> bool:
    """Whether the cell names `context`, `documents` or a helper that reads them."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, ast.Name) and n.id in LOOK_NAMES for n in ast.walk(tree))


def extract_code_blocks(text: str) -> tuple[list[str], str]:
    """The code cells of a turn and the turn's text with all fenced blocks removed."""
    blocks: list[str] = []
    untagged: list[str] = []
    for match in _FENCE.finditer(text):
        tag, body = match.group(1).lower(), match.group(2)
        if not body.strip():
            continue
        if tag in CODE_TAGS:
            blocks.append(body.rstrip() + "\n")
        elif tag == "" and is_python(body):
            untagged.append(body.rstrip() + "\n")
    prose = _FENCE.sub("\n", text)
    return (blocks or untagged), prose


def _closing_paren(text: str, start: int) -> int:
    """Index of the parenthesis closing the one before `start`; the last ')' if unbalanced."""
    depth = 1
    quote: str | None = None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'" and (i == start or text[i - 1] in "( ,"):
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    last = text.rfind(")", start)
    if last != -1:
        return last
    newline = text.find("\n", start)
    return newline if newline != -1 else len(text)


def _unquote(value: str) -> str:
    value = value.strip()
    for q in ('"""', "'''", '"', "'"):
        if len(value) >= 2 * len(q) and value.startswith(q) and value.endswith(q):
            return value[len(q) : -len(q)].strip()
    return value


def is_placeholder(value: str) -> bool:
    v = value.strip().strip("<>[]{}`*\"' ").lower()
    return v in _PLACEHOLDERS or set(v) <= {".", "…", " "}


def find_final(prose: str) -> FinalCall | None:
    """The first real FINAL(...)/FINAL_VAR(...) that starts a line of prose (code removed)."""
    for match in _FINAL_START.finditer(prose):
        end = _closing_paren(prose, match.end())
        raw = prose[match.end() : end]
        value = _unquote(raw)
        if is_placeholder(value):
            continue
        kind = "var" if match.group(1) == "FINAL_VAR" else "text"
        if kind == "var":
            value = value.strip().strip("`")
        return FinalCall(kind=kind, value=value)
    return None


def parse_turn(text: str) -> ParsedTurn:
    blocks, prose = extract_code_blocks(text)
    return ParsedTurn(text=text, code_blocks=blocks, final=find_final(prose))


TRUNCATION_NOTICE = (
    "[... {cut:,} characters truncated: print smaller pieces, e.g. context[:2000] ...]"
)


def truncate_output(text: str, limit: int, notice: str = TRUNCATION_NOTICE) -> str:
    """Keep the head and tail of long output with a visible notice in between."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    cut = len(text) - head - tail
    return text[:head] + "\n" + notice.format(cut=cut) + "\n" + text[-tail:]
