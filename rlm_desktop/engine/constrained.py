"""Constrained per-item sub-calls (the REPL's `classify`, `ask_number`, `ask_yes_no`, `extract`):
the grammar each answer is generated under, the check that maps any other answer to
"unknown", and the run-wide dedup and cache of answers.

A batch from the worker holds one prompt per item. Identical prompts (a collection that repeats
a line) are asked once; a prompt already answered earlier in the run (same constraint) is not
asked again. Both are counted in the run's statistics (`RunShared.repeats_skipped`,
`RunShared.cached_answers`; `ask --json` and the run's `RunFinished` carry them).
On the llama.cpp backend the grammar makes every answer an allowed value; backends that cannot
constrain (replay, most servers) get the same check after the fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rlm_desktop.sandbox.messages import Constraint, LlmQuery

UNKNOWN = "unknown"
SPAN_CHARS = 80
_NUMBER = re.compile(r"-?\d+")


def grammar_literal(text: str) -> str:
    """`text` as a GBNF string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def grammar_for(constraint: Constraint) -> str:
    """GBNF for one answer under `constraint` (root rule `root`)."""
    if constraint.kind == "choice":
        return "root ::= " + " | ".join(grammar_literal(c) for c in constraint.choices) + "\n"
    if constraint.kind == "number":
        return 'root ::= "-"? [0-9] [0-9]{0,8}\n'
    if constraint.kind == "yes_no":
        return 'root ::= "yes" | "no"\n'
    return f"root ::= [^\\n] [^\\n]{{0,{SPAN_CHARS - 1}}}\n"


def normalise(constraint: Constraint, text: str) -> str:
    """The answer as an allowed value, or UNKNOWN: a choice (matched without case, or the one
    choice the reply names), a whole number, yes/no, or a one-line span."""
    reply = " ".join(text.split()).strip(" .\"'`*")
    low = reply.lower()
    if constraint.kind == "choice":
        exact = [c for c in constraint.choices if c.lower() == low]
        if exact:
            return exact[0]
        named = [c for c in constraint.choices if re.search(rf"\b{re.escape(c.lower())}\b", low)]
        return named[0] if len(named) == 1 else UNKNOWN
    if constraint.kind == "number":
        found = _NUMBER.search(reply.replace(",", ""))
        return found.group() if found and len(found.group()) <= 10 else UNKNOWN
    if constraint.kind == "yes_no":
        word = low.split(" ", 1)[0].strip(",.!") if low else ""
        return word if word in ("yes", "no") else UNKNOWN
    line = text.strip().split("\n", 1)[0].strip()
    return line[:SPAN_CHARS] if line and line.lower() != "none" else UNKNOWN


@dataclass
class AnswerCache:
    """Answers of constrained prompts already asked in this run, and the counts."""

    answers: dict[tuple[Constraint, str], str] = field(default_factory=dict)
    repeats_skipped: int = 0  # prompts answered by an identical prompt of the same batch
    cached_answers: int = 0  # prompts answered from an earlier batch of the run


@dataclass
class AnswerPlan:
    """One constrained batch: the prompts still to ask, and how to fill in the rest."""

    request: LlmQuery
    ask: LlmQuery  # the distinct prompts not answered before
    keys: list[str]  # per prompt of the request

    @classmethod
    def make(cls, request: LlmQuery, cache: AnswerCache) -> AnswerPlan:
        assert request.constraint is not None
        constraint = request.constraint
        prompts: list[str] = []
        labels: list[str] = []
        seen: set[str] = set()
        for prompt, label in zip(request.prompts, request.labels, strict=True):
            if prompt in seen:
                cache.repeats_skipped += 1
            elif (constraint, prompt) in cache.answers:
                cache.cached_answers += 1
                seen.add(prompt)
            else:
                seen.add(prompt)
                prompts.append(prompt)
                labels.append(label)
        ask = LlmQuery(tuple(prompts), tuple(labels), constraint)
        return cls(request, ask, list(request.prompts))

    def fill(self, raw: tuple[str, ...], cache: AnswerCache) -> tuple[str, ...]:
        """Every prompt's allowed answer, from the fresh `raw` replies and the cache."""
        constraint = self.request.constraint
        assert constraint is not None
        for prompt, reply in zip(self.ask.prompts, raw, strict=True):
            cache.answers[(constraint, prompt)] = normalise(constraint, reply)
        return tuple(cache.answers[(constraint, key)] for key in self.keys)
