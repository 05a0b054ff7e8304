"""The document side of the CLI contracts: `ingest` and `ask --doc` take folders and files
alike, and `bench ingest --json` prints its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rlm_desktop.documents.pdfwrite import write_pdf

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "rlm_desktop", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=120)


def make_folder(root: Path) -> Path:
    folder = root / "case"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("The vault code is K-42.\n")
    write_pdf(folder / "sub" / "report.pdf", ["Page one text.", "Page two text."])
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    (folder / ".hidden.txt").write_text("never read\n")
    return folder


def test_ingest_json_takes_folders_and_files_and_exits_0_despite_failures(
    tmp_path: Path,
) -> None:
    folder = make_folder(tmp_path)
    extra = tmp_path / "extra.md"
    extra.write_text("# Extra\n")
    out = cli("ingest", str(folder), str(extra), str(tmp_path / "missing.txt"), "--json")
    assert out.returncode == 0, out.stderr
    records = {Path(r["path"]).name: r for r in json.loads(out.stdout)}
    assert list(records) == ["broken.docx", "notes.txt", "report.pdf", "extra.md", "missing.txt"]
    assert records["report.pdf"]["ok"] and records["report.pdf"]["pages"] == 2
    assert records["report.pdf"]["kind"] == "pdf"
    assert records["notes.txt"]["chars"] == len("The vault code is K-42.\n")
    assert records["broken.docx"]["error"] == "the file is damaged or is not a real Word document"
    assert records["missing.txt"]["error"] == "no such file or folder"
    for record in records.values():
        assert set(record) == {"path", "ok", "kind", "chars", "pages", "error", "warnings"}


def test_ask_takes_a_folder_as_a_document(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    replay = tmp_path / "replay.json"
    code = "```repl\nnames = [d.name for d in documents]\nprint(names)\n```"
    replay.write_text(json.dumps({"responses": [code, "FINAL_VAR(names)"]}))
    out = cli(
        "ask", "Which files?", "--doc", str(folder), "--backend", f"replay:{replay}", "--json"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "ok"
    assert data["answer"] == str(["case/notes.txt", "case/sub/report.pdf"])
    assert "broken.docx" in out.stderr  # the unreadable file is named, the rest still load


def test_bench_ingest_prints_its_figures() -> None:
    out = cli(
        "bench",
        "ingest",
        "--json",
        "--text-mb",
        "8",
        "--text-files",
        "4",
        "--pdf-files",
        "2",
        "--pdf-pages",
        "10",
        "--repeat",
        "1",
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"text_mb_per_s", "pdf_ratio", "peak_memory_ratio", "pdf_ratio_pool"} <= set(data)
    # a speed, not a pass mark: the target (>= 100 MB/s) is the benchmark's, on a quiet machine
    assert data["text_mb_per_s"] > 0
    assert 0 < data["peak_memory_ratio"] <= 3, data
    assert data["pdf_ratio"] > 0 and data["pdf_pages"] == 20 and data["text_files"] == 4
