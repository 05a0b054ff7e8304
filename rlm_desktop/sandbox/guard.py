"""Names model code may not reach: checked in a cell's syntax tree and in `getattr` & co.

Part of the Python layer. A cell may not name a dunder attribute outside
`policy.SAFE_DUNDERS` (`__globals__`, `__subclasses__`, `__closure__`, `__code__`,
`__builtins__`, `__traceback__`, ...), a frame/generator/traceback attribute (`f_back`,
`gi_frame`, `tb_frame`, ...), or the names `__builtins__`/`__import__` and the checks' own
(`policy.DENIED_NAMES`), neither read nor bound (a parameter or `def` of that name would
stand in for the check). The same rule guards
the string forms: `getattr`, `setattr`, `delattr`, `hasattr`, `operator.attrgetter` and
`methodcaller` (see `restricted`), and the fields of `str.format` templates
(`"{0.__globals__}"`). `secure_tree` rewrites a cell's `x.format` (and `x.__setattr__`,
`x.__delattr__`) into a call of the checked version (`policy.FORMAT_GUARD`), its reads of
private names (`x._y`, after the compiler's name mangling) into calls of the check in
`private` (`policy.PRIVATE_GUARD`), and the object of each `x.a = v` / `del x.a` into a call
of the write check (`policy.WRITE_GUARD`: no library class). By name (format fields, class
patterns) private names are refused. Writes follow the same naming rule plus a code object's
`co_*` fields (`check_write`). A `match` class pattern may not use positional sub-patterns:
those read the attributes a class names in `__match_args__`, which model code controls (a
metaclass can even make any object match); keyword patterns name their attributes.
"""

from __future__ import annotations

import _string  # the parser behind str.format
import ast
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from rlm_desktop.sandbox.policy import (
    DENIED_ATTRIBUTES,
    DENIED_NAMES,
    DENIED_WRITE_PREFIXES,
    GUARDED_METHODS,
    SAFE_DUNDERS,
)
from rlm_desktop.sandbox.private import is_private
from rlm_desktop.sandbox.rewrite import rewrite, walk

Tree = TypeVar("Tree", bound=ast.AST)


class _Visible(Mapping[str, Any]):
    """The REPL namespace without `__builtins__` and the checks' names (see `namespace_view`)."""

    __slots__ = ("_ns",)

    def __init__(self, ns: dict[str, Any]) -> None:
        self._ns = ns

    def __getitem__(self, key: str) -> Any:
        if type(key) is not str or key in DENIED_NAMES:  # (a str subclass could lie)
            raise KeyError(key)
        return self._ns[key]

    def __iter__(self) -> Iterator[str]:
        return iter([k for k in self._ns if k not in DENIED_NAMES])

    def __len__(self) -> int:
        return sum(1 for k in self._ns if k not in DENIED_NAMES)

    def copy(self) -> dict[str, Any]:
        return dict(self.items())


def namespace_view(ns: dict[str, Any]) -> MappingProxyType[str, Any]:
    """What `globals()` gives model code: a live, read-only view of the REPL namespace without
    `__builtins__` or the checks' names. The namespace itself would let it rebind them (a
    `__sandbox_target__` of its own stands in for the write check), and its `__builtins__`
    hands out the dict every eval/exec runs with."""
    return MappingProxyType(_Visible(ns))


def private_scope(given: Any, what: str) -> dict[str, Any]:
    """A copy of the dict model code handed to eval/exec as globals or locals, to run with:
    the code looks the checks up by name, and model code still holding the dict could rebind
    one while the code runs (from a function it calls). Plain `str` keys only; the checks'
    names and `__builtins__` are left out (the caller adds its own builtins)."""
    if type(given) is not dict:  # a subclass could answer differently than it stores
        raise TypeError(f"{what} must be a plain dict in the sandbox")
    copy: dict[str, Any] = {}
    for key, value in dict.items(given):
        if type(key) is not str:
            raise TypeError(f"{what} may only have plain string keys in the sandbox")
        if key not in DENIED_NAMES:
            copy[key] = value
    return copy


def write_back(given: dict[str, Any], used: dict[str, Any]) -> None:
    """What the code did to its copy (`private_scope`), done to the dict model code holds."""
    for key in [k for k in given if k not in used]:
        del given[key]
    given.update(used)


class SandboxViolation(PermissionError):
    """Model code named something the sandbox keeps out of reach."""

    __module__ = "builtins"  # shown to the model as a plain name


def attribute_denied(name: object) -> bool:
    if type(name) is not str:
        return True
    if name in DENIED_ATTRIBUTES:
        return True
    return name.startswith("__") and name.endswith("__") and name not in SAFE_DUNDERS


def check_attribute(name: object) -> str:
    """`name` when model code may use it as an attribute; SandboxViolation otherwise."""
    if attribute_denied(name):
        shown = name if type(name) is str else type(name).__name__
        raise SandboxViolation(f"attribute {shown!r} is not available in the sandbox")
    return name  # type: ignore[return-value]


def write_denied(name: object) -> bool:
    if attribute_denied(name):
        return True
    return str.startswith(name, DENIED_WRITE_PREFIXES)  # type: ignore[arg-type]


def check_write(name: object) -> str:
    """`name` when model code may set or delete it as an attribute; SandboxViolation otherwise."""
    if write_denied(name):
        shown = name if type(name) is str else type(name).__name__
        raise SandboxViolation(f"changing attribute {shown!r} is not allowed in the sandbox")
    return name  # type: ignore[return-value]


def check_name_string(name: object) -> str:
    """`check_attribute` for names given as strings to attrgetter, methodcaller and class
    patterns, which cannot hand out the checked `format`."""
    if name in GUARDED_METHODS:
        raise SandboxViolation(f"{name!r} by name is not available in the sandbox: call it")
    return check_attribute(name)


def check_private_name(name: object) -> str:
    """`check_name_string`, and no private name (where no object is at hand to check)."""
    checked = check_name_string(name)
    if is_private(checked):
        raise SandboxViolation(f"private attribute {checked!r} by name is not available here")
    return checked


def check_format_fields(template: str) -> None:
    """Refuse a format template whose fields read a denied attribute, nested specs included."""
    for _literal, field, spec, _conversion in _string.formatter_parser(template):
        if field:
            _first, rest = _string.formatter_field_name_split(field)
            for is_attribute, key in rest:
                if is_attribute and is_private(check_attribute(key)):
                    raise SandboxViolation(f"private attribute {key!r} in a format template")
        if spec:
            check_format_fields(spec)


def secure_tree(tree: Tree) -> Tree:
    """Check a parsed cell, then route its `.format`/`.format_map`/`.__setattr__`/
    `.__delattr__` through the checked ones, its reads of private names through the private
    check, and the objects it sets attributes of through the write check."""
    check_tree(tree)
    rewritten: Tree = rewrite(tree)  # type: ignore[assignment]
    return rewritten


def _bound_names(node: ast.AST) -> list[str]:
    """Names a node binds other than through `ast.Name` (parameters, `def`, `class`, `import
    ... as`, `except ... as`, match captures, `global`/`nonlocal`)."""
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return [node.name] if node.name else []
    if isinstance(node, ast.MatchMapping):
        return [node.rest] if node.rest else []
    if isinstance(node, ast.alias):
        return [node.asname] if node.asname else []
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    return []


def check_tree(tree: ast.AST) -> None:
    """Raise SandboxViolation for the first denied attribute or name in a parsed cell."""
    for node in walk(tree):
        if isinstance(node, ast.Attribute):
            writing = not isinstance(node.ctx, ast.Load)
            if write_denied(node.attr) if writing else attribute_denied(node.attr):
                raise SandboxViolation(
                    f"line {node.lineno}: attribute {node.attr!r} is not available in the sandbox"
                )
        elif isinstance(node, ast.MatchClass):
            if node.patterns:
                raise SandboxViolation(
                    f"line {node.lineno}: positional sub-patterns in a class pattern are not "
                    "available in the sandbox; name the attributes: case Point(x=x, y=y), "
                    "or capture the whole value: case int() as n"
                )
            for name in node.kwd_attrs:
                check_private_name(name)
        elif isinstance(node, ast.Name) and node.id in DENIED_NAMES:
            raise SandboxViolation(
                f"line {node.lineno}: {node.id!r} is not available in the sandbox"
            )
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in DENIED_NAMES:
            raise SandboxViolation(f"importing {node.name!r} is not allowed in the sandbox")
        for name in _bound_names(node):  # a local `__sandbox_target__` would shadow the check
            if name in DENIED_NAMES:
                raise SandboxViolation(f"the name {name!r} is not available in the sandbox")
