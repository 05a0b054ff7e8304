"""The import graph of rlm_desktop, read from the source with `ast`: no module takes part in an
import cycle, and neither does any package (engine, llm, sandbox, documents, hub, store, ui,
commands, bench, or a top-level module such as cli or backends).

Every import counts, including those inside functions (a lazy import still ties two modules
together), except those under `if TYPE_CHECKING:` (annotations only, never run).
`lint-imports` (pyproject.toml) checks which layer may import which; this test checks that the
graph has no loops at all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "rlm_desktop"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
KNOWN_MODULE_CYCLES: set[frozenset[str]] = set()  # none: keep it so


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imported_names(path: Path, name: str) -> Iterator[str]:
    """Every module name an import statement in `path` names (absolute, maybe not ours)."""
    is_package = path.name == "__init__.py"
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                base = ".".join(here[: len(here) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, less the bodies of `if TYPE_CHECKING:` (their `else:` still runs)."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph() -> dict[str, set[str]]:
    """module → the rlm_desktop modules it imports (a name that is an attribute of a module,
    `from pkg.mod import func`, counts as `pkg.mod`; parent packages are not counted)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = set()
        for target in imported_names(path, name):
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target != PACKAGE:
                targets.add(target)
        graph[name] = targets
    return graph


def package_of(module: str) -> str:
    """rlm_desktop.engine.loop → rlm_desktop.engine; rlm_desktop.cli → rlm_desktop.cli."""
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        mine = package_of(module)
        packages.setdefault(mine, set()).update(
            package_of(t) for t in targets if package_of(t) != mine
        )
    return packages


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read_from_the_source() -> None:
    graph = import_graph()
    assert "rlm_desktop.engine.engine" in graph and len(graph) > 100
    assert "rlm_desktop.engine.loop" in graph["rlm_desktop.engine.engine"]
    assert "rlm_desktop.llm.base" in graph["rlm_desktop.backends"]
    packages = package_graph(graph)
    assert "rlm_desktop.llm" in packages["rlm_desktop.engine"]
    assert "rlm_desktop.engine" not in packages["rlm_desktop.llm"]


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]


def test_lazy_imports_count_and_type_checking_ones_do_not() -> None:
    source = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\nelse:\n    import b\n"
        "def f():\n    import c\n"
    )
    nodes = _runtime_nodes(ast.parse(source))
    names = [a.name for n in nodes if isinstance(n, ast.Import) for a in n.names]
    assert sorted(names) == ["b", "c"]


def test_no_module_is_in_an_import_cycle() -> None:
    found = [c for c in cycles(import_graph()) if c not in KNOWN_MODULE_CYCLES]
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in found)


def test_no_package_is_in_an_import_cycle() -> None:
    found = cycles(package_graph(import_graph()))
    assert found == [], "package cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in found)
