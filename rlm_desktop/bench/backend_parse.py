"""The protocol parse-rate part of `bench backend`: 30 model turns, with and without grammar.

Ten small tasks (made-up documents and questions) in three conversation states each — the
first turn, a turn after some output, a turn after an empty output — built with the engine's
real prompts (small-model variant) and sent straight to the backend with the engine's grammar
choice for a small model (a first turn is a grep of words from the question, `first_look`;
later turns TURN). A turn parses when `protocol.parse_turn` finds a code block or a FINAL
answer in it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine import grammar, prompts
from rlm_desktop.engine.protocol import parse_turn
from rlm_desktop.llm.base import Backend, GenerationRequest, Message

TOTAL_TURNS = 8
TASKS: list[tuple[str, str, str, str]] = [
    # (document name, a line of it, the question, a line the model's code might print)
    ("notes.txt", "The archive access code is 7731.", "What is the access code?", "7731"),
    ("contract.txt", "Signed by Ana Ruiz on 3 May 2021.", "Who signed the contract?", "Ana Ruiz"),
    ("sales.csv", "month,total\nMarch,1200\nApril,1750", "Which month sold most?", "April,1750"),
    ("minutes.md", "Next meeting: 10 June, room 4.", "When is the next meeting?", "10 June"),
    ("recipe.txt", "Bake for 35 minutes at 180 C.", "How long does it bake?", "35 minutes"),
    ("invoice.txt", "Total due: 412.50 EUR by 1 July.", "How much is due?", "412.50 EUR"),
    ("log.txt", "ERROR disk full on node-7 at 02:14", "Which node failed?", "node-7"),
    ("cv.txt", "Languages: Spanish, German, Thai.", "Which languages are listed?", "Spanish"),
    ("manual.txt", "Hold the reset button for 8 seconds.", "How do I reset it?", "8 seconds"),
    (
        "trip.txt",
        "Flight LH 402 leaves Frankfurt at 13:05.",
        "When does the flight leave?",
        "13:05",
    ),
]


@dataclass
class ParseRun:
    turns: int = 0
    parsed: int = 0
    tokens: int = 0
    gen_seconds: float = 0.0
    failures: list[str] | None = None

    @property
    def rate(self) -> float:
        return self.parsed / self.turns if self.turns else 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.gen_seconds if self.gen_seconds else 0.0


def conversations(tasks: int = len(TASKS)) -> list[tuple[list[Message], str]]:
    """(messages, the engine's grammar for that turn) pairs: the first `tasks` tasks (all ten:
    30 turns) in three states."""
    out: list[tuple[list[Message], str]] = []
    for name, line, question, found in TASKS[:tasks]:
        filler = "\n".join(f"Line {i}: routine entry, nothing to report." for i in range(40))
        doc = Document(name=name, text=f"{filler}\n{line}\n{filler}")
        system = prompts.system_prompt("small", Context([doc]).describe(), True)
        first = prompts.first_user_message(question, TOTAL_TURNS)
        code = f'```repl\ngrep("{question.split()[-1].strip("?")}")\n```'
        base: list[Message] = [
            {"role": "system", "content": system},
            {"role": "user", "content": first},
        ]
        out.append((base, grammar.first_look(question)))
        shown = f"{name}:41: {line.splitlines()[-1]}" if found else ""
        for output in (shown, ""):
            reply = prompts.output_message([output], [], 1, TOTAL_TURNS, question)
            out.append(
                (
                    [
                        *base,
                        {"role": "assistant", "content": code},
                        {"role": "user", "content": reply},
                    ],
                    grammar.TURN,
                )
            )
    return out


def measure_parse_rate(
    backend: Backend, use_grammar: bool, max_tokens: int, tasks: int = len(TASKS)
) -> ParseRun:
    run = ParseRun(failures=[])
    for i, (messages, engine_grammar) in enumerate(conversations(tasks)):
        gbnf = engine_grammar if use_grammar else None
        stamps: list[float] = []
        request = GenerationRequest(
            messages=messages, max_tokens=max_tokens, grammar=gbnf, session=f"parse{i % 3}"
        )
        out = backend.complete(request, on_token=lambda _p, s=stamps: s.append(time.perf_counter()))
        turn = parse_turn(out.text)
        run.turns += 1
        if turn.has_code or turn.final is not None:
            run.parsed += 1
        elif run.failures is not None and len(run.failures) < 3:
            run.failures.append(out.text[:160])
        if len(stamps) > 1:
            run.tokens += out.usage.completion_tokens - 1
            run.gen_seconds += stamps[-1] - stamps[0]
    for s in range(3):
        backend.end_session(f"parse{s}")
    return run
