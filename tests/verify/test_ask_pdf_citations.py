"""`ask` on a real PDF: quotes with other line breaks and hyphenation are verified at the
right page and span, an invented one is "not found"; --json and the text output carry them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rlm_desktop.documents.pdfwrite import write_pdf
from rlm_desktop.verify.normalise import normalise

REPO = Path(__file__).resolve().parents[2]
PAGE_ONE = "Supply agreement\nbetween Elm Trading and Baker Foods.\nTerm: two years."
PAGE_TWO = (
    "Article 9. Liability\n"
    "The total liability of the supplier under this agree-\n"
    "ment is limited to EUR 250,000 per contract\n"
    "year, except for wilful misconduct."
)
TRUE_QUOTE = (
    "The total liability of the supplier under this agreement is limited to EUR 250,000 "
    "per contract year"
)
INVENTED = (
    "The total liability of the supplier under this agreement is limited to EUR 350,000 "
    "per contract year"
)


def _ask(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    pdf = tmp_path / "agreement.pdf"
    write_pdf(pdf, [PAGE_ONE, PAGE_TWO])
    code = f"print(grep('liability limited'))\ncite({TRUE_QUOTE!r})\ncite({INVENTED!r})"
    answer = "FINAL(Liability is limited to EUR 250,000 per contract year.)"
    replay = tmp_path / "turns.json"
    replay.write_text(json.dumps({"responses": [f"```repl\n{code}\n```", answer]}))
    cmd = [sys.executable, "-m", "rlm_desktop", "ask", "What is the liability limit?"]
    cmd += ["--doc", str(pdf), "--backend", f"replay:{replay}", "--no-history", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=120)


def test_ask_json_verifies_a_reflowed_hyphenated_quote_in_a_pdf(tmp_path: Path) -> None:
    out = _ask(tmp_path, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["answer"] == "Liability is limited to EUR 250,000 per contract year."
    cited = data["citations"]
    assert set(cited[0]) >= {"document", "page", "start", "end", "quote", "verified"}
    true, invented = cited[0], cited[1]
    assert (true["document"], true["page"], true["verified"]) == ("agreement.pdf", 2, True)
    from rlm_desktop.documents.ingest import context_from_records, ingest_paths

    text = context_from_records(ingest_paths([str(tmp_path / "agreement.pdf")])).documents[0].text
    span = text[true["start"] : true["end"]]
    # the span is the document's own text: its hyphen and its line break, not the quote's
    assert "agree-" in span and "\nyear" in span
    assert normalise(span).text == normalise(TRUE_QUOTE).text
    assert true["start"] > text.index("--- page 2 of 2 ---")
    assert invented["verified"] is False and invented["start"] is None
    assert data["answer_verified"] is True and data["answer_note"] is None


def test_ask_prints_the_sources_under_the_answer(tmp_path: Path) -> None:
    out = _ask(tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "Liability is limited to EUR 250,000 per contract year."
    assert lines[2] == "Sources:"
    assert lines[3].startswith('  [1] agreement.pdf, page 2: "The total liability')
    assert lines[3].endswith("(verified)")
    assert lines[4].endswith("(not found in the documents)")
