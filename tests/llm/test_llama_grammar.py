"""The protocol grammars with llama.cpp, and the no-chat-template fallback with real models."""

from __future__ import annotations

import time
from pathlib import Path

import llama_cpp.llama_cpp as C
import pytest

from rlm_desktop.backends import open_llama
from rlm_desktop.engine import grammar, prompts
from rlm_desktop.engine.protocol import find_final, parse_turn
from rlm_desktop.llm.base import BackendError
from rlm_desktop.llm.llama import LlamaBackend
from rlm_desktop.llm.llama_sampling import GrammarError, grammar_sampler
from tests.llm.llama_helpers import chat, request

GEMMA = Path(__file__).resolve().parents[2] / "models" / "gemma-3-270m-q4_k_m.gguf"
TASKS = [
    ("notes.txt (1,204 characters)", "What is the access code?"),
    ("report.pdf (38,410 characters, 12 pages)", "Who signed the report?"),
    ("sales.xlsx (5,880 characters)", "Which month had the highest sales?"),
]


@pytest.mark.model
def test_llama_cpp_parses_the_grammars_quickly(llama: LlamaBackend) -> None:
    # LlamaGrammar.from_string (0.3.36) no longer parses anything: ask llama.cpp itself.
    for text in (grammar.TURN, grammar.CODE_ONLY, grammar.FINAL_ONLY):
        started = time.perf_counter()
        sampler = grammar_sampler(llama.model, text)
        # Milliseconds here; the wide 5 s bound only catches a pathological (exponential)
        # parse of a grammar, not a slow or busy machine.
        assert sampler and time.perf_counter() - started < 5.0
        C.llama_sampler_free(sampler)
    with pytest.raises(GrammarError):
        grammar_sampler(llama.model, "root ::= undefined_rule")


@pytest.mark.model
@pytest.mark.parametrize(("documents", "question"), TASKS)
def test_constrained_turns_always_parse(llama: LlamaBackend, documents: str, question: str) -> None:
    system = prompts.system_prompt("small", f"The documents: {documents}.", True)
    messages = chat(system, prompts.first_user_message(question, 5))
    out = llama.complete(request(messages, "grammar", 400, grammar.TURN))
    parsed = parse_turn(out.text)
    assert parsed.has_code or parsed.final is not None, out.text
    assert out.text.count("```") in (0, 2), out.text  # one whole block, or a FINAL line
    if parsed.has_code:
        assert len(parsed.code_blocks) == 1


@pytest.mark.model
def test_the_final_grammar_gives_an_answer_line(llama: LlamaBackend) -> None:
    system = prompts.system_prompt("small", "The documents: notes.txt (80 characters).", True)
    messages = chat(
        system,
        prompts.first_user_message("What is the access code?", 3),
        "```repl\ngrep('code')\n```",
        "Output:\n```\nThe access code is 7731.\n```\n"
        + prompts.final_request("the turn limit", "What is the access code?"),
    )
    out = llama.complete(request(messages, "grammar-final", 120, grammar.FINAL_ONLY))
    assert find_final(out.text) is not None, out.text


@pytest.mark.model
def test_a_bad_grammar_is_a_clear_error(llama: LlamaBackend) -> None:
    with pytest.raises(BackendError) as caught:
        llama.complete(request(chat("x", "y"), "grammar-bad", 4, "root ::= [a-"))
    assert "grammar" in str(caught.value) and "\n" not in str(caught.value)


def _fallback_run(backend: LlamaBackend) -> None:
    assert not backend.chat.uses_template
    assert any("plain" in note for note in backend.info.notes)
    messages = chat("You answer questions.", "Name a colour.", "Blue.", "Name another colour.")
    out = backend.complete(request(messages, "plain", 24))
    text = backend.chat.format(messages).text
    assert text.startswith("### System\n") and text.endswith("### Assistant\n")
    assert out.usage.prompt_tokens == len(backend.model.tokenize(text, backend.model.add_bos))
    assert "\n### " not in out.text  # a new header ends the reply
    assert out.usage.completion_tokens >= 1


@pytest.mark.model
def test_the_plain_format_with_the_demo_model(demo_model: Path) -> None:
    backend = open_llama(demo_model, n_ctx=512, n_slots=1, chat_template="")
    try:
        _fallback_run(backend)
    finally:
        backend.close()


@pytest.mark.model
def test_a_base_model_without_a_template_uses_the_plain_format() -> None:
    if not GEMMA.exists():
        pytest.fail("The base Gemma model is missing: `make test` fetches it.")
    backend = open_llama(GEMMA, n_ctx=512, n_slots=1)
    try:
        assert backend.gguf.chat_template is None
        _fallback_run(backend)
    finally:
        backend.close()
