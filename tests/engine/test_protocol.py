"""Parsing model turns: code fences and FINAL lines, as small models really write them."""

from rlm_desktop.engine.protocol import find_final, parse_turn, truncate_output


def test_repl_and_python_fences_are_code() -> None:
    turn = parse_turn("Look:\n```repl\nx = 1\n```\nand\n```python\nprint(x)\n```")
    assert turn.code_blocks == ["x = 1\n", "print(x)\n"]
    assert turn.final is None


def test_unclosed_last_fence_still_counts() -> None:
    turn = parse_turn("```repl\nprint(context[:100])")
    assert turn.code_blocks == ["print(context[:100])\n"]


def test_untagged_block_counts_only_if_it_is_python() -> None:
    assert parse_turn("```\nprint(1)\n```").code_blocks == ["print(1)\n"]
    assert parse_turn("```\nthis is not python at all ???\n```").code_blocks == []


def test_other_languages_are_not_code() -> None:
    assert parse_turn('```json\n{"a": 1}\n```').code_blocks == []


def test_final_at_line_start_is_an_answer() -> None:
    final = parse_turn("I found it.\nFINAL(The magic number is 42)").final
    assert final is not None and (final.kind, final.value) == ("text", "The magic number is 42")


def test_final_with_nested_parentheses_and_quotes() -> None:
    final = find_final('FINAL("42 (forty-two)")')
    assert final is not None and final.value == "42 (forty-two)"


def test_multiline_final() -> None:
    final = find_final("FINAL(First line\nsecond line)")
    assert final is not None and final.value == "First line\nsecond line"


def test_final_in_prose_is_not_an_answer() -> None:
    assert find_final("I will then call FINAL(answer) once I know it.") is None
    assert find_final("When done I'll use FINAL(42) to finish.") is None


def test_placeholder_final_is_not_an_answer() -> None:
    assert find_final("FINAL(...)") is None
    assert find_final("FINAL(your answer)") is None
    assert find_final("FINAL(<answer>)") is None


def test_final_inside_code_is_not_a_text_final() -> None:
    turn = parse_turn("```repl\nFINAL(x)\n```")
    assert turn.final is None and turn.code_blocks == ["FINAL(x)\n"]


def test_final_var() -> None:
    final = find_final("FINAL_VAR(magic)")
    assert final is not None and (final.kind, final.value) == ("var", "magic")


def test_markdown_decorated_final() -> None:
    final = find_final("**FINAL(42)**")
    assert final is not None and final.value == "42"


def test_truncate_output_keeps_head_and_tail_with_notice() -> None:
    text = "A" * 1000 + "B" * 1000
    out = truncate_output(text, 300)
    assert out.startswith("A" * 200) and out.endswith("B" * 100)
    assert "1,700 characters truncated" in out
    assert truncate_output("short", 300) == "short"
