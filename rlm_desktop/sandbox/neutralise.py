"""Library paths that would run model-made source, or reach the interpreter's loaders, made safe.

Part of the Python layer, applied by `restricted.install` once the worker's own start-up is done
(the worker itself needs none of these paths afterwards):
- `dataclasses` writes a class's methods as source text holding its field names (which model
  code controls through `__annotations__`) and runs it with the real `exec` in the class's
  module's globals: its `exec` becomes the sandbox's, so that source is checked like a cell and
  runs with the sandbox's builtins;
- `enum.global_enum` writes an enum's members into the globals of the module its class names
  (model code sets `__module__`: the sandbox's own modules): refused;
- `typing.ForwardRef._evaluate` runs a string annotation, compiled unchecked, with the real
  `eval` in any loaded module's globals: it is refused (string annotations stay unevaluated);
- `ast`, `functools` and `dataclasses` read and write attributes whose names come from their
  caller's data (`ast.iter_fields` reads the names in `node._fields`, `functools.update_wrapper`
  those in `assigned`/`updated`, dataclasses its field names): their `getattr`, `hasattr`,
  `setattr` and `delattr` check names like the sandbox's own, allowing only the few special
  names each library itself needs (`LIBRARY_NAMES`);
- `copy`/`deepcopy` restore the state a class's `__reduce_ex__` returns with a plain `setattr`
  on whatever object its constructor returned: the names and the object are checked like
  `setattr`'s; and they refuse to copy a library object's private state (deepcopy's memo,
  which model code can hold, would keep the originals);
- `_imp`, the import system's loader, keeps no function that creates or runs a module
  (`create_builtin` would load any built-in module, `create_dynamic` any extension), and leaves
  `sys.modules`, as do `ctypes` and its binding users, loaded before only to set up the kernel
  layers (on Linux; elsewhere nothing loads them).
"""

from __future__ import annotations

import _imp
import ast
import copy
import dataclasses
import enum
import functools
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

from rlm_desktop.sandbox.guard import SandboxViolation, check_attribute, check_write
from rlm_desktop.sandbox.private import Writable, is_private, refusal, write_refusal

IMP_LOADERS = (
    "create_builtin",
    "create_dynamic",
    "exec_builtin",
    "exec_dynamic",
    "init_frozen",
    "get_frozen_object",
    "find_frozen",
    "_override_frozen_modules_for_tests",
    "_override_multi_interp_extensions_check",
)
NATIVE_MODULES = ("ctypes", "_ctypes", "pyseccomp")
# Special names a library reads or writes itself, beyond those model code may name.
LIBRARY_NAMES: dict[str, frozenset[str]] = {
    "ast": frozenset(),
    "functools": frozenset({"__isabstractmethod__", "__type_params__"}),
    "dataclasses": frozenset(
        {"__dataclass_params__", "__set_name__", "__getstate__", "__setstate__", "__weakref__"}
    ),
}
LIBRARIES = {"ast": ast, "functools": functools, "dataclasses": dataclasses}


def _refused(what: str) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise SandboxViolation(f"{what} is not available in the sandbox")

    return refused


def _checked_exec(safe_builtins: Any, safe_exec: Callable[..., None]) -> Callable[..., None]:
    """The `exec` dataclasses sees: checked source, the sandbox's builtins, never the globals
    of the module the class names (model code can set a class's `__module__`)."""

    def exec_(source: Any, globals: Any = None, locals: Any = None) -> None:
        if type(source) is not str:
            raise SandboxViolation("dataclasses may only run source text in the sandbox")
        safe_exec(source, {"__builtins__": safe_builtins}, locals)

    return exec_


def _checked_access(
    own: frozenset[str],
    private: Callable[[Any, str], bool],
    writable: Writable,
    guarded: Callable[[Any], Any],
) -> dict[str, Callable[..., Any]]:
    """`getattr` & co. for a library's globals: names checked (private ones with `private`),
    the library's own allowed; no write to a library class (`writable`); what is read comes
    back as the sandbox's `getattr` gives it (`guarded`: a `str.format` or `__setattr__`
    checked). A function's `__dict__` (its plain attributes, which `functools.wraps` copies)
    is allowed."""

    def readable(obj: Any, name: Any) -> str:
        if type(name) is str and (
            name in own or (name == "__dict__" and type(obj) is types.FunctionType)
        ):
            return name
        if is_private(check_attribute(name)) and not private(obj, name):
            raise SandboxViolation(refusal(obj, name))
        return name  # type: ignore[no-any-return]

    def target(obj: Any, name: Any, delete: bool) -> str:
        checked = name if type(name) is str and name in own else check_write(name)
        if not writable(obj, delete, checked):
            raise SandboxViolation(write_refusal(obj, name))
        return checked

    def getattr_(obj: Any, name: Any, *default: Any) -> Any:
        return guarded(getattr(obj, readable(obj, name), *default))

    def hasattr_(obj: Any, name: Any) -> bool:
        return hasattr(obj, readable(obj, name))

    def setattr_(obj: Any, name: Any, value: Any) -> None:
        setattr(obj, target(obj, name, False), value)

    def delattr_(obj: Any, name: Any) -> None:
        delattr(obj, target(obj, name, True))

    return {"getattr": getattr_, "hasattr": hasattr_, "setattr": setattr_, "delattr": delattr_}


def _restore(y: Any, state: Any, writable: Writable) -> None:
    """What `copy._reconstruct` does with a reducer's state, each name checked like
    `setattr`'s (and no library class changed)."""
    setstate = getattr(y, "__setstate__", None)
    if setstate is not None:
        setstate(state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = tuple(state)
    if state is not None:
        items = dict(state)  # a fresh plain dict: what is checked is what is set
        for key in items:
            if not writable(y, False, check_write(key)):
                raise SandboxViolation(write_refusal(y, key))
        vars(y).update(items)
    if slots is not None:
        for key, value in dict(slots).items():
            if not writable(y, False, check_write(key)):
                raise SandboxViolation(write_refusal(y, key))
            setattr(y, key, value)


def _private_state(state: Any) -> bool:
    """A reducer's state holds private (or special) names: a library object's internals."""
    parts = tuple(state) if isinstance(state, tuple) and len(state) == 2 else (state,)
    for part in parts:
        if isinstance(part, dict) and any(type(k) is not str or k[:1] == "_" for k in part):
            return True
    return False


def _guarded_reconstruct(
    original: Callable[..., Any], writable: Writable, from_library: Callable[[Any], bool]
) -> Callable[..., Any]:
    def _reconstruct(
        x: Any,
        memo: Any,
        func: Any,
        args: Any,
        state: Any = None,
        listiter: Any = None,
        dictiter: Any = None,
        *,
        deepcopy: Callable[..., Any] = copy.deepcopy,
    ) -> Any:
        if state is not None and from_library(type(x)) and _private_state(state):
            raise SandboxViolation(  # copying would hand its internals to model code
                f"copying a {type(x).__name__!r} (its private state) is not allowed here"
            )
        y = original(x, memo, func, args, deepcopy=deepcopy)
        deep = memo is not None
        if state is not None:
            _restore(y, deepcopy(state, memo) if deep else state, writable)
        if listiter is not None:
            for item in listiter:
                y.append(deepcopy(item, memo) if deep else item)
        if dictiter is not None:
            for key, value in dictiter:
                if deep:
                    key, value = deepcopy(key, memo), deepcopy(value, memo)
                y[key] = value
        return y

    return _reconstruct


def drop_native() -> None:
    """Take the module loaders out of `_imp`, and `ctypes` out of `sys.modules`."""
    for name in IMP_LOADERS:
        if hasattr(_imp, name):
            setattr(_imp, name, _refused(f"_imp.{name}"))
    for name in list(sys.modules):
        if name == "_imp" or name.split(".")[0] in NATIVE_MODULES:
            del sys.modules[name]


def apply(
    safe_builtins: Any,
    safe_exec: Callable[..., None],
    private: Callable[[Any, str], bool],
    writable: Writable,
    from_library: Callable[[Any], bool],
    guarded: Callable[[Any], Any],
) -> None:
    """`safe_exec` is the sandbox's exec; `private(obj, name)`, `writable(obj, delete, name)`
    and `from_library(cls)` its checks of private reads, of writes, of library classes;
    `guarded(value)` turns what its `getattr` reads into what model code may hold."""
    for name, module in LIBRARIES.items():
        access = _checked_access(LIBRARY_NAMES[name], private, writable, guarded)
        vars(module).update(access)
    if hasattr(enum, "global_enum"):  # Python 3.11+
        setattr(enum, "global_enum", _refused("enum.global_enum (it writes a module's globals)"))  # noqa: B010
    dataclasses.exec = _checked_exec(safe_builtins, safe_exec)  # type: ignore[attr-defined]
    typing.ForwardRef._evaluate = _refused(  # type: ignore[method-assign]
        "evaluating a string annotation"
    )
    if not getattr(copy._reconstruct, "sandboxed", False):  # type: ignore[attr-defined]
        guarded = _guarded_reconstruct(
            copy._reconstruct,  # type: ignore[attr-defined]
            writable,
            from_library,
        )
        guarded.sandboxed = True  # type: ignore[attr-defined]
        copy._reconstruct = guarded  # type: ignore[attr-defined]
    drop_native()
