"""GBNF grammars that constrain a small model's turn to the protocol (used by llama.cpp).

`TURN`: either one short line of reasoning followed by exactly one ```repl block, or a single
FINAL(...) / FINAL_VAR(...) line. `CODE_ONLY`: just a ```repl block, no reasoning line (a first
turn must look at the documents; measured with the 135M demo model, a reasoning line there
tends to copy the worked example into the code). `FINAL_ONLY`: just the answer line, when the
engine asks for it.

Every part has a length bound, so a constrained turn always ends well inside the engine's turn
budget (768 tokens) instead of rambling until it is cut off unparsed: a thought of at most 240
characters; 1–12 code lines of at most 160 characters, the first one not blank (the block is
never empty); an answer of at most 400 characters without parentheses (so the first ")" closes
it). Backticks cannot appear inside the block, so it closes exactly once. Checked with
llama.cpp's own GBNF parser (`llama_sampler_init_grammar`; `LlamaGrammar.from_string` no longer
parses in llama-cpp-python 0.3.36) and by parsing generated turns with `protocol.parse_turn`
(tests/llm/test_llama_grammar.py, `rlm-desktop bench backend`).
"""

import re

_FINAL = r"""
final    ::= "FINAL(" answer ")" | "FINAL_VAR(" ident ")"
answer   ::= [^\n()] [^\n()]{0,399}
ident    ::= [a-zA-Z_] [a-zA-Z0-9_]{0,39}
"""

_BLOCK = r"""
block    ::= "```repl\n" first line{0,11} "```"
first    ::= [^`\n \t] [^`\n]{0,159} "\n"
line     ::= [^`\n]{0,160} "\n"
"""
_CODE = (
    r"""
code     ::= thought? block
thought  ::= [^`\n] [^`\n]{0,239} "\n"
"""
    + _BLOCK
)

TURN = "root ::= final | code\n" + _FINAL + _CODE
CODE_ONLY = "root ::= block\n" + _BLOCK
FINAL_ONLY = "root ::= final\n" + _FINAL


def first_look(question: str, max_words: int = 6) -> str:
    """A small model's first turn: a grep of words it picks from the question. Measured with
    the 135M demo model, a free first turn often greps for the worked example's words or for
    garbage; picking from the question's own words it greps for the right line. (Offering
    `print(context[:2000])` as well lured the 270M Gemma away from grep.) Later turns are free."""
    from rlm_desktop.sandbox.helpers import STOPWORDS

    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]*", question)
    picked = list(dict.fromkeys(w for w in words if w.lower() not in STOPWORDS))
    if not picked:
        return CODE_ONLY
    choices = " | ".join(f'"{w}"' for w in picked)
    return (
        'root  ::= "```repl\\n" call "\\n```"\n'
        'call  ::= "grep(\\"" words "\\")"\n'
        f'words ::= word (" " word){{0,{max_words - 1}}}\n'
        f"word  ::= {choices}\n"
    )
