"""The numbered sources under an answer: passages with the answer's words marked, verified
ones clickable (asking for the viewer at that citation), the warning shown."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from rlm_desktop.ui.sources_view import SourcesView
from rlm_desktop.verify.citations import NOT_FOUND_NOTE, verdict

CITED = {
    "document": "agreement.pdf",
    "page": 3,
    "start": 120,
    "end": 170,
    "quote": "Liability is limited to EUR 250,000 per contract year.",
    "verified": True,
}
MISSING = {
    "document": None,
    "page": None,
    "start": None,
    "end": None,
    "quote": "made up",
    "verified": False,
}


def test_sources_are_numbered_marked_and_open_the_viewer(qtbot: QtBot) -> None:
    view = SourcesView()
    qtbot.addWidget(view)
    view.set_sources([CITED, MISSING], "The limit is EUR 250,000.", None)
    assert len(view.rows) == 2 and view.note.isHidden()
    first = view.rows[0].text()
    assert first.startswith("<b>[1]</b>") and "agreement.pdf, page 3" in first
    assert '<span style="background-color: rgba(255, 208, 0, 0.55);">250,000</span>' in first
    assert "✓ verified" in first
    second = view.rows[1].text()
    assert "href" not in second and "not found in your documents" in second
    with qtbot.waitSignal(view.open_requested) as got:
        view.rows[0].linkActivated.emit("source:0")
    assert got.args == [CITED]
    view.set_sources([], "EUR 350,000", NOT_FOUND_NOTE)
    assert view.rows == [] and view.note.text() == NOT_FOUND_NOTE


def test_the_answer_box_says_found_only_with_a_verified_source() -> None:
    assert verdict("EUR 250,000", True) == "Answer found"
    assert verdict("EUR 250,000", False) == "Unverified answer"
    assert verdict("", False) == "No answer"
