"""The user's files are never changed, the package needs no Qt, and the record JSON is stable."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from rlm_desktop.documents.ingest import context_from_records, ingest_paths
from rlm_desktop.documents.pdfwrite import write_pdf


def build_every_format(root: Path) -> None:
    import docx
    import openpyxl

    root.mkdir()
    (root / "notes.txt").write_text("plain notes\r\n")
    (root / "page.html").write_text("<p>web page</p>")
    (root / "data.csv").write_text("a,b\n1,2\n")
    write_pdf(root / "paper.pdf", ["pdf page one", "pdf page two"])
    write_pdf(root / "scan.pdf", [None])
    document = docx.Document()
    document.add_paragraph("word text")
    document.save(root / "letter.docx")
    workbook = openpyxl.Workbook()
    workbook.active.append(["cell"])
    workbook.save(root / "book.xlsx")
    (root / "broken.docx").write_bytes(b"PK\x03\x04broken")
    (root / "empty.md").write_bytes(b"")


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    out = {}
    for path in sorted(root.iterdir()):
        st = path.stat()
        out[path.name] = (st.st_mtime_ns, st.st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def test_files_are_not_changed(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    build_every_format(root)
    for path in root.iterdir():
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # a fixed, old mtime
    before = snapshot(root)
    listing = sorted(os.listdir(root))
    records = ingest_paths([root])
    records_inline = ingest_paths([root], workers=0)
    assert snapshot(root) == before
    assert sorted(os.listdir(root)) == listing  # nothing created beside the files
    assert [r.to_json() for r in records] == [r.to_json() for r in records_inline]
    ok = {Path(r.path).name for r in records if r.ok}
    assert ok == {"notes.txt", "page.html", "data.csv", "paper.pdf", "letter.docx", "book.xlsx"}
    failed = {Path(r.path).name: r.error for r in records if not r.ok}
    assert set(failed) == {"scan.pdf", "broken.docx", "empty.md"}
    assert all(
        isinstance(e, str) and "\n" not in e and "Traceback" not in e for e in failed.values()
    )


def test_record_json_shape(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    (tmp_path / "b.txt").write_bytes(b"")
    records = ingest_paths([tmp_path], workers=0)
    payload = json.loads(json.dumps([r.to_json() for r in records]))
    assert payload == [
        {
            "path": str(tmp_path / "a.txt"),
            "ok": True,
            "kind": "text",
            "chars": 6,
            "pages": 0,
            "error": None,
            "warnings": [],
        },
        {
            "path": str(tmp_path / "b.txt"),
            "ok": False,
            "kind": "text",
            "chars": 0,
            "pages": 0,
            "error": "the file is empty",
            "warnings": [],
        },
    ]


def test_context_describes_documents(tmp_path: Path) -> None:
    write_pdf(tmp_path / "a.pdf", ["one", "two"])
    (tmp_path / "b.md").write_text("# notes\n")
    context = context_from_records(ingest_paths([tmp_path], workers=0))
    description = context.describe()
    assert f"holding 2 documents ({context.total_chars:,} characters of text)" in description
    assert f"- {tmp_path.name}/a.pdf (pdf, " in description and ", 2 pages)" in description
    assert f"- {tmp_path.name}/b.md (text, 8 chars)" in description


def test_documents_package_never_imports_qt(tmp_path: Path) -> None:
    write_pdf(tmp_path / "a.pdf", ["x"])
    (tmp_path / "b.html").write_text("<p>y</p>")
    code = (
        "import sys\n"
        "from rlm_desktop.documents.ingest import ingest_paths\n"
        "if __name__ == '__main__':\n"
        f"    records = ingest_paths([{str(tmp_path)!r}])\n"
        "    assert all(r.ok for r in records), records\n"
        "    qt = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'shiboken'))]\n"
        "    assert not qt, qt\n"
    )
    script = tmp_path / "check.py"
    script.write_text(code)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
