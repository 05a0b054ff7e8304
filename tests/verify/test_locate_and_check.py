"""Locating quotes (exact, normalised, fuzzy) and checking answers, on plain documents."""

from __future__ import annotations

from rlm_desktop.documents.model import Document
from rlm_desktop.verify.citations import NO_FIGURE_NOTE, NOT_FOUND_NOTE, Checker, asks_for_figure
from rlm_desktop.verify.locate import DocumentSet

TEXT = (
    "Article 9. Liability\n"
    "The total liability of the Supplier under this agree-\n"
    "ment is limited to EUR 250,000 per contract year, except for wilful misconduct.\n"
    "Article 10. Term\nThis agreement runs for two years from signature.\n"
)
DOCS = [Document(name="supply.txt", text=TEXT)]


def test_quotes_are_found_exactly_normalised_and_fuzzily_with_their_spans() -> None:
    docs = DocumentSet(DOCS)
    exact = docs.locate("This agreement runs for two years")
    assert exact is not None and exact.match == "exact"
    assert TEXT[exact.start : exact.end] == "This agreement runs for two years"
    flowed = docs.locate("the total liability of the supplier under this AGREEMENT is limited")
    assert flowed is not None and flowed.match == "normalised"
    assert TEXT[flowed.start : flowed.end].startswith("The total liability")
    assert TEXT[flowed.start : flowed.end].endswith("is limited")
    short = "The total liability of the Supplier under this agreement is limited to EUR 250,000"
    dropped = docs.locate(short + " per year")  # "contract" left out
    assert dropped is not None and dropped.match == "fuzzy"
    assert "250,000 per contract year" in TEXT[dropped.start : dropped.end]


def test_an_invented_quote_and_a_changed_figure_are_not_found() -> None:
    docs = DocumentSet(DOCS)
    assert docs.locate("The buyer may end the agreement at any time without notice.") is None
    changed = "The total liability of the Supplier under this agreement is limited to EUR 350,000"
    assert docs.locate(changed) is None
    swapped = "This agreement runs for three years from signature."
    assert docs.locate(swapped) is None


def test_a_long_paragraph_is_quoted_by_its_sentence_that_backs_the_answer() -> None:
    para = "The curator lost a map of the harbour. " * 6
    para += "The access code for the Harbour vault is F988-F59. Tea was served afterwards. "
    docs = [Document(name="n.txt", text="intro\n" + para + "Photos were taken. " * 20)]
    check = Checker(docs).check("The Harbour vault is F988-F59.", [], [])
    assert [c.quote for c in check.citations] == [
        "The access code for the Harbour vault is F988-F59."
    ]
    assert check.answer_verified and check.citations[0].origin == "search"


def test_an_answer_with_an_invented_number_is_flagged_even_with_a_real_quote() -> None:
    check = Checker(DOCS).check(
        "Liability is capped at EUR 300,000.", [("This agreement runs for two years", "cite")], []
    )
    assert check.note == NOT_FOUND_NOTE and check.missing == ["300,000"]
    assert not check.answer_verified
    assert check.citations[0].verified and not check.citations[0].supports


def test_the_fuzzy_threshold_keeps_true_quotes_and_refuses_near_misses() -> None:
    from rlm_desktop.bench.citation_threshold import measure

    figures = measure(200, seed=3, rate=0.0)
    assert figures["false_accepted"] == 0  # one word away from a real sentence: refused
    assert figures["true_recall"] >= 0.98  # a real sentence with a word left out: found


def test_a_name_alone_does_not_back_an_answer_that_says_something_else() -> None:
    docs = [Document(name="n.txt", text="The access code for the Copper vault is N555-P90.\n")]
    wrong = Checker(docs).check("The Copper vault is not in use.", [], [])
    assert not wrong.answer_verified and wrong.note is None  # unverified, not invented
    right = Checker(docs).check("The access code is N555-P90.", [], [])
    assert right.answer_verified


def test_a_short_number_in_a_heading_or_page_line_does_not_back_an_answer() -> None:
    text = (
        "--- page 10 of 12 ---\nSUPPLY AGREEMENT - page 10\n"
        "Article 3. Term: this agreement runs for 36 months.\n"
    )
    docs = [Document(name="a.pdf", kind="pdf", text=text, pages=[0])]
    wrong = Checker(docs).check("The supply agreement runs for 10 days.", [], [])
    assert not wrong.answer_verified and wrong.note == NOT_FOUND_NOTE  # "10 days" is nowhere
    assert all("--- page" not in c.quote for c in wrong.citations)
    assert Checker(docs).check("It runs for 36 months.", [], []).answer_verified
    # the reader's page line is no document text: "12" is in no document
    assert Checker(docs).check("12", [], []).note == NOT_FOUND_NOTE


def test_an_answer_cut_mid_code_at_the_token_limit_is_judged_by_its_whole_codes() -> None:
    docs = [Document(name="n.txt", text="The access code for the Juniper vault is D836-B37.\n")]
    cut = "The access code is D836-B37. The access code for the Juniper vault is D836-B"
    check = Checker(docs).check(cut, [], [])
    assert check.answer_verified and check.note is None
    assert not Checker(docs).check("The code is D836-B", [], []).answer_verified


def test_an_answer_without_the_figure_its_question_asks_for_is_not_found() -> None:
    """The demo model's "Value A is taken from the spring inventory.": every word is in the
    appendix, but the value asked for is not in the answer."""
    docs = [Document(name="b.txt", text="Value A: 17 (taken from the spring inventory)\n")]
    vague = "Value A is taken from the spring inventory."
    check = Checker(docs).check(vague, [], [], question="What is Value A?")
    assert not check.answer_verified and check.note == NO_FIGURE_NOTE
    assert check.citations and check.citations[0].supports  # the passage is still shown
    assert Checker(docs).check(vague, [], [], "Where is Value A taken from?").answer_verified
    assert Checker(docs).check("Value A is 17.", [], [], "What is Value A?").answer_verified
    assert Checker(docs).check(vague, [], []).answer_verified  # no question: words alone


def test_questions_that_ask_for_a_figure() -> None:
    figures = [
        "How many chairs are there?",
        "how much did the audit cost",
        "What was the total cost of the project?",
        "What's the price of a licence?",
        "What is the magic number?",
        "What are the values listed in the appendix?",
    ]
    others = [
        "Which customer has the highest total?",
        "What is the name of the company with the highest value?",
        "Who signed the report?",
        "What is the access code?",
        "Where is Value A taken from?",
    ]
    assert [asks_for_figure(q) for q in figures] == [True] * len(figures)
    assert [asks_for_figure(q) for q in others] == [False] * len(others)
