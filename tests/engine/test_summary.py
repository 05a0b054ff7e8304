"""Plain-language step lines (engine/summary.py) for every kind of step, from runs replayed
through the real engine and sandbox: grep (with pages), slices, llm_query, rlm_query, batched,
ask_each_document / map_query, counting, FINAL, errors and budgets."""

from __future__ import annotations

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine.summary import summarize
from rlm_desktop.engine.tree import RunTree, TreeNode
from tests.engine.replay_run import Replayed, look, replay

NAMES = ["a.txt", "b.txt"]


def tree_of(run: Replayed) -> RunTree:
    tree = RunTree()
    for event in run.events:
        tree.apply(event)
    return tree


def lines(run: Replayed, kind: str, names: list[str] = NAMES) -> list[str]:
    tree = tree_of(run)
    return [summarize(n, tree, names) for n in tree.walk() if n.kind == kind]


def first(run: Replayed, kind: str) -> TreeNode:
    return next(n for n in tree_of(run).walk() if n.kind == kind)


def test_grep_says_what_was_searched_and_where_it_was_found() -> None:
    run = replay([look("print(grep('magic number'))"), "FINAL(42)"])
    assert lines(run, "cell") == [
        "Searched all documents for 'magic number' → 1 match (a.txt, line 2)"
    ]


def test_grep_names_the_page_of_a_paged_document() -> None:
    text = "--- page 1 of 2 ---\nIntro.\n--- page 2 of 2 ---\nA line.\nThe liability cap is 2M.\n"
    doc = Document(name="supply.pdf", text=text, kind="pdf", pages=[0, text.index("--- page 2")])
    run = replay([look("print(grep('liability cap'))"), "FINAL(2M)"], context=Context([doc]))
    assert "supply.pdf, page 2, line 3:\nThe liability cap is 2M." in run.prompt_of_call(1)
    assert lines(run, "cell") == [
        "Searched all documents for 'liability cap' → 1 match (supply.pdf, page 2)"
    ]


def test_grep_without_a_match_says_so() -> None:
    run = replay([look("print(grep('zebra giraffe'))"), "FINAL(none)"])
    assert lines(run, "cell") == ["Searched all documents for 'zebra giraffe' → no match"]


def test_a_slice_names_the_document_read() -> None:
    run = replay([look("print(documents[1].text[:30])"), "FINAL(K-7731)"])
    assert lines(run, "cell") == ["Read part of b.txt"]
    run = replay([look("print(documents[0].text)"), "FINAL(42)"])
    assert lines(run, "cell") == ["Read a.txt"]


def test_llm_query_and_its_helper_question() -> None:
    code = "r = llm_query('What is the magic number? ' + documents[0].text)\nprint(r)"
    run = replay([look(code), "42", "FINAL(42)"])
    assert lines(run, "cell") == ["Asked the helper a question"]
    assert lines(run, "subcall") == [
        "Asked the helper: “What is the magic number? Intro line.” → 42"
    ]


def test_batched_questions_are_counted() -> None:
    code = "print(llm_query_batched(['Value A?', 'Value B?', 'Value C?']))"
    run = replay([look(code), "1", "2", "3", "FINAL(6)"])
    assert lines(run, "cell") == ["Asked the helper 3 questions"]


def test_rlm_query_hands_documents_to_a_helper_run() -> None:
    code = "print(rlm_query('Which values does this list?', documents[1].text))"
    run = replay([look(code), look("print(grep('key'))"), "FINAL(K-7731)", "FINAL(K-7731)"])
    assert lines(run, "cell")[0] == "Handed part of the documents to a helper run"
    assert lines(run, "subcall") == ["Helper run: “Which values does this list?” → K-7731"]
    # the helper run's own steps are summarised too
    assert lines(run, "iteration") == [
        "Step 1: the model chose to hand work to a helper run",
        "Step 1: the model chose to search the documents",  # the helper run's own steps
        "Step 2: the model wrote the answer",
        "Step 2: the model wrote the answer",
    ]
    tree = tree_of(run)
    child_cell = next(n for n in tree.walk() if n.kind == "cell" and n.depth > 0)
    assert summarize(child_cell, tree, NAMES) == (
        "Searched the part it was given for 'key' → 1 match (the text, line 1)"
    )


def test_ask_each_document_and_counting_the_answers() -> None:
    code = (
        "answers = ask_each_document('Does it mention a number?')\n"
        "print(sum(1 for a in answers.values() if 'yes' in a.lower()))"
    )
    run = replay([look(code), "yes", "no", "FINAL(1)"])
    assert lines(run, "cell") == [
        "Asked the helper about each of 2 documents; Counted the answers: 1"
    ]
    assert lines(run, "subcall") == [
        "Asked the helper about a.txt → yes",
        "Asked the helper about b.txt → no",
    ]


def test_map_query_counts_the_parts() -> None:
    run = replay([look("print(map_query('Any number?'))"), "42", "FINAL(42)"])
    assert lines(run, "cell") == ["Asked the helper about each of 1 part of the documents"]


def test_final_is_the_answer() -> None:
    run = replay([look(), look("x = 40 + 2\nFINAL_VAR(x)")])
    assert lines(run, "cell")[1] == "Wrote the answer"
    assert lines(run, "run") == ["Your question: “What is the magic number?” — answered"]
    run = replay([look(), "FINAL(42)"])
    assert lines(run, "iteration") == [
        "Step 1: the model chose to search the documents",
        "Step 2: the model wrote the answer",
    ]


def test_an_error_says_what_happened_in_words() -> None:
    run = replay([look("print(undefined_name)"), "FINAL(42)"])
    assert lines(run, "cell") == [
        "This step used a name that does not exist; the model tries again"
    ]
    run = replay([look("print(grep('magic'))\nprint(documents[9])"), "FINAL(42)"])
    assert lines(run, "cell")[0].startswith("Searched all documents for 'magic' → 1 match")
    assert lines(run, "cell")[0].endswith(
        ", but asked for a part that does not exist; the model tries again"
    )


def test_a_run_out_of_budget_says_so() -> None:
    run = replay([look(), look(), look(), look()], max_iterations=2)
    assert run.result.status == "budget"
    assert lines(run, "run") == [
        "Your question: “What is the magic number?” — reached a limit; best answer so far"
    ]


def test_the_technical_label_is_kept_for_the_code_view() -> None:
    run = replay([look(), "FINAL(42)"])
    assert first(run, "cell").label == "Code 1: print(grep('magic number'))"


def test_what_a_stopped_run_had_found() -> None:
    from rlm_desktop.engine.summary import found_so_far

    run = replay([look(), look("print(1 + 1)"), "FINAL(42)"])
    assert found_so_far(tree_of(run), NAMES) == (
        "- Searched all documents for 'magic number' → 1 match (a.txt, line 2): "
        "“The magic number is 42.”"
    )
    assert found_so_far(tree_of(replay([look("print(1 + 1)"), "FINAL(2)"]))) == ""


def test_a_failed_run_says_where_it_stopped() -> None:
    run = replay([look()])  # the recording ends: the second call fails
    assert run.result.status == "error"
    assert lines(run, "iteration")[-1] == "Step 2: stopped by an error (see the answer area)"
    assert lines(run, "run") == ["Your question: “What is the magic number?” — failed"]


def test_counting_pairs_with_the_per_item_helpers_says_the_count() -> None:
    code = "print(count_pairs(classify(['a', 'b', 'c'], ['red', 'blue'])))"
    run = replay([look(code), "red", "red", "blue", "FINAL(1)"])
    cell = lines(run, "cell")
    assert len(cell) == 1 and cell[0].endswith("Counted the answers: 1"), cell
