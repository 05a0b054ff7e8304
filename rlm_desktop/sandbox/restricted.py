"""The model's view of Python: guarded builtins and an `__import__` that admits the allow-list.

Part of the Python layer. `install(namespace)` gives the REPL namespace its own builtins:
- `__import__` returns a *copy* of an allowed module holding only its public names (no
  sub-module outside the allow-list, nothing in `policy.HIDDEN_NAMES`), or a stand-in for
  `os`/`os.path`/`sys` with only their harmless parts; anything else is ModuleNotFoundError;
- `getattr`/`hasattr`/`vars` refuse the names `guard` refuses, `setattr`/`delattr` the names
  it refuses to write; private names are read only where model code's classes define them
  (`private`; a cell's `x._y` goes through the same check);
- `str.format`/`format_map`, however reached (`x.format`, `str.format`, `getattr`, `vars`),
  come back as versions that first check the template's fields (`guarded_format`);
- `operator.attrgetter`/`methodcaller` check their names and return plain functions: the real
  classes, which would take any name, are never handed out;
- `eval`/`exec`/`compile` check the code like a cell and run it with these builtins; `eval`
  and `exec` take source, a syntax tree, or a code object made by this `compile` (no other
  code object), and globals/locals that are plain `dict`s, run as private copies written back
  afterwards (model code holding the dict could otherwise rebind a check's name mid-run);
- `sys.stdout`/`sys.stderr` are write-only views of the cell's output, not the worker's writer;
- `globals()` is a read-only view of the REPL namespace without `__builtins__` and the checks'
  names (`guard.namespace_view`); `locals()`, `open`, `input`, `breakpoint`, `help` raise a
  clear error;
- the builtins are a module, whose `__x__` names (the checks') model code cannot rebind.
`install` also neutralises the library paths that would run model-made source or reach the
interpreter's loaders (`neutralise`).
"""

from __future__ import annotations

import ast
import builtins
import posixpath
import sys
import types
import weakref
from collections.abc import Callable
from typing import Any, cast

from rlm_desktop.sandbox import neutralise
from rlm_desktop.sandbox.guard import (
    SandboxViolation,
    attribute_denied,
    check_attribute,
    check_format_fields,
    check_name_string,
    check_tree,
    check_write,
    namespace_view,
    private_scope,
    secure_tree,
    write_back,
)
from rlm_desktop.sandbox.policy import (
    ALLOWED_MODULES,
    FORMAT_GUARD,
    FORMAT_METHODS,
    HIDDEN_NAMES,
    ONLY_NAMES,
    OS_NAMES,
    OS_PATH_NAMES,
    PRIVATE_GUARD,
    REMOVED_BUILTINS,
    SHIM_MODULES,
    SYS_DYNAMIC,
    SYS_NAMES,
    WRITE_GUARD,
)
from rlm_desktop.sandbox.private import (
    Writable,
    guarded_setter,
    is_private,
    library_classes,
    make_library_check,
    make_private_check,
    make_write_check,
    refusal,
    write_refusal,
)

NOT_HERE = "model code cannot use files, the network, other programs or the app itself"


def _refuse(what: str) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise SandboxViolation(f"{what} is not available in the sandbox: {NOT_HERE}")

    refused.__name__ = what.split("(")[0]
    return refused


def _shim(name: str, values: dict[str, Any], dynamic: Callable[[str], Any] | None) -> Any:
    module = types.ModuleType(name, f"The sandbox's stand-in for {name}: harmless parts only.")
    for key, value in values.items():
        setattr(module, key, value)

    def missing(attr: str) -> Any:
        if dynamic is not None and attr in SYS_DYNAMIC:
            return dynamic(attr)
        raise AttributeError(f"{name}.{attr} is not available in the sandbox: {NOT_HERE}")

    module.__getattr__ = missing  # type: ignore[method-assign]
    return module


def guarded_format(value: Any) -> Any:
    """`value`, or a checked stand-in when it is `str.format`/`format_map` (bound or not)."""
    if value is str.format or value is str.format_map:
        method = value

        def unbound(template: str, /, *args: Any, **kwargs: Any) -> Any:
            if isinstance(template, str):
                check_format_fields(template)
            return method(template, *args, **kwargs)

        return unbound
    if (
        type(value) is types.BuiltinMethodType
        and value.__name__ in FORMAT_METHODS
        and isinstance(value.__self__, str)
    ):
        bound, template = value, value.__self__

        def checked_format(*args: Any, **kwargs: Any) -> Any:
            check_format_fields(template)
            return bound(*args, **kwargs)

        return checked_format
    return value


def _guarded_operator_names(get: Callable[..., Any]) -> dict[str, Any]:
    """attrgetter and methodcaller that check their names (with `get`, the sandbox's getattr)
    and are plain functions: the real objects' types would build unchecked ones
    (`type(attrgetter("x"))("__globals__")`)."""

    def attrgetter(*names: str) -> Callable[[Any], Any]:
        paths = []
        for name in names:
            if type(name) is not str:  # a str subclass could show the check another name
                raise SandboxViolation("attrgetter takes plain strings in the sandbox")
            paths.append([check_name_string(part) for part in name.split(".")])

        def walk(obj: Any, path: list[str]) -> Any:
            for part in path:
                obj = get(obj, part)
            return obj

        def getter(obj: Any) -> Any:
            found = [walk(obj, path) for path in paths]
            return found[0] if len(found) == 1 else tuple(found)

        return getter

    def methodcaller(name: str, /, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        if type(name) is not str:
            raise SandboxViolation("methodcaller takes a plain string in the sandbox")
        check_name_string(name)

        def call(obj: Any) -> Any:
            return get(obj, name)(*args, **kwargs)

        return call

    return {"attrgetter": attrgetter, "methodcaller": methodcaller}


def _stream_view(real_sys: Any, name: str) -> Any:
    """`sys.stdout`/`sys.stderr` for model code: writes go to the cell's output, but the
    worker's writer object (and its class) stay out of reach."""

    def write(text: str) -> int:
        return int(getattr(real_sys, name).write(str(text)))

    def nothing() -> None:
        return None

    return types.SimpleNamespace(
        write=write, flush=nothing, writable=lambda: True, isatty=lambda: False, encoding="utf-8"
    )


def make_import(modules: dict[str, Any], get: Callable[..., Any] = getattr) -> Callable[..., Any]:
    """The restricted `__import__`, over the modules already loaded (`sys.modules`); `get` is
    the sandbox's getattr, for the copy of `operator`."""
    path = _shim("os.path", {k: getattr(posixpath, k) for k in OS_PATH_NAMES}, None)
    os_shim = _shim(
        "os", {"path": path, **{k: getattr(posixpath, k, None) for k in OS_NAMES}}, None
    )
    os_shim.linesep = "\n"
    real_sys = modules["sys"]
    streams = {attr: _stream_view(real_sys, attr) for attr in SYS_DYNAMIC}
    sys_shim = _shim("sys", {k: getattr(real_sys, k) for k in SYS_NAMES}, streams.__getitem__)
    copies: dict[str, Any] = {"os": os_shim, "os.path": path, "sys": sys_shim}

    def copy_of(name: str) -> Any:
        if name in copies:
            return copies[name]
        real = modules.get(name)
        if real is None:
            raise ModuleNotFoundError(f"module {name!r} is not loaded in the sandbox")
        copy = types.ModuleType(name, getattr(real, "__doc__", None))
        hidden, only = HIDDEN_NAMES.get(name, frozenset()), ONLY_NAMES.get(name)
        for key, value in list(vars(real).items()):
            if key.startswith("_") or key in hidden or (only is not None and key not in only):
                continue
            if isinstance(value, types.ModuleType):
                sub = f"{name}.{key}"
                if sub not in ALLOWED_MODULES or modules.get(sub) is not value:
                    continue
                value = copy_of(sub)
            setattr(copy, key, value)
        if name == "operator":
            for key, value in _guarded_operator_names(get).items():
                setattr(copy, key, value)
        copies[name] = copy
        return copy

    def restricted_import(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        if type(name) is not str or level != 0:
            raise ImportError("relative imports are not available in the sandbox")
        if name not in ALLOWED_MODULES and name not in SHIM_MODULES:
            allowed = ", ".join(sorted(m for m in ALLOWED_MODULES if "." not in m))
            raise ModuleNotFoundError(
                f"module {name!r} is not available in the sandbox ({NOT_HERE}); "
                f"available: {allowed}"
            )
        return copy_of(name if fromlist else name.partition(".")[0])

    return restricted_import


def make_builtins(
    namespace: dict[str, Any],
    readable: Callable[[Any, str], bool] | None = None,
    writable: Writable | None = None,
) -> tuple[types.ModuleType, Callable[[Any], Any]]:
    """The builtins for the REPL namespace (and for code it runs with eval/exec), as a module:
    model code cannot rebind a module's `__x__` names, so the checks' entries hold. `readable`
    and `writable` check private reads and attribute writes against the classes alive when
    the layer went on (`private`; made here when not given). Also returns `guarded(value)`,
    which turns what is read into what model code may hold (a `str.format` or a
    `__setattr__` checked)."""
    module = types.ModuleType("builtins", "The sandbox's builtins.")
    safe = {
        k: v
        for k, v in vars(builtins).items()
        if k not in REMOVED_BUILTINS and (not k.startswith("_") or k == "__build_class__")
    }  # no __loader__ (BuiltinImporter would load `posix`), __spec__, ...
    real_compile, real_exec, real_eval = compile, exec, eval
    library = library_classes()  # every class alive now is the library's (or the sandbox's)
    readable = readable or make_private_check(library)
    writable = writable or make_write_check(library)

    def check_target(obj: Any, name: Any, delete: bool) -> None:
        if not writable(obj, delete, check_write(name)):
            raise SandboxViolation(write_refusal(obj, name))

    def write_target(obj: Any, delete: bool, name: str) -> Any:
        """What the object of a cell's `x.a = v` / `del x.a` goes through (`secure_tree`)."""
        if not writable(obj, delete, name):
            raise SandboxViolation(write_refusal(obj, name))
        return obj

    def guarded(value: Any) -> Any:
        return guarded_setter(guarded_format(value), check_target)

    def method_guard(obj: Any, name: str) -> Any:
        """What a cell's `x.format`, `x.format_map`, `x.__setattr__`, `x.__delattr__` become."""
        return guarded(getattr(obj, name))

    def private_attr(obj: Any, name: str) -> Any:
        """A private name read: a cell's `x._y` becomes `__sandbox_private__(x, "_y")`."""
        if type(name) is not str or (is_private(name) and not readable(obj, name)):
            raise SandboxViolation(refusal(obj, str(name)))
        return getattr(obj, name)

    # code objects this `compile` made (checked); no other code object is run
    made: weakref.WeakValueDictionary[int, types.CodeType] = weakref.WeakValueDictionary()

    view = namespace_view(namespace)  # what globals() gives model code

    def run(real: Callable[..., Any], code: types.CodeType, globals: Any, locals: Any) -> Any:
        """eval/exec of checked code: in the REPL namespace, or in private copies of the dicts
        model code gave (`guard.private_scope`), written back afterwards."""
        mine = globals is None or globals is view
        scope = namespace if mine else private_scope(globals, "globals")
        if not mine:
            scope["__builtins__"] = module
        local = None if locals is None or locals is view else private_scope(locals, "locals")
        try:
            return real(code, scope, scope if local is None else local)
        finally:
            if not mine:
                write_back(globals, scope)
            if local is not None:
                write_back(locals, local)

    def checked(source: Any, filename: str, mode: str) -> Any:
        if isinstance(source, bytes):
            source = source.decode("utf-8")
        if isinstance(source, ast.AST):  # a model-made tree may answer twice differently:
            source = ast.unparse(source)  # check and compile a fresh one instead
        tree = ast.parse(source, filename, mode)
        check_tree(tree)
        return tree

    def safe_compile(
        source: Any, filename: str, mode: str, flags: int = 0, *a: Any, **k: Any
    ) -> types.CodeType | ast.AST:
        if isinstance(source, types.CodeType):
            raise TypeError("compile() takes source text or a syntax tree in the sandbox")
        tree = checked(source, str(filename), str(mode))
        if flags & ast.PyCF_ONLY_AST:
            return cast(ast.AST, tree)
        code: types.CodeType = real_compile(
            secure_tree(tree), str(filename), str(mode), dont_inherit=True
        )
        made[id(code)] = code
        return code

    def runnable(source: Any, mode: str) -> types.CodeType:
        if isinstance(source, types.CodeType):
            if made.get(id(source)) is not source:
                raise SandboxViolation(
                    "only code made by compile() in the sandbox can be run: pass the source"
                )
            return source
        code = safe_compile(source, f"<{mode}>", mode)
        assert isinstance(code, types.CodeType)  # no PyCF_ONLY_AST flag: always code
        return code

    def safe_eval(source: Any, globals: Any = None, locals: Any = None) -> Any:
        return run(real_eval, runnable(source, "eval"), globals, locals)

    def safe_exec(source: Any, globals: Any = None, locals: Any = None) -> None:
        run(real_exec, runnable(source, "exec"), globals, locals)

    def safe_getattr(obj: Any, name: str, *default: Any) -> Any:
        if is_private(check_attribute(name)) and not readable(obj, name):
            raise SandboxViolation(refusal(obj, name))
        return guarded(getattr(obj, name, *default))

    def safe_setattr(obj: Any, name: str, value: Any) -> None:
        check_target(obj, name, False)
        setattr(obj, name, value)

    def safe_delattr(obj: Any, name: str) -> None:
        check_target(obj, name, True)
        delattr(obj, name)

    def safe_hasattr(obj: Any, name: str) -> bool:
        if is_private(check_attribute(name)) and not readable(obj, name):
            raise SandboxViolation(refusal(obj, name))
        return hasattr(obj, name)

    def shown(owner: tuple[Any, ...], key: Any) -> bool:
        if attribute_denied(key):
            return False
        return not (owner and is_private(key) and not readable(owner[0], key))

    def safe_vars(*obj: Any) -> dict[str, Any]:
        found = vars(*obj) if obj else namespace
        return {k: guarded(v) for k, v in found.items() if shown(obj, k)}

    safe.update(
        __import__=make_import(sys.modules, safe_getattr),
        **{FORMAT_GUARD: method_guard, PRIVATE_GUARD: private_attr, WRITE_GUARD: write_target},
        compile=safe_compile,
        eval=safe_eval,
        exec=safe_exec,
        getattr=safe_getattr,
        setattr=safe_setattr,
        delattr=safe_delattr,
        hasattr=safe_hasattr,
        vars=safe_vars,
        globals=lambda: view,
        locals=_refuse("locals() (use vars() or name the variables)"),
        open=_refuse("open()"),
        input=_refuse("input()"),
        breakpoint=_refuse("breakpoint()"),
        help=_refuse("help()"),
    )
    vars(module).update(safe)
    return module, guarded


def install(namespace: dict[str, Any]) -> None:
    library = library_classes()  # every class alive now is the library's (or the sandbox's)
    readable, writable = make_private_check(library), make_write_check(library)
    module, guarded = make_builtins(namespace, readable, writable)
    namespace["__builtins__"] = module
    neutralise.apply(module, module.exec, readable, writable, make_library_check(library), guarded)
