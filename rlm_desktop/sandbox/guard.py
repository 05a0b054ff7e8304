"""Names model code may not reach: checked in a cell's syntax tree and in `getattr` & co.

Part of the Python layer. A cell may not name a dunder attribute outside
`policy.SAFE_DUNDERS` (`__globals__`, `__subclasses__`, `__closure__`, `__code__`,
`__builtins__`, `__traceback__`, ...), a frame/generator/traceback attribute (`f_back`,
`gi_frame`, `tb_frame`, ...), or the names `__builtins__`/`__import__`. The same rule guards
the string forms: `getattr`, `setattr`, `delattr`, `hasattr`, `operator.attrgetter` and
`methodcaller` (see `restricted`).
"""

from __future__ import annotations

import ast

from rlm_desktop.sandbox.policy import DENIED_ATTRIBUTES, DENIED_NAMES, SAFE_DUNDERS


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


def check_tree(tree: ast.AST) -> None:
    """Raise SandboxViolation for the first denied attribute or name in a parsed cell."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if attribute_denied(node.attr):
                raise SandboxViolation(
                    f"line {node.lineno}: attribute {node.attr!r} is not available in the sandbox"
                )
        elif isinstance(node, ast.MatchClass):
            for name in node.kwd_attrs:
                check_attribute(name)
        elif isinstance(node, ast.Name) and node.id in DENIED_NAMES:
            raise SandboxViolation(
                f"line {node.lineno}: {node.id!r} is not available in the sandbox"
            )
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in DENIED_NAMES:
            raise SandboxViolation(f"importing {node.name!r} is not allowed in the sandbox")
