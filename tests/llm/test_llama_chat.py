"""Prompt formatting (GGUF chat template, merging, the plain fallback) and stop-string streaming."""

from __future__ import annotations

from pathlib import Path

from rlm_desktop.llm.gguf_info import read_gguf_info
from rlm_desktop.llm.llama_chat import FALLBACK_STOPS, ChatFormat, fallback_format
from rlm_desktop.llm.llama_generate import StopScanner

MESSAGES = [
    {"role": "system", "content": "You read documents."},
    {"role": "user", "content": "What is the code?"},
    {"role": "assistant", "content": "```repl\ngrep('code')\n```"},
    {"role": "user", "content": "Output: 7731"},
]
# A Gemma-like template: no system role, strict alternation.
STRICT = (
    "{% for m in messages %}{% if m['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('roles must alternate') }}{% endif %}"
    "<turn>{{ m['role'] }}\n{{ m['content'] }}</turn>\n{% endfor %}"
    "{% if add_generation_prompt %}<turn>model\n{% endif %}"
)


def test_the_gguf_template_is_used_and_the_system_prefix_is_marked(demo_model: Path) -> None:
    chat = ChatFormat(read_gguf_info(demo_model).chat_template, "<|im_start|>", "<|im_end|>")
    assert chat.uses_template
    prompt = chat.format(MESSAGES)
    assert prompt.text.startswith("<|im_start|>system\nYou read documents.<|im_end|>\n")
    assert prompt.text.endswith("<|im_start|>user\nOutput: 7731<|im_end|>\n<|im_start|>assistant\n")
    assert prompt.system_end is not None
    assert prompt.text[: prompt.system_end] == "<|im_start|>system\nYou read documents.<|im_end|>\n"
    assert prompt.stops == ()
    # append-only conversations give append-only prompts (what the KV cache reuse relies on)
    shorter = chat.format(MESSAGES[:2]).text.removesuffix("<|im_start|>assistant\n")
    assert prompt.text.startswith(shorter)


def test_a_template_without_a_system_role_gets_it_merged() -> None:
    chat = ChatFormat(STRICT)
    text = chat.format(MESSAGES).text
    assert text.startswith("<turn>user\nYou read documents.\n\nWhat is the code?</turn>\n")
    assert text.endswith("<turn>model\n")
    assert chat.format(MESSAGES).system_end is None


def test_models_without_a_template_use_the_documented_plain_format() -> None:
    chat = ChatFormat(None)
    assert not chat.uses_template
    prompt = chat.format(MESSAGES)
    assert prompt == fallback_format(MESSAGES)
    assert prompt.text == (
        "### System\nYou read documents.\n\n### User\nWhat is the code?\n\n"
        "### Assistant\n```repl\ngrep('code')\n```\n\n### User\nOutput: 7731\n\n### Assistant\n"
    )
    assert prompt.text[: prompt.system_end] == "### System\nYou read documents.\n\n"
    assert prompt.stops == FALLBACK_STOPS


def test_a_broken_template_falls_back_with_a_note() -> None:
    chat = ChatFormat("{% for m in messages %}{{ m.content ")
    assert not chat.uses_template and chat.notes
    assert chat.format(MESSAGES).text.startswith("### System\n")


def test_stop_strings_are_cut_and_never_streamed() -> None:
    scanner = StopScanner(["\n### "])
    out = []
    for piece in ["The answer", " is 7.\n", "###", " Us", "er\nmore"]:
        safe, stopped = scanner.feed(piece)
        out.append(safe)
        if stopped:
            break
    assert stopped and "".join(out) == "The answer is 7." and scanner.text == "The answer is 7."


def test_held_back_text_is_released_when_it_is_not_a_stop() -> None:
    scanner = StopScanner(["\n### "])
    assert scanner.feed("a\n##") == ("a", False)
    assert scanner.feed("#Title") == ("\n###Title", False)
    assert scanner.feed("\n#") == ("", False)
    assert scanner.flush() == "\n#"
