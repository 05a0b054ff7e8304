"""Provenance and citations through the real engine and sandbox (replayed model turns)."""

from __future__ import annotations

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine import events as ev
from tests.engine.replay_run import DOCS, look, replay

PAGED = Document(
    name="report.pdf",
    kind="pdf",
    text="--- page 1 of 2 ---\nIntro text on page one.\n--- page 2 of 2 ---\n"
    "Liability is limited to EUR 250,000 per year.\nSigned by Ana Ruiz.\n",
    pages=[0, 43],
)


def _spans(events: list[ev.Event], kind: type) -> list[dict]:
    return [s for e in events if isinstance(e, kind) for s in e.sources]


def test_grep_hits_carry_document_page_line_and_span_on_the_host() -> None:
    code = (
        "hits = grep('liability limited')\nprint(hits)\nh = hits[0]\nprint(h.start, h.end, h.page)"
    )
    run = replay([look(code), "FINAL(EUR 250,000)"], context=Context([PAGED]))
    spans = _spans(run.events, ev.CellFinished)
    start = PAGED.text.index("Liability")
    end = PAGED.text.index("\nSigned")
    assert {
        "document": "report.pdf",
        "index": 0,
        "start": start,
        "end": end,
        "page": 2,
        "line": 4,
    } in spans
    cell = next(e for e in run.events if isinstance(e, ev.CellFinished))
    assert f"{start} {end} 2" in cell.output  # the hit's own fields, in the REPL
    # the spans stay on the host: never in what the model was sent
    sent = "\n".join(m["content"] for r in run.backend.requests for m in r.messages)
    assert "'index'" not in sent and '"index"' not in sent and "page=" not in sent


def test_slices_of_context_and_documents_map_back_to_their_document() -> None:
    code = (
        "i = context.index('Project Cormorant')\nprint(context[i:i+30])\n"
        "print(documents[0].text[12:35])"
    )
    run = replay([look(code), "FINAL(K-7731)"])
    spans = _spans(run.events, ev.CellFinished)
    names = {(s["document"], s["start"]) for s in spans}
    assert ("b.txt", 0) in names
    assert ("a.txt", 12) in names


def test_a_subcall_input_keeps_the_span_it_was_cut_from() -> None:
    code = "part = documents[1].text[:42]\nprint(llm_query('What is the key? ' + part))"
    run = replay([look(code), "K-7731", "FINAL(K-7731)"])
    spans = _spans(run.events, ev.SubcallStarted)
    assert spans and spans[0]["document"] == "b.txt"
    assert (spans[0]["start"], spans[0]["end"]) == (0, 42)


def test_cite_names_a_source_that_is_verified_with_its_span() -> None:
    code = "cite(grep('magic number')[0])\ncite('the moon is made of cheese today')"
    run = replay([look(code), "FINAL(42)"], context=DOCS)
    result = run.result
    cited = [c for c in result.citations if c.origin == "cite"]
    assert [c.verified for c in cited] == [True, False]
    first = cited[0]
    assert first.document == "a.txt"
    text = DOCS.documents[0].text
    assert text[first.start : first.end] == "The magic number is 42."
    assert result.answer_verified
    data = result.to_json()
    assert data["answer_verified"] is True
    assert data["citations"][0]["quote"] == "The magic number is 42."
    assert data["citations"][1]["verified"] is False and data["citations"][1]["start"] is None


def test_small_model_answer_gets_the_passage_it_read_attached() -> None:
    run = replay([look(), "FINAL(The magic number is 42)"])
    result = run.result
    assert result.answer_verified
    assert result.citations[0].origin == "read"
    assert result.citations[0].quote == "The magic number is 42."
    finished = next(e for e in run.events if isinstance(e, ev.RunFinished))
    assert finished.answer_verified and finished.citations[0]["document"] == "a.txt"


def test_an_answer_with_an_invented_number_is_flagged() -> None:
    run = replay([look(), "FINAL(The magic number is 47)"])
    result = run.result
    assert result.answer == "The magic number is 47"
    assert not result.answer_verified
    assert result.answer_note == "Not found in your documents: check this answer."


def test_an_answer_that_leaves_out_the_number_asked_for_is_not_found() -> None:
    """ "What is the magic number?" answered "The magic number.": its words are in the passage
    the run read, but the figure is not in the answer."""
    run = replay([look(), "FINAL(The magic number.)"])
    assert not run.result.answer_verified
    assert run.result.answer_note == (
        "The question asks for a figure, and this answer gives none: check it."
    )
    assert run.result.citations[0].quote == "The magic number is 42."  # where to look


def test_source_lines_in_final_are_checked_quotes() -> None:
    answer = (
        'FINAL(The key is K-7731.\nSource: "Project Cormorant\'s archive key is K-7731."\n'
        'Source: "The archive key is K-9999.")'
    )
    run = replay([look("print(grep('archive key'))"), answer], prompt_variant="large")
    named = [c for c in run.result.citations if c.origin == "final"]
    assert [(c.document, c.verified) for c in named] == [("b.txt", True), (None, False)]
    assert named[0].supports and run.result.answer_verified
    system = run.backend.requests[0].messages[0]["content"]
    assert "Source:" in system and "cite(hit_or_text)" in system
