"""Web pages: the visible text of HTML (no scripts, styles or hidden parts), blocks on lines."""

from __future__ import annotations

import re
from typing import Any

from rlm_desktop.documents.fileio import ReadError, iter_chunks, opened
from rlm_desktop.documents.jobs import Extracted
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.documents.text import decode_bytes

INVISIBLE = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "svg", "math", "iframe"}
    | {"object", "embed", "canvas", "select", "datalist", "dialog"}
)
BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div"}
    | {"dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "html", "legend", "li", "main", "nav", "ol", "p"}
    | {"pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul"}
)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _hidden(element: Any) -> bool:
    attrib = element.attrib
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return True
    return bool(_HIDDEN_STYLE.search(attrib.get("style", "")))


class _Lines:
    """Collects inline text into lines, breaking at block boundaries."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []

    def text(self, value: str | None, pre: bool) -> None:
        if value:
            self.current.append(value if pre else _SPACES.sub(" ", value))

    def cell(self) -> None:
        if self.current:
            self.current.append("\t")

    def newline(self, keep_indent: bool = False) -> None:
        line = "".join(self.current)
        self.current = []
        for piece in line.split("\n"):
            piece = piece.rstrip(" \t") if keep_indent else piece.strip(" ").rstrip("\t")
            if piece.strip():
                self.lines.append(piece)


def visible_text(root: Any) -> str:
    """The text a browser would show for this element tree, one block per line."""
    from lxml import etree

    out = _Lines()
    skip_depth = 0
    pre_depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            if skip_depth or not tag or tag in INVISIBLE or _hidden(element):
                skip_depth += 1
                continue
            if tag in BLOCKS:
                out.newline()
            if tag == "pre":
                pre_depth += 1
            elif tag in ("td", "th"):
                out.cell()
            elif tag == "br":
                out.current.append("\n")
            if tag == "li":
                out.current.append("- ")
            elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                out.current.append("#" * int(tag[1]) + " ")
            out.text(element.text, pre_depth > 0)
        else:
            if skip_depth:
                skip_depth -= 1
            else:
                if tag in BLOCKS:
                    out.newline(keep_indent=pre_depth > 0)
                if tag == "pre":
                    pre_depth -= 1
            if not skip_depth:
                out.text(element.tail, pre_depth > 0)
    out.newline()
    return "\n".join(out.lines)


def _title(root: Any) -> str:
    titles = root.xpath("//title")
    return " ".join((titles[0].text_content() or "").split()) if titles else ""


def html_to_text(data: bytes) -> tuple[str, list[str]]:
    """Visible text of an HTML document given as bytes; (text, warnings)."""
    import lxml.html

    match = _CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii", "replace") if match else None
    markup, warnings = decode_bytes(data, declared)
    markup = _XML_DECLARATION.sub("", markup, count=1)
    if not markup.strip():
        return "", warnings
    try:
        root = lxml.html.document_fromstring(markup)
    except Exception:  # lxml.etree.ParserError: nothing parseable
        return "", warnings
    title = _title(root)
    body = visible_text(root)
    if title and not body.startswith(title) and not body.startswith("# " + title):
        body = f"{title}\n\n{body}" if body else title
    return body, warnings


def read_html(path: str, limits: IngestLimits) -> Extracted:
    with opened(path) as fd:
        data = b"".join(iter_chunks(fd, limits.max_file_bytes))
    text, warnings = html_to_text(data)
    del data
    if not text.strip():
        raise ReadError("the web page has no visible text")
    return Extracted(text + "\n", warnings=warnings)
