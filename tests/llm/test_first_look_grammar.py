"""A small model's first turn: a grep of words picked from the question (real model)."""

from __future__ import annotations

import re

import llama_cpp.llama_cpp as C
import pytest

from rlm_desktop.engine import grammar, prompts
from rlm_desktop.engine.protocol import parse_turn
from rlm_desktop.llm.llama import LlamaBackend
from rlm_desktop.llm.llama_sampling import grammar_sampler
from tests.llm.llama_helpers import chat, request

QUESTIONS = [
    "What is the access code for the Harbour vault?",
    'Who signed the "Baker" contract in 2021?',
    "What's the archive key of Project Great-Avocet?",
]


@pytest.mark.model
@pytest.mark.parametrize("question", QUESTIONS)
def test_first_look_grammar_parses_and_greps_question_words(
    llama: LlamaBackend, question: str
) -> None:
    text = grammar.first_look(question)
    C.llama_sampler_free(grammar_sampler(llama.model, text))
    system = prompts.system_prompt("small", "`context` holds notes.txt (9,000 chars).", True)
    out = llama.complete(
        request(chat(system, prompts.first_user_message(question, 4)), "g", 60, text)
    )
    parsed = parse_turn(out.text)
    assert len(parsed.code_blocks) == 1, out.text
    code = parsed.code_blocks[0].strip()
    grep = re.fullmatch(r'grep\("([^"]+)"\)', code)
    assert grep, code
    allowed = {w.lower() for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]*", question)}
    assert {w.lower() for w in grep.group(1).split()} <= allowed


def test_without_question_words_the_first_turn_is_any_code() -> None:
    assert grammar.first_look("Why?") == grammar.CODE_ONLY
