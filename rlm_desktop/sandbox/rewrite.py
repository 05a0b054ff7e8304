"""The rewrite of a checked cell: its reads and writes routed through the run-time checks.

Part of the Python layer (see `guard.secure_tree`). `x.format`, `x.format_map`,
`x.__setattr__`, `x.__delattr__` become calls of `policy.FORMAT_GUARD`; reads of private names
(`x._y`, after the compiler's name mangling) calls of `policy.PRIVATE_GUARD`; the object of
`x.a = v` / `del x.a` a call of `policy.WRITE_GUARD`; every class body declares those names
global (its own namespace, made by a metaclass's `__prepare__`, is looked up first).

It walks and edits trees itself, with the interpreter's own `getattr`: the `ast` module's
helpers go through the checks model code's calls get (`neutralise`), which would cost the
sandbox's own walk several times over, and are library code model code may call with odd
trees.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from rlm_desktop.sandbox.policy import FORMAT_GUARD, GUARDED_METHODS, PRIVATE_GUARD, WRITE_GUARD
from rlm_desktop.sandbox.private import is_private

LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def mangle(name: str, class_name: str | None) -> str:
    """The name the compiler uses for `__name` inside `class class_name` (private mangling)."""
    if class_name is None or not name.startswith("__") or name.endswith("__"):
        return name
    stripped = class_name.lstrip("_")
    return f"_{stripped}{name}" if stripped else name


def walk(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of the tree (like `ast.walk`)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for field in type(node)._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(x for x in value if isinstance(x, ast.AST))


def _at(node: ast.AST, like: ast.AST) -> ast.AST:
    """`node` with `like`'s location, and its new children too (all made here)."""
    for child in walk(node):
        if not hasattr(child, "lineno") or child is node:
            for name in LOCATION:
                setattr(child, name, getattr(like, name, None))
    return node


class _Rewriter:
    def __init__(self) -> None:
        self.classes: list[str] = []

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.ClassDef):
            return self.visit_class(node)
        self.visit_fields(node)
        if isinstance(node, ast.Attribute):
            return self.visit_attribute(node)
        return node

    def visit_fields(self, node: ast.AST) -> None:
        for field in type(node)._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
            elif isinstance(value, list):
                setattr(
                    node, field, [self.visit(x) if isinstance(x, ast.AST) else x for x in value]
                )

    def visit_class(self, node: ast.ClassDef) -> ast.AST:
        node.decorator_list = [self.visit(x) for x in node.decorator_list]  # type: ignore[misc]
        node.bases = [self.visit(x) for x in node.bases]  # type: ignore[misc]
        node.keywords = [self.visit(x) for x in node.keywords]  # type: ignore[misc]
        self.classes.append(node.name)
        node.body = [self.visit(x) for x in node.body]  # type: ignore[misc]
        self.classes.pop()
        checks = _at(ast.Global([FORMAT_GUARD, PRIVATE_GUARD, WRITE_GUARD]), node)
        first = node.body[0] if node.body else None
        docstring = (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        )
        node.body.insert(1 if docstring else 0, checks)  # type: ignore[arg-type]
        return node

    def visit_attribute(self, node: ast.Attribute) -> ast.AST:
        name = mangle(node.attr, self.classes[-1] if self.classes else None)
        if not isinstance(node.ctx, ast.Load):  # x.a = v, del x.a: x must be writable
            delete = ast.Constant(isinstance(node.ctx, ast.Del))
            target = ast.Call(
                ast.Name(WRITE_GUARD, ast.Load()), [node.value, delete, ast.Constant(name)], []
            )
            node.value = _at(target, node.value)  # type: ignore[assignment]
            return node
        if node.attr in GUARDED_METHODS:
            guard = FORMAT_GUARD
        elif is_private(name):
            guard = PRIVATE_GUARD
        else:
            return node
        call = ast.Call(ast.Name(guard, ast.Load()), [node.value, ast.Constant(name)], [])
        return _at(call, node)


def rewrite(tree: ast.AST) -> ast.AST:
    return _Rewriter().visit(tree)
