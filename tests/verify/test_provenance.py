"""The join layout: offsets in `context` map back to a document and an offset in its text."""

from __future__ import annotations

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.verify.provenance import ProvenanceIndex, context_starts

CONTEXT = Context(
    [
        Document(name="a.txt", text="Alpha line one.\nAlpha line two."),
        Document(
            name="b.pdf",
            text="--- page 1 of 2 ---\nOne.\n--- page 2 of 2 ---\nTwo is here.",
            kind="pdf",
            pages=[0, 25],
        ),
    ]
)


def test_context_offsets_map_to_their_document_page_and_line() -> None:
    text = CONTEXT.text
    starts = context_starts(CONTEXT)
    for doc, start in zip(CONTEXT.documents, starts, strict=True):
        assert text[start : start + len(doc.text)] == doc.text
    index = ProvenanceIndex(CONTEXT)
    at = text.index("Two is here")
    span = index.from_context(at, at + 11)
    assert span is not None
    assert (span.document, span.page, span.line) == ("b.pdf", 2, 4)
    assert CONTEXT.documents[1].text[span.start : span.end] == "Two is here"
    assert index.from_context(0, 5) is None  # the first boundary line is no document's text


def test_a_single_document_context_is_the_document() -> None:
    one = Context([Document(name="a.txt", text="Just this.")])
    assert one.text == "Just this." and context_starts(one) == [0]
    span = ProvenanceIndex(one).from_context(5, 9)
    assert span is not None and (span.start, span.end) == (5, 9)
