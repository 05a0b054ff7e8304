"""A conversation (or one run) as a document to read or share: Markdown (question, answer, a
readable summary of the steps with code blocks) and self-contained HTML (pygments-highlighted
code, the tree as nested `<details>`, one inline style sheet, no scripts: it works offline in
any browser).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from rlm_desktop.engine.tree import RunTree, TreeNode
from rlm_desktop.store.records import DocumentRecord, RunRecord

OUTPUT_CHARS = 3000  # of a cell's output or a reply, in the documents
TEXT_CHARS = 2000  # of a model turn's prose
NOTE_CHARS = 300  # of what the app told the model after a turn without code


@dataclass
class ExportItem:
    run: RunRecord
    tree: RunTree


def _cut(text: str, limit: int) -> str:
    text = text.rstrip()
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… {len(text) - limit:,} more characters]"


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "?"


def _stats(run: RunRecord) -> str:
    parts = [f"status {run.status}", f"{run.iterations} turns", f"{run.subcalls} sub-calls"]
    parts.append(f"{run.prompt_tokens:,} + {run.completion_tokens:,} tokens")
    parts.append(f"{run.seconds:.1f} s")
    if run.model:
        parts.append(f"model {run.model}")
    return " · ".join(parts)


def _prose(text: str) -> str:
    """A model turn without its code blocks (they are shown as cells)."""
    out, inside = [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            inside = not inside
            continue
        if not inside:
            out.append(line)
    return "\n".join(out).strip()


def _fence(text: str, lang: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"


# --- Markdown -----------------------------------------------------------------------------
def to_markdown(title: str, items: list[ExportItem], documents: list[DocumentRecord]) -> str:
    lines = [f"# {title}", ""]
    if documents:
        lines.append("Documents:")
        for d in documents:
            size = f", {d.size:,} bytes" if d.size is not None else ""
            sha = f", sha256 {d.sha256[:12]}…" if d.sha256 else ""
            lines.append(f"- {d.name} ({d.path or 'no file'}{size}{sha})")
        lines.append("")
    for number, item in enumerate(items, 1):
        run = item.run
        lines += [f"## Question {number}: {run.question}", ""]
        lines += ["**Answer:**", "", run.answer.strip() or f"(no answer: {run.status})", ""]
        if run.error:
            lines += [f"Error: {run.error}", ""]
        lines += [f"*{_stats(run)} · asked {_when(run.started)}*", ""]
        root = item.tree.root
        if root is not None and root.children:
            lines += ["### How it was found", ""]
            for child in root.children:
                lines += _md_node(item.tree, item.tree.nodes[child], 0)
    return "\n".join(lines).rstrip() + "\n"


def _md_node(tree: RunTree, node: TreeNode, level: int) -> list[str]:
    quote = "> " * level
    out: list[str] = []

    def add(block: str) -> None:
        out.extend(f"{quote}{line}".rstrip() for line in block.splitlines())
        out.append(quote.rstrip())

    if node.kind == "iteration":
        add(f"**{node.label}** ({node.status}, {node.seconds:.1f} s)")
        prose = _prose(node.text)
        if prose:
            add(_cut(prose, TEXT_CHARS))
        if node.note and not node.children:  # what the app told the model (no code ran)
            add(f"*{_cut(' '.join(node.note.split()), NOTE_CHARS)}*")
    elif node.kind == "cell":
        add(_fence(node.code, "python"))
        if node.output.strip():
            add("Output:\n" + _fence(_cut(node.output, OUTPUT_CHARS)))
        if node.error:
            add(f"Error: `{node.error}`")
    elif node.kind == "subcall":
        add(f"**{node.label}** ({node.status})")
        if node.answer:
            add("Reply:\n" + _fence(_cut(node.answer, OUTPUT_CHARS)))
        if node.error:
            add(f"Error: `{node.error}`")
    for child in node.children:
        deeper = level + 1 if node.kind == "subcall" else level
        out += _md_node(tree, tree.nodes[child], deeper)
    return out


# --- HTML ---------------------------------------------------------------------------------
_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em;
       color: #1d1d1f; background: #fff; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-top: 1px solid #ddd;
     padding-top: 1em; }
.answer { background: #eef6ee; border-left: 4px solid #3a7d44; padding: .6em 1em;
          white-space: pre-wrap; }
.stats { color: #666; font-size: .9em; }
details { margin: .3em 0 .3em 1.2em; border-left: 2px solid #d0d7de; padding-left: .6em; }
summary { cursor: pointer; font-weight: 600; }
summary .st { font-weight: normal; color: #666; font-size: .85em; }
pre { background: #f6f8fa; padding: .6em; overflow-x: auto; white-space: pre-wrap;
      border-radius: 4px; }
.output { background: #fffbea; } .error { color: #b42318; } .note { color: #666; }
.st-error, .st-interrupted, .st-cancelled { color: #b42318; }
"""


def to_html(title: str, items: list[ExportItem], documents: list[DocumentRecord]) -> str:
    formatter = HtmlFormatter(cssclass="code")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}{formatter.get_style_defs('.code')}</style>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if documents:
        rows = "".join(
            f"<li>{html.escape(d.name)} <span class='stats'>{html.escape(d.path)}</span></li>"
            for d in documents
        )
        parts.append(f"<p>Documents:</p><ul>{rows}</ul>")
    for number, item in enumerate(items, 1):
        run = item.run
        parts.append(f"<h2>Question {number}: {html.escape(run.question)}</h2>")
        answer = run.answer.strip() or f"(no answer: {run.status})"
        parts.append(f"<div class='answer'>{html.escape(answer)}</div>")
        if run.error:
            parts.append(f"<p class='error'>{html.escape(run.error)}</p>")
        parts.append(f"<p class='stats'>{html.escape(_stats(run))} · {_when(run.started)}</p>")
        root = item.tree.root
        if root is not None and root.children:
            parts.append("<details open><summary>How it was found</summary>")
            for child in root.children:
                parts.append(_html_node(item.tree, item.tree.nodes[child], formatter))
            parts.append("</details>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_node(tree: RunTree, node: TreeNode, formatter: HtmlFormatter) -> str:
    status = html.escape(node.status)
    tokens = node.prompt_tokens + node.completion_tokens
    extra = f", {tokens:,} tokens" if tokens else ""
    summary = (
        f"<summary>{html.escape(node.label)} <span class='st st-{status}'>"
        f"{status}, {node.seconds:.2f} s{extra}</span></summary>"
    )
    body: list[str] = []
    if node.kind == "iteration":
        prose = _prose(node.text)
        if prose:
            body.append(f"<pre>{html.escape(_cut(prose, TEXT_CHARS))}</pre>")
        if node.note and not node.children:
            note = _cut(" ".join(node.note.split()), NOTE_CHARS)
            body.append(f"<p class='note'>{html.escape(note)}</p>")
    elif node.kind == "cell":
        body.append(highlight(node.code, PythonLexer(), formatter))
        if node.output.strip():
            body.append(f"<pre class='output'>{html.escape(_cut(node.output, OUTPUT_CHARS))}</pre>")
    elif node.kind == "subcall":
        body.append(f"<pre>{html.escape(_cut(node.text, OUTPUT_CHARS))}</pre>")
        if node.answer:
            body.append(f"<pre class='output'>{html.escape(_cut(node.answer, OUTPUT_CHARS))}</pre>")
    if node.error:
        body.append(f"<p class='error'>{html.escape(node.error)}</p>")
    body += [_html_node(tree, tree.nodes[c], formatter) for c in node.children]
    opened = " open" if node.kind in ("iteration", "cell") else ""  # sub-calls folded
    return f"<details{opened}>{summary}{''.join(body)}</details>"
