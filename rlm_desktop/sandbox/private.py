"""Private attributes (`_name`): model code reads them only where its own classes define them.

Part of the Python layer. A library's private attributes are its internals, and some reach far
(`enum.Enum._convert_` reads any loaded module's globals, `typing.ForwardRef._evaluate` runs a
string as code). `make_private_check` takes a snapshot of every class alive when the layer goes
on (the standard library's, the worker's, the sandbox's: "library classes"); after that a
private name may be read of an object only when no library class on its lookup path defines
it (the object's class's MRO, and its metaclass's for a class) and the object's own class was
made later, by model code. So a model class reads its own `self._cache`, and a model subclass
of `enum.Enum` cannot reach `Enum._convert_`. Names documented with an underscore
(`_asdict`, `_fields`, `_value_`, ...: `policy.PUBLIC_UNDERSCORE`) are public.

The check calls no method of the object (it reads classes' namespaces through `type`'s own
descriptors), so model code cannot answer it. A cell's `x._y` becomes a call of the check
(`guard.secure_tree`); `getattr`, `hasattr`, `vars`, `attrgetter` and `methodcaller` use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlm_desktop.sandbox.policy import PUBLIC_UNDERSCORE

_namespace = type.__dict__["__dict__"].__get__  # a class's own namespace, whatever its metaclass
_mro = type.__dict__["__mro__"].__get__
_name = type.__dict__["__name__"].__get__


def is_private(name: str) -> bool:
    """`_x` or `__x` (not a dunder), and not a documented public name."""
    dunder = name.startswith("__") and name.endswith("__")
    return name.startswith("_") and not dunder and name not in PUBLIC_UNDERSCORE


def library_classes() -> dict[int, type]:
    """Every class alive now, by id (kept alive by the dict, so an id is never reused)."""
    seen: dict[int, type] = {}
    stack: list[type] = [object]
    while stack:
        cls = stack.pop()
        if id(cls) not in seen:
            seen[id(cls)] = cls
            stack.extend(type.__subclasses__(cls))
    return seen


def make_private_check(library: dict[int, type]) -> Callable[[Any, str], bool]:
    """`readable(obj, name)` for a private `name` (see the module's docstring)."""

    def from_library(cls: type) -> bool:
        return library.get(id(cls)) is cls

    def readable(obj: Any, name: str) -> bool:
        own = obj if isinstance(obj, type) else type(obj)
        chains = [_mro(own)]
        if own is obj:
            chains.append(_mro(type(obj)))
        for chain in chains:
            for cls in chain:
                if from_library(cls) and name in _namespace(cls):
                    return False
        return not from_library(own)

    return readable


def refusal(obj: Any, name: str) -> str:
    kind = _name(obj if isinstance(obj, type) else type(obj))
    return (
        f"private attribute {name!r} of {kind!r} is not available in the sandbox "
        "(it belongs to the library or the sandbox, not to your code)"
    )
