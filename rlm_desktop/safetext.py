"""Text that came from model code, made safe to encode and to show in a terminal (stdlib only).

Model code decides what a cell prints and what an answer says, and a dropped document can hold
anything. `replace_surrogates` removes the lone surrogates Python strings may carry (they
cannot be encoded as UTF-8: one in an answer once crashed `ask --json` at its last print);
`terminal_safe` also removes what a terminal would act on: escape sequences (colours, cursor
moves, clear screen, window titles, OSC 52 clipboard writes) and other control characters.
"""

from __future__ import annotations

import re

_SURROGATES = re.compile("[\ud800-\udfff]")
# CSI (ESC [ or 8-bit) ... final; OSC (ESC ] or 8-bit) ... BEL or ST; DCS, SOS, PM, APC ... ST;
# any other ESC and the character after it; other C1 controls; C0 controls but tab and
# newline; DEL.
_TERMINAL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b.?"
    r"|[\x80-\x9f]"
    r"|[\x00-\x08\x0b-\x1f\x7f]",
    re.DOTALL,
)


def replace_surrogates(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD."""
    if _SURROGATES.search(text) is None:
        return text
    return _SURROGATES.sub("\ufffd", text)


def terminal_safe(text: str) -> str:
    """`text` as a terminal may show it: no escape sequences, no control characters but tab
    and newline (a carriage return could overwrite what was printed), no lone surrogates."""
    return _TERMINAL.sub("", replace_surrogates(text.replace("\r\n", "\n")))
