"""The prompts: system prompts by model size (text files in `prompts/`) and the user turns.

The small-model variant is shorter and more explicit, with worked examples; the large one
describes the whole REPL. Each names only the helpers the run's REPL offers. Every user turn
carries a "Turn i of N" counter.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rlm_desktop.engine.config import HelperChoice, Variant
from rlm_desktop.sandbox.helpers import CITE

_DIR = Path(__file__).with_name("prompts")

# What the REPL offers, line by line: (needs sub-calls, the helper it names or "", text).
REPL_HELP: dict[str, list[tuple[bool, str, str]]] = {
    "small": [
        (
            False,
            "grep",
            '- grep("some words") shows the lines that contain those words, best first.',
        ),
        (False, "", "- print(context[:1000]) shows the first 1000 characters."),
        (True, "", '- llm_query("question: " + text) asks a helper model about a piece of text.'),
        (
            True,
            "map_query",
            '- map_query("question") asks the helper that question about every part',
        ),
        (True, "map_query", "  of the documents and returns the answers."),
        (False, "chunks", "- chunks() returns the documents cut into parts, a list of strings."),
        (True, "ask_each_document", '- ask_each_document("question") asks the helper that'),
        (True, "ask_each_document", "  question about each document; returns {name: answer}."),
        (True, "classify", '- classify(items(), ["a", "b"]) gives each line one of the labels;'),
        (True, "classify", "  print(tally(...)) counts them, the most common first."),
    ],
    "large": [
        (
            False,
            "grep",
            "- grep(pattern, text=None, max_results=None): matching lines with document",
        ),
        (False, "grep", "  name and line number; case-insensitive, words in any order, best first"),
        (False, "grep", "  (a regex works too)."),
        (
            False,
            "chunks",
            "- chunks(text=None, size=None): the text cut into pieces for sub-calls.",
        ),
        (True, "", "- llm_query(prompt) -> str: a plain model call on a prompt you build (e.g."),
        (True, "", "  a chunk plus a question); llm_query_batched(prompts) -> list[str]."),
        (True, "", "- rlm_query(question, sub_context) -> str (alias recursive_llm): a fresh"),
        (True, "", "  RLM with its own REPL over sub_context (str, list of str or dict)."),
        (
            True,
            "map_query",
            "- map_query(question, text=None, chunk_chars=None): llm_query per chunk.",
        ),
        (
            True,
            "ask_each_document",
            "- ask_each_document(question): {document name: answer} for each one.",
        ),
        (False, "items", "- items(text=None) -> list[str]: the collection's items, one per"),
        (False, "items", "  non-empty line (default: every document's lines)."),
        (True, "classify", "- classify(items, labels, question=None) -> list[str]: one label"),
        (True, "classify", '  per item, or "unknown"; ask_yes_no(items, question) -> "yes"/"no";'),
        (True, "classify", "  ask_number(items, question) -> int or None; extract(items,"),
        (True, "classify", "  question) -> a short span copied from each item. One constrained"),
        (True, "classify", "  sub-call per distinct item (repeats asked once); answers cached."),
        (False, "tally", "- tally(answers): counts per answer, most common first (a dict);"),
        (False, "tally", "  count_pairs(answers): pairs of items with the same answer."),
        (True, "classify", "  Example, a question about the whole collection (map, then reduce):"),
        (True, "classify", "  ```repl"),
        (True, "classify", "  reviews = items()"),
        (True, "classify", '  kinds = classify(reviews, ["delivery", "quality", "praise"],'),
        (True, "classify", '                   "What does this review complain about?")'),
        (True, "classify", "  counts = tally(kinds)"),
        (True, "classify", "  print(counts)"),
        (True, "classify", '  late = [r for r, k in zip(reviews, kinds) if k == "delivery"]'),
        (True, "classify", "  print(len(late), late[:3])"),
        (True, "classify", "  ```"),
        (False, CITE, "- cite(hit_or_text): name a grep hit or the exact words as a source."),
    ],
}
# The worked examples of the small prompt, each with the helpers it calls (shown only when
# those are named in the prompt).
SMALL_EXAMPLES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("grep",),
        "Question: When does the Elm Street library open?\n"
        '```repl\ngrep("Elm Street library opens")\n```\n'
        "Output:\nnotes.txt, line 12:\nThe Elm Street library opens at 9:30 on weekdays.\n"
        "FINAL(The Elm Street library opens at 9:30 on weekdays.)",
    ),
    (
        ("grep",),
        "Question: Who signed the Baker contract?\n"
        '```repl\ngrep("signed Baker contract")\n```\n'
        "Output:\ncontract.txt, line 40:\nThe Baker contract was signed by Ana Ruiz.\n"
        "FINAL(The Baker contract was signed by Ana Ruiz.)",
    ),
)


@cache
def _template(name: str) -> str:
    return (_DIR / name).read_text(encoding="utf-8")


def repl_help(variant: Variant, subcalls: bool, helpers: HelperChoice | None = None) -> str:
    shown = (helpers or HelperChoice.usual()).named(variant)
    lines = [
        text
        for needs_subcalls, helper, text in REPL_HELP[variant]
        if (subcalls or not needs_subcalls)
        and (not helper or helper in shown or (helper == CITE and bool(shown)))
    ]
    return "".join(line + "\n" for line in lines)


def system_prompt(
    variant: Variant,
    context_description: str,
    subcalls: bool,
    examples: int = 2,
    helpers: HelperChoice | None = None,
) -> str:
    """The system prompt, naming only what the REPL really offers in this run (`helpers`:
    the usual choice when None)."""
    named = (helpers or HelperChoice.usual()).named(variant)
    usable = [text for needs, text in SMALL_EXAMPLES if set(needs) <= set(named)]
    shown = usable[:examples]
    if len(shown) == 1:
        example_text = "Example:\n" + shown[0]
    else:
        example_text = "".join(f"Example {i}:\n{ex}\n\n" for i, ex in enumerate(shown, 1))
    return _template(f"system_{variant}.txt").format(
        context_description=context_description,
        repl_help=repl_help(variant, subcalls, helpers),
        examples=example_text.strip(),
    )


def turn_counter(index: int, total: int) -> str:
    return f"Turn {index + 1} of {total}."


def first_user_message(question: str, total: int) -> str:
    # Short, with the question last: a child RLM evaluates only this message after the cached
    # system prompt (which asks for a look at the documents first).
    return f"{turn_counter(0, total)}\n\nQuestion: {question}"


def next_step(index: int, total: int, question: str | None) -> str:
    """The closing line of every feedback turn; small models also get the question again.

    Empty after the last turn: the engine then asks for the answer (`final_request`).
    """
    if index >= total:
        return ""
    if question is None:
        return (
            f"{turn_counter(index, total)} Write one ```repl block, or answer with FINAL(answer)."
        )
    # Measured with the 135M demo model: an instruction with a placeholder ("reply
    # FINAL(the answer)") gets copied verbatim; the bare question followed by "Answer:" gets
    # the answer read off the output.
    return f"{turn_counter(index, total)} Question: {question}\nAnswer:"


def output_message(
    outputs: list[str], notes: list[str], index: int, total: int, question: str | None = None
) -> str:
    parts = []
    for i, out in enumerate(outputs, start=1):
        label = "Output" if len(outputs) == 1 else f"Output of block {i}"
        parts.append(f"{label}:\n```\n{out.rstrip() or '(nothing was printed)'}\n```")
    parts.extend(notes)
    parts.append(next_step(index, total, question))
    return "\n\n".join(p for p in parts if p)


def repeated_code_message(index: int, total: int, question: str | None) -> str:
    return "You already ran exactly this code; its output is above. " + next_step(
        index, total, question
    )


def corrective_message(index: int, total: int) -> str:
    return (
        "Your reply had neither a ```repl block nor a FINAL(...) line. "
        f"{turn_counter(index, total)} Write one ```repl block, or FINAL(answer)."
    )


def look_hint(grep: bool = True) -> str:
    """How to look at the documents, naming grep only where the REPL has it."""
    return (
        'for example grep("key words") or print(context[:1000])'
        if grep
        else ("for example print(context[:1000])")
    )


def look_first_message(index: int, total: int, grep: bool = True) -> str:
    return (
        "Do not answer yet: you have not looked at the documents. "
        f"{turn_counter(index, total)} Write one ```repl block first, {look_hint(grep)}."
    )


def missing_var_message(name: str, defined: list[str], index: int, total: int) -> str:
    have = ", ".join(defined[:20]) or "none"
    return (
        f"FINAL_VAR({name}): there is no variable named {name!r} (defined: {have}). "
        f"{turn_counter(index, total)} Assign it in a ```repl block, or answer with FINAL(answer)."
    )


IGNORED_FINAL_NOTE = (
    "(Your FINAL line was ignored: it was written before you saw this output. "
    "Answer in your next turn if the output confirms it.)"
)


def early_final_note(grep: bool = True) -> str:
    return (
        "(Your answer was ignored: you have not looked at the documents yet. "
        f"Look first, {look_hint(grep)}.)"
    )


def final_request(reason: str, question: str) -> str:
    return (
        f"You have reached {reason}. Question: {question}\n"
        "Reply now with one line FINAL(...) that holds your best answer, "
        "based on what you found so far."
    )


NO_ANSWER_NOTE = (
    "No answer: the model repeated the instructions' example or wording instead of "
    "answering from the documents."
)


def copied_answer_message(index: int, total: int, question: str | None) -> str:
    return (
        "That answer repeats the instructions (their example or wording), not the documents. "
        "Read the documents and answer from what they say. " + next_step(index, total, question)
    )


def engine_texts(reason: str = "the turn limit") -> list[str]:
    """The engine's own messages, for catching an answer copied from them."""
    return [
        corrective_message(0, 2),
        look_first_message(0, 2),
        look_first_message(0, 2, grep=False),
        IGNORED_FINAL_NOTE,
        early_final_note(),
        final_request(reason, ""),
        repeated_code_message(0, 2, None),
        next_step(0, 2, None),
    ]


def shown_examples(variant: Variant, examples: int, helpers: HelperChoice | None) -> list[str]:
    """The worked examples the system prompt shows."""
    if variant != "small":
        return []
    named = (helpers or HelperChoice.usual()).named(variant)
    return [text for needs, text in SMALL_EXAMPLES if set(needs) <= set(named)][:examples]
