"""The prompts: system prompts by model size (text files in `prompts/`) and the user turns.

The small-model variant is shorter and more explicit, with one worked example; the large one
describes the whole REPL. Every user turn carries a "Turn i of N" counter.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DIR = Path(__file__).with_name("prompts")

SUBCALL_HELP = {
    "small": (
        '- llm_query("question: " + text) asks a helper model about a piece of text.\n'
        '- map_query("question") asks the helper that question about every part of the '
        "documents and returns the answers.\n"
    ),
    "large": (
        "- llm_query(prompt) -> str: a plain model call on a prompt you build (e.g. a chunk\n"
        "  plus a question); llm_query_batched(prompts) -> list[str] for many at once.\n"
        "- rlm_query(question, sub_context) -> str (alias recursive_llm): a fresh RLM with its\n"
        "  own REPL over sub_context (a string, list of strings or dict name -> text).\n"
        "- map_query(question, text=None, chunk_chars=None): llm_query over every chunk.\n"
        "- ask_each_document(question): {document name: answer} for each document.\n"
    ),
}


@cache
def _template(name: str) -> str:
    return (_DIR / name).read_text(encoding="utf-8")


def system_prompt(variant: str, context_description: str, subcalls: bool) -> str:
    template = _template(f"system_{variant}.txt")
    help_text = SUBCALL_HELP[variant] if subcalls else ""
    return template.format(context_description=context_description, subcall_help=help_text)


def turn_counter(index: int, total: int) -> str:
    return f"Turn {index + 1} of {total}."


def first_user_message(question: str, total: int) -> str:
    return (
        f"Question: {question}\n\n{turn_counter(0, total)} Look at the documents first: "
        "write one ```repl block."
    )


def output_message(outputs: list[str], notes: list[str], index: int, total: int) -> str:
    parts = []
    for i, out in enumerate(outputs, start=1):
        label = "Output" if len(outputs) == 1 else f"Output of block {i}"
        parts.append(f"{label}:\n```\n{out.rstrip() or '(nothing was printed)'}\n```")
    parts.extend(notes)
    parts.append(
        f"{turn_counter(index, total)} Write one ```repl block, or answer with FINAL(answer)."
    )
    return "\n\n".join(parts)


def corrective_message(index: int, total: int) -> str:
    return (
        "Your reply had neither a ```repl block nor a FINAL(...) line. "
        f"{turn_counter(index, total)} Write one ```repl block, or FINAL(answer)."
    )


def look_first_message(index: int, total: int) -> str:
    return (
        "Do not answer yet: you have not looked at the documents. "
        f"{turn_counter(index, total)} Write one ```repl block first, "
        'for example grep("key words") or print(context[:1000]).'
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


def final_request(reason: str) -> str:
    return (
        f"You have reached {reason}. Reply now with one line: FINAL(your best answer), "
        "based on what you found so far."
    )
