"""The REPL helpers a small model can use in one line: grep, chunks, map_query,
ask_each_document — run in the real worker."""

import pytest
from replay_run import Replayed, look, replay

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine import grammar
from rlm_desktop.engine.config import EngineConfig, HelperChoice
from rlm_desktop.engine.events import SubcallStarted
from rlm_desktop.engine.narrate import narrate
from rlm_desktop.engine.tree import RunTree


def test_grep_is_forgiving_words_in_any_order_case_insensitive() -> None:
    run = replay([look("print(grep('archive key of project cormorant'))"), "FINAL(K-7731)"])
    assert "b.txt, line 1:\nProject Cormorant's archive key is K-7731." in run.prompt_of_call(1)


def test_grep_ranks_the_best_line_first_and_accepts_regex() -> None:
    text = "\n".join(["key alone", "the archive key is 5", "unrelated", "archive only"])
    ctx = Context([Document(name="n.txt", text=text)])
    code = "r = grep('archive key')\nprint(r[0])\nprint(len(r))\nprint(grep(r'is \\d+'))"
    run = replay([look(code), "FINAL(x)"], context=ctx)
    out = run.prompt_of_call(1)
    assert "n.txt, line 2:\nthe archive key is 5\n3\n" in out  # best first; "unrelated" left out
    assert out.split("\n3\n", 1)[1].startswith("n.txt, line 2:\nthe archive key is 5\n```")


def test_grep_with_no_match_says_so() -> None:
    run = replay([look("print(grep('zebra giraffe'))"), "FINAL(none)"])
    assert "(no matching lines)" in run.prompt_of_call(1)


def test_chunks_cover_the_text_without_loss() -> None:
    text = "".join(f"line {i}\n" for i in range(500))
    ctx = Context([Document(name="t.txt", text=text)])
    code = (
        "parts = chunks(size=600)\n"
        "print(len(parts), ''.join(parts) == context, max(map(len, parts)))"
    )
    run = replay([look(code), "FINAL(x)"], context=ctx)
    count, same, longest = run.prompt_of_call(1).split("```\n")[1].split()[:3]
    assert same == "True" and int(longest) <= 600 and int(count) >= len(text) // 600


def test_map_query_asks_about_every_chunk_batched() -> None:
    text = "alpha\n" * 300  # 1,800 characters → three chunks of 600
    ctx = Context([Document(name="t.txt", text=text)])
    code = "print(map_query('Is alpha here?', chunk_chars=600))"
    run = replay([look(code), "yes", "yes", "NONE", "FINAL(x)"], context=ctx)
    assert "['yes', 'yes', 'NONE']" in run.prompt_of_call(4)
    leaf_prompt = run.backend.requests[1].messages[0]["content"]
    assert leaf_prompt.startswith("Is alpha here?") and "alpha" in leaf_prompt


def test_ask_each_document_returns_an_answer_per_document() -> None:
    code = "print(ask_each_document('What number is here?'))"
    run = replay([look(code), "42", "NONE", "FINAL(x)"])
    assert "{'a.txt': '42', 'b.txt': 'NONE'}" in run.prompt_of_call(3)


def _subcall_lines(run: Replayed) -> list[str | None]:
    """The progress line the window shows as each sub-call starts."""
    tree, lines = RunTree(), []
    for event in run.events:
        tree.apply(event)
        if isinstance(event, SubcallStarted):
            lines.append(narrate(event, tree))
    return lines


def test_helper_questions_say_which_document_they_read() -> None:
    code = "print(ask_each_document('What number?'))\nprint(llm_query('plain'))"
    run = replay([look(code), "42", "NONE", "x", "FINAL(x)"])
    lines = _subcall_lines(run)
    assert lines == [
        "Reading a.txt with a helper question…",
        "Reading b.txt with a helper question…",
        "Asking the model a helper question…",
    ]
    tree = RunTree()
    for event in run.events:
        tree.apply(event)
    labels = [n.label for n in tree.nodes.values() if n.kind == "subcall"]
    assert labels == [
        "llm_query (a.txt): What number?",
        "llm_query (b.txt): What number?",
        "llm_query: plain",
    ]


def test_map_query_counts_its_parts_in_the_progress_line() -> None:
    ctx = Context([Document(name="t.txt", text="alpha\n" * 300)])
    run = replay(
        [look("map_query('Is alpha here?', chunk_chars=600)"), "a", "b", "c", "FINAL(x)"],
        context=ctx,
    )
    lines = _subcall_lines(run)
    assert lines[2] == "Reading the documents with a helper question, 3 of 3…"


def test_show_vars_lists_the_models_variables() -> None:
    run = replay([look("total = 3\nnames = ['a']\nprint(SHOW_VARS())"), "FINAL(x)"])
    out = run.prompt_of_call(1)
    assert "total: int" in out and "names: list, len 1" in out and "grep" not in out


def test_grep_ranks_the_exact_name_above_near_misses() -> None:
    lines = [
        "Project Great Avocet's archive key is V861-J18.",
        "Project Avocets's archive key is D907-N88.",
        "Project Avocet's archive key is R243-J18.",
        "Project Heron's archive key is K555-L12.",
    ]
    ctx = Context([Document(name="m.txt", text="\n".join(lines))])
    run = replay([look("print(grep('archive key of Project Avocet')[0])"), "FINAL(x)"], context=ctx)
    assert "m.txt, line 3:\nProject Avocet's archive key is R243-J18." in run.prompt_of_call(1)


SMALL = {"prompt_variant": "small", "grammar": "on"}
HIDDEN_FROM_GREP_ONLY = ("chunks", "map_query", "ask_each_document")


def _system(run: Replayed) -> str:
    return run.backend.requests[0].messages[0]["content"]


def test_only_the_chosen_helpers_are_in_the_prompt_and_the_repl() -> None:
    code = "print(grep('magic number'))\nprint(chunks())"
    run = replay([look(code), "FINAL(42)"], helpers=HelperChoice.only(("grep",)), **SMALL)
    system = _system(run)
    assert 'grep("some words")' in system and "Example 2:" in system
    assert not [name for name in HIDDEN_FROM_GREP_ONLY if name in system]
    out = run.prompt_of_call(1)
    assert "a.txt, line 2:\nThe magic number is 42." in out  # the shown helper works
    assert "NameError: name 'chunks' is not defined" in out  # the hidden one is not there


def test_without_grep_no_example_and_no_grep_first_turn() -> None:
    code = "print(len(chunks(size=200)))\nprint(grep('magic'))"
    run = replay(
        ["FINAL(42)", look(code), "FINAL(42)"],
        helpers=HelperChoice.only(("chunks", "map_query")),
        **SMALL,
    )
    system = _system(run)
    assert "- chunks() returns" in system and 'map_query("question")' in system
    assert "grep" not in system and "Example" not in system  # the examples call grep
    assert run.backend.requests[0].grammar == grammar.CODE_ONLY
    look_first = run.prompt_of_call(1)
    assert "print(context[:1000])" in look_first and "grep" not in look_first
    out = run.prompt_of_call(2)
    assert "```\n1\n" in out and "NameError: name 'grep' is not defined" in out


def test_all_helpers_by_name_are_named_the_default_names_grep_and_map_query() -> None:
    every = ("grep", "chunks", "map_query", "ask_each_document")
    named = _system(replay([look(), "FINAL(42)"], helpers=HelperChoice.only(every), **SMALL))
    assert "- chunks() returns" in named and 'ask_each_document("question")' in named
    code = "print(len(chunks()), sorted(ask_each_document('n?')))"
    default = replay([look(code), "a", "b", "FINAL(42)"], **SMALL)  # HelperChoice.usual()
    system = _system(default)
    assert 'grep("some' in system and 'map_query("question")' in system
    assert "chunks" not in system and "ask_each_document" not in system
    assert "1 ['a.txt', 'b.txt']" in default.prompt_of_call(3)  # all four still in the REPL
    assert default.backend.requests[0].grammar == grammar.first_look("What is the magic number?")


def test_unknown_helper_names_are_refused() -> None:
    assert HelperChoice.only(("map_query", "grep")).in_repl == ("grep", "map_query")
    assert HelperChoice.none().in_repl == () and HelperChoice.none().named("large") == ()
    assert EngineConfig().helpers == HelperChoice.usual()
    assert HelperChoice.usual().named("small") == ("grep", "map_query")
    with pytest.raises(ValueError, match="unknown helpers: grepp"):
        HelperChoice.only(("grepp",))
