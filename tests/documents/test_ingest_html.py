"""Web pages: visible text only, block structure, encodings, XHTML, empty pages."""

from __future__ import annotations

from pathlib import Path

from rlm_desktop.documents.ingest import ingest_paths
from rlm_desktop.documents.model import IngestRecord

PAGE = """<!DOCTYPE html>
<html><head><title>Quarterly   update</title>
<style>body { color: red }</style><script>var secret = "do not show";</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<h1>Results</h1>
<p>Revenue grew <b>12%</b> &amp; costs fell.<br>Second line.</p>
<div hidden>hidden text</div><span style="display: none">also hidden</span>
<ul><li>North</li><li>South</li></ul>
<table><tr><th>Region</th><th>Sales</th></tr><tr><td>North</td><td>10</td></tr></table>
<pre>  indented
    code</pre>
<noscript>enable JavaScript</noscript><template><p>template</p></template>
<!-- a comment -->
<p>The end.</p>
</body></html>
"""


def read_one(path: Path) -> IngestRecord:
    records = ingest_paths([path], workers=0)
    assert len(records) == 1
    return records[0]


def test_visible_text_only(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    record = read_one(path)
    assert record.ok and record.kind == "html" and record.warnings == []
    assert record.document is not None
    assert record.document.text == (
        "Quarterly update\n\n"
        "Home | About\n"
        "# Results\n"
        "Revenue grew 12% & costs fell.\n"
        "Second line.\n"
        "- North\n"
        "- South\n"
        "Region\tSales\n"
        "North\t10\n"
        "  indented\n"
        "    code\n"
        "The end.\n"
    )


def test_declared_and_guessed_encodings(tmp_path: Path) -> None:
    declared = '<html><head><meta charset="iso-8859-1"></head><body><p>Café déjà vu</p></body>'
    (tmp_path / "a.htm").write_bytes(declared.encode("latin-1"))
    undeclared = "<p>Größe und Übermaß für schöne Äpfel, sagte der Händler.</p>"
    (tmp_path / "b.html").write_bytes(undeclared.encode("cp1252"))
    (tmp_path / "c.html").write_bytes("<p>UTF-16 ✓</p>".encode("utf-16"))
    records = ingest_paths([tmp_path], workers=0)
    texts = [r.document.text if r.document else r.error for r in records]
    assert texts == [
        "Café déjà vu\n",
        "Größe und Übermaß für schöne Äpfel, sagte der Händler.\n",
        "UTF-16 ✓\n",
    ]
    assert records[1].warnings == ["the text is not UTF-8; it was read as cp1252"]


def test_xhtml_with_xml_declaration(tmp_path: Path) -> None:
    path = tmp_path / "doc.xhtml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Strict XHTML</p></body></html>',
        encoding="utf-8",
    )
    record = read_one(path)
    assert record.document is not None and record.document.text == "Strict XHTML\n"


def test_page_without_visible_text(tmp_path: Path) -> None:
    path = tmp_path / "app.html"
    path.write_text("<html><head><script>render()</script></head><body></body></html>")
    record = read_one(path)
    assert not record.ok and record.error == "the web page has no visible text"


def test_html_found_by_content(tmp_path: Path) -> None:
    path = tmp_path / "saved_page"
    path.write_text("<!doctype html><html><body><p>Saved without extension</p></body></html>")
    record = read_one(path)
    assert record.kind == "html"
    assert record.document is not None and record.document.text == "Saved without extension\n"
