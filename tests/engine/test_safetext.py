"""Text from model code made safe to encode and to print to a terminal (`safetext`)."""

import pytest

from rlm_desktop.safetext import replace_surrogates, terminal_safe


def test_lone_surrogates_are_replaced_and_the_text_encodes() -> None:
    text = replace_surrogates("a\ud800b\udfffc")
    assert text == "a\ufffdb\ufffdc"
    text.encode("utf-8")
    assert replace_surrogates("plain é 😀") == "plain é 😀"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]52;c;cm0gLXJm\x07copied", "copied"),  # OSC 52 clipboard write, BEL
        ("\x1b]0;title\x1b\\after", "after"),  # window title, ST
        ("\x1b[2J\x1b[Hclear", "clear"),  # clear screen, cursor home
        ("\x1b[31mred\x1b[0m", "red"),  # colours
        ("\x9b31m8-bit\x9d0;t\x9c", "8-bit"),  # 8-bit CSI and OSC
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS
        ("a\rb\x08c\x00d\x7fe", "abcde"),  # carriage return, backspace, NUL, DEL
        ("line\r\nnext\ttab", "line\nnext\ttab"),
        ("unterminated \x1b]52;c;AAAA", "unterminated "),
    ],
)
def test_terminal_sequences_are_stripped(raw: str, shown: str) -> None:
    assert terminal_safe(raw) == shown
