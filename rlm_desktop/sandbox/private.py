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

Writes are checked against the same snapshot (`make_write_check`): model code changes its own
classes and objects, never a library class, the sandbox's tools among them.
"""

from __future__ import annotations

import types
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

    def from_library(cls: Any) -> bool:
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


Writable = Callable[[Any, bool, str], bool]  # (object, delete, name)


def make_write_check(library: dict[int, type]) -> Writable:
    """`writable(obj, delete, name)`: whether model code may set (or delete) `obj.name`.

    Not on a library class (`ast.NodeTransformer.generic_visit = ...` would change the
    sandbox's own syntax-tree check), nor on an object whose class's `__setattr__`
    (`__delattr__`) is a library's own Python method: such a method may pass the write on
    (`typing.Counter.x = f` sets `collections.Counter.x`). A private name only on an object of
    a class model code made (a library object's private state is its internals: a
    `contextlib.redirect_stdout`'s `_stream` names the `sys` attribute it replaces), and the
    same for `__class__`, which would turn a library object into a model one."""

    def from_library(cls: Any) -> bool:
        return library.get(id(cls)) is cls

    def writable(obj: Any, delete: bool, name: str) -> bool:
        if isinstance(obj, type):
            return not from_library(obj)
        if (is_private(name) or name == "__class__") and from_library(type(obj)):
            return False  # (a new `__class__` would make it a model object, rules and all)
        method = "__delattr__" if delete else "__setattr__"
        for cls in _mro(type(obj)):
            found = _namespace(cls).get(method)
            if found is not None:  # a library's own Python method may pass the write on
                return type(found) is not types.FunctionType or not from_library(cls)
        return True

    return writable


def make_library_check(library: dict[int, type]) -> Callable[[Any], bool]:
    """`from_library(cls)`: the class was alive when the layer went on."""

    def from_library(cls: Any) -> bool:
        return library.get(id(cls)) is cls

    return from_library


SETTERS = frozenset({"__setattr__", "__delattr__"})
BOUND = (types.MethodType, types.MethodWrapperType, types.BuiltinMethodType)
TargetCheck = Callable[[Any, Any, bool], None]  # (object, name, delete): raises when refused


def guarded_setter(value: Any, check: TargetCheck) -> Any:
    """`value`, or a stand-in that calls `check` first when it is a `__setattr__` or
    `__delattr__`, bound (`super().__setattr__`) or not (`object.__setattr__`)."""
    name = getattr(value, "__name__", None)
    if type(name) is not str or name not in SETTERS or not callable(value):
        return value
    delete, method = name == "__delattr__", value
    if isinstance(value, BOUND):
        target = value.__self__

        def bound(attr: Any, *rest: Any) -> Any:
            check(target, attr, delete)
            return method(attr, *rest)

        return bound

    def unbound(obj: Any, attr: Any, *rest: Any) -> Any:
        check(obj, attr, delete)
        return method(obj, attr, *rest)

    return unbound


def _kind(obj: Any) -> str:
    return str(_name(obj if isinstance(obj, type) else type(obj)))


def refusal(obj: Any, name: str) -> str:
    return (
        f"private attribute {name!r} of {_kind(obj)!r} is not available in the sandbox "
        "(it belongs to the library or the sandbox, not to your code)"
    )


def write_refusal(obj: Any, name: object) -> str:
    return (
        f"changing {_kind(obj)!r} ({name!s:.60}) is not allowed in the sandbox (it belongs to "
        "the library or the sandbox; make your own class or object instead)"
    )
