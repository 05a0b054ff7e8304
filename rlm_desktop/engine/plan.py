"""A small model's first turn: a lookup (grep of the question's words) or a whole-collection
plan (the per-item helpers over every item, then a tally), chosen from the question's form.

"How many …", "which … most/least …", "most common", "list all/every …", "pairs": the answer
depends on every item, and a grep shows one line (a small model reads one line well; README,
"How the small-model defaults were chosen"). Such a question's first turn runs a plan: with the
options the question names ("delivery, quality or praise") each item is classified among them,
else each item is asked the question as a yes/no; then the answers are counted, and a count or
the most common option is the answer. Any other
question gets the grep first turn (`grammar.first_look`). The choice is measured with
`rlm-desktop bench accuracy` (`--no-plan` turns it off). Later turns stay free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.constrained import grammar_literal

FirstKind = Literal["lookup", "plan"]
_WHOLE = re.compile(
    r"\bhow many\b|\bhow often\b|\bmost common\b|\bmost frequent\b|\bmore common\b"
    r"|\bwhich\b[^?]*\b(?:most|least|more|fewer)\b|\blist (?:all|every)\b|\bevery\b"
    r"|\bcount (?:the|all|every)\b|\bpairs?\b|\bin total\b",
    re.IGNORECASE,
)
_WORD = r"[A-Za-z][A-Za-z'-]*(?: [A-Za-z][A-Za-z'-]*)?"
# "…: a, b or c" / "…: a or b" (after a colon), or "a, b or c" (at least three, with commas)
_OPTIONS = re.compile(
    rf"(?::\s*({_WORD}(?:, {_WORD})*,? or {_WORD})|({_WORD}(?:, {_WORD})+,? or {_WORD}))"
)
_LEAD = re.compile(r"^(?:one word|answer|either|choose|is it|about|is|are)\W+", re.I)
_HOW_MANY = re.compile(
    r"how many (?:of (?:the|these|those|our|my) )?([A-Za-z-]+?)s? (.+?)\??$", re.IGNORECASE
)
_TO_BE = {"are": "is", "were": "was", "have": "has", "do": "does", "did": "did"}


@dataclass(frozen=True)
class FirstTurn:
    """What a small model's first turn does: its kind, and the code the plan runs."""

    kind: FirstKind
    code: str = ""  # the plan's one line ("" for a lookup)


def is_whole_collection(question: str) -> bool:
    """Whether the question's form asks about the whole collection (count, rank, list all)."""
    return bool(_WHOLE.search(question))


def named_options(question: str) -> tuple[str, ...]:
    """The options a question names ("…: delivery, quality or praise?"), the last such list;
    () when it names none (one word or phrase each, at most eight)."""
    found = [a or b for a, b in _OPTIONS.findall(question)]
    if not found:
        return ()
    last = _LEAD.sub("", found[-1].strip())
    parts = re.split(r",? or |, ", last)
    words = [p.strip().lower() for p in parts if p.strip()]
    words = list(dict.fromkeys(words))
    return tuple(words) if 2 <= len(words) <= 8 else ()


def per_item_question(question: str) -> str:
    """A whole-collection question asked of one item: "How many of the reviews complain about
    X?" → "Does this review complain about X?"; other forms are kept as they are."""
    first = re.split(r"(?<=[?.])\s", question.strip(), maxsplit=1)[0].rstrip("?. ")
    found = _HOW_MANY.search(first + "?")
    if not found:
        return f"Does this item answer: {first}?"
    noun, rest = found.group(1).lower(), found.group(2).strip()
    verb, _, tail = rest.partition(" ")
    if verb.lower() in _TO_BE:
        return f"{_TO_BE[verb.lower()].capitalize()} this {noun} {tail}?".replace("  ", " ")
    return f"Does this {noun} {rest}?"


def plan_code(question: str) -> str:
    """The plan's code. When the question asks for a count, the most common option or a pair
    count, the plan answers with it (`FINAL`): measured with both bundled models, a free turn
    after the printed result did not copy it (it copied the worked example or the question).
    Otherwise it prints a tally of yes/no per item and later turns go on from there."""
    options = named_options(question)
    how_many = re.search(r"\bhow many\b(.*)", question, re.IGNORECASE | re.DOTALL)
    if options:
        mapped = f"classify(items(), {list(options)!r})"
        if re.search(r"\bpairs?\b", question, re.IGNORECASE):
            return f"FINAL(count_pairs({mapped}))"
        asked = [o for o in options if how_many and o in how_many.group(1).lower()]
        if asked:
            return f"FINAL({mapped}.count({asked[0]!r}))"
        return f"FINAL(tally({mapped}).most_common())"
    per_item = per_item_question(question).replace('"', "'")
    mapped = f'ask_yes_no(items(), "{per_item}")'
    return f'FINAL({mapped}.count("yes"))' if how_many else f"print(tally({mapped}))"


PLAN_HELPERS = ("items", "classify", "ask_yes_no", "tally", "count_pairs")


def can_plan(config: EngineConfig) -> bool:
    """Whether a run's REPL can run a plan: per-item helpers and sub-calls on, plans wanted."""
    helpers = set(config.helpers.in_repl)
    return config.plan_first and config.subcalls and set(PLAN_HELPERS) <= helpers


def first_turn(question: str, can_plan: bool) -> FirstTurn:
    """The first turn for `question`: a plan when it is a whole-collection question and the
    REPL can run one (`can_plan`: the per-item helpers and sub-calls are on), else a lookup."""
    if can_plan and is_whole_collection(question):
        return FirstTurn("plan", plan_code(question))
    return FirstTurn("lookup")


def plan_grammar(code: str) -> str:
    """GBNF for a first turn that runs exactly `code` in one ```repl block."""
    return f'root ::= "```repl\\n" {grammar_literal(code)} "\\n```"\n'
