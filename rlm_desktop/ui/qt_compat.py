"""Keeps None, True and False alive under PySide6 6.12 on Python 3.11.

PySide6 6.12 treats None, True and False as immortal, as they are from Python 3.12 on: in some
places it hands them back without taking a reference (a Python `data()` or event override that
returns None, a slot's None result, the bool that `Signal.emit()` returns). On Python 3.11 each
such call lowers the singleton's reference count, and after a few thousand the interpreter
aborts with "Fatal Python error: none_dealloc" (or "bool_dealloc"). Python 3.12+ and PySide6
before 6.12 are not affected; other objects are not affected.

`immortalize_singletons()` raises the three reference counts by 2**40 once, which makes them as
good as immortal on 3.11 too. It runs when `rlm_desktop.ui` is imported, before any Qt object
exists, and does nothing where it is not needed or was already done.
"""

from __future__ import annotations

import ctypes
import sys

BOOST = 1 << 40


def needs_fix() -> bool:
    if sys.version_info >= (3, 12) or not hasattr(sys, "getrefcount"):
        return False
    try:
        import PySide6
    except ImportError:
        return False
    return tuple(PySide6.__version_info__[:2]) >= (6, 12)


def immortalize_singletons() -> bool:
    """True if the reference counts were raised now."""
    if not needs_fix() or sys.getrefcount(None) >= BOOST:
        return False
    for obj in (None, True, False):
        before = sys.getrefcount(obj)
        count = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt leads every PyObject
        if abs(count.value - before) > 64:
            return False  # not the count (an unusual build layout): leave it alone
        count.value += BOOST
    return True
