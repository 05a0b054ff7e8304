"""Escape-corpus cases for routes round the Python layer's own checks (issue 14).

Each reached the worker's real globals (or the interpreter's loaders) before the layer closed
its class of route: a library's real type handed out, `match` reading `__match_args__`, a
string annotation or a dataclass field name run as code, a code object run or swapped in, a
lying globals dict, a library reading attributes named by its caller's data, the worker's own
output writer. Each case ends with `MARK` (or prints it) only if the route got through.
"""

from __future__ import annotations

MARK = '\nprint("ESC" + "APED")'
# A code object with one free variable, like FINAL's, whose globals are whatever function's
# code it replaces: `FINAL(0)` then returns the worker's real `sys`.
CODE_OF_INNER = (
    "m = compile('def outer():\\n    self = 1\\n    def inner(answer):\\n"
    "        return self, sys\\n    return inner', 'x', 'exec')\n"
    "outer = [c for c in m.co_consts if hasattr(c, 'co_code')][0]\n"
    "inner = [c for c in outer.co_consts if hasattr(c, 'co_code')][0]\n"
)

# Turn the format check off (a library class it uses, changed), then read the worker's globals.
PATCH_AND_FORMAT = (
    "import ast\nast.NodeTransformer.generic_visit = lambda s, n: n\n"
    "exec(\"g = '{0.__globals__[__name__]}'.format(FINAL)\")\n"
    "assert g == 'rlm_desktop.sandbox.worker'" + MARK
)

PYTHON_ROUTES: list[tuple[str, str]] = [
    (
        "attrgetter-real-type",
        "import operator\ng = type(operator.attrgetter('x'))('__globals__')(FINAL)\n"
        "g['sys']" + MARK,
    ),
    (
        "methodcaller-real-type",
        "import operator\nsubs = type(operator.methodcaller('x'))('__subclasses__')(object)" + MARK,
    ),
    (
        "match-positional-metaclass",
        "class M(type):\n    def __instancecheck__(cls, obj):\n        return True\n"
        "class C(metaclass=M):\n    __match_args__ = ('__globals__',)\n"
        "match FINAL:\n    case C(g):\n        g['sys']\n        print('ESC' + 'APED')",
    ),
    (
        "forwardref-evaluate",
        "import typing\nfr = typing.get_args(typing.List['__import__(\"os\")'])[0]\n"
        "fr._evaluate(None, None, frozenset()).getpid()" + MARK,
    ),
    (
        "dataclass-field-source",  # a field name spliced into dataclasses' own exec
        "import dataclasses\nclass C:\n    x = 1\n"
        'C.__annotations__ = {\'x, __import__("os").getpid() and print("ESC" + '
        '"APED")\': int}\n'
        "dataclasses.dataclass(init=False, repr=False, eq=False, unsafe_hash=True)(C)\n"
        "hash(C())",
    ),
    (
        "dataclass-field-rename-code",  # a renamed field reads a code object, then eval
        "import dataclasses, typing\n@dataclasses.dataclass\nclass P:\n    x: int\n"
        "f = dataclasses.fields(P)[0]\n"
        "fr = typing.get_args(typing.List['FINAL.__globals__'])[0]\n"
        "type(fr).__dataclass_fields__ = {'c': f}\nf.name = '__forward_code__'\n"
        "eval(dataclasses.astuple(fr)[0])['sys']" + MARK,
    ),
    (
        "exec-lying-dict",  # a dict subclass shows the check the sandbox's builtins
        "class D(dict):\n    def setdefault(self, key, default=None):\n"
        "        return dict.get(self, key, default)\n"
        "    def __getitem__(self, key):\n"
        "        if key == '__builtins__':\n            return globals()['__builtins__']\n"
        "        return dict.__getitem__(self, key)\n"
        "g = D(f=FINAL)\nexec(\"r = getattr(f, '__glo' + 'bals__')\", g)\n"
        "dict.get(g, 'r')['sys']" + MARK,
    ),
    (
        "code-swap-object-setattr",
        CODE_OF_INNER + "object.__setattr__(FINAL, '__code__', inner)\n"
        "FINAL(0)[1].modules['os'].getpid()" + MARK,
    ),
    (
        "code-swap-copy-reduce",
        CODE_OF_INNER + "import copy\nclass R:\n    def __reduce_ex__(self, protocol):\n"
        "        return (lambda: FINAL, (), (None, {'__code__': inner}))\n"
        "copy.copy(R())\nFINAL(0)[1].modules['os'].getpid()" + MARK,
    ),
    (
        "ast-iter-fields",
        "import ast\nFINAL._fields = ('__globals__',)\n"
        "dict(ast.iter_fields(FINAL))['__globals__']['sys']" + MARK,
    ),
    (
        "functools-update-wrapper",
        "import functools\ng = {}\nclass D:\n    __globals__ = g\n"
        "functools.update_wrapper(D(), FINAL, assigned=(), updated=('__globals__',))\n"
        "g['sys']" + MARK,
    ),
    (
        "functools-type-dict",
        "import functools\ng = {}\nclass D:\n    __dict__ = g\n"
        "functools.update_wrapper(D(), type, assigned=(), updated=('__dict__',))\n"
        "g['__subclasses__'](object)" + MARK,
    ),
    (
        "capped-writer-class",  # the worker's own output writer: its limit and parts
        "import sys\nsys.stdout.limit = 10 ** 12\nsys.stdout.parts.clear()" + MARK,
    ),
    (
        "imp-create-builtin",  # a route to the classes, then the loader of built-ins
        "import functools\ng = {}\nclass D:\n    __dict__ = g\n"
        "functools.update_wrapper(D(), type, assigned=(), updated=('__dict__',))\n"
        "imp = [c for c in g['__subclasses__'](object) if c.__name__ == 'BuiltinImporter'][0]\n"
        "imp.create_module(imp.find_spec('posix')).getpid()" + MARK,
    ),
    (
        "enum-convert-private",  # a library's private method reads any loaded module's globals
        "import enum\nE = enum.Enum._convert_('E', 'rlm_desktop.sandbox.worker', "
        "lambda n: n == 'sys')\nE.sys.value.modules['os'].getpid()" + MARK,
    ),
    (
        "enum-convert-subclass",  # the same through a class of the model's own
        "import enum\nclass Mine(enum.Enum):\n    pass\n"
        "E = getattr(Mine, '_convert_')('E', 'rlm_desktop.sandbox.worker', lambda n: n == 'sys')\n"
        "E.sys.value.modules['os'].getpid()" + MARK,
    ),
    (
        "functools-private-copy",  # a library copies a private attribute onto a model object
        "import enum, functools\nclass D:\n    pass\nd = D()\n"
        "functools.update_wrapper(d, enum.Enum, assigned=('_convert_',), updated=())\n"
        "E = d._convert_('E', 'rlm_desktop.sandbox.worker', lambda n: n == 'sys')\n"
        "E.sys.value.modules['os'].getpid()" + MARK,
    ),
    (
        "patch-guard-rewriter",  # a library class the sandbox's own check uses, changed
        "import ast\nast.NodeTransformer.generic_visit = lambda self, node: node\n"
        "exec(\"g = '{0.__globals__[__name__]}'.format(FINAL)\")\n"
        "assert g == 'rlm_desktop.sandbox.worker'" + MARK,
    ),
    (
        "patch-guard-type-setattr",
        "import ast\ntype.__setattr__(ast.NodeTransformer, 'generic_visit', lambda s, n: n)\n"
        "exec(\"g = '{0.__globals__[__name__]}'.format(FINAL)\")\n"
        "assert g == 'rlm_desktop.sandbox.worker'" + MARK,
    ),
    (
        "patch-ast-fields",  # the tree walk of the check stops at an assignment
        "import ast\nast.Assign._fields = ()\nexec('g = FINAL.__globals__')\n"
        "globals()['g']['sys']" + MARK,
    ),
    (
        "enum-global-guard-lists",  # an enum's members written into the guard's globals
        "import enum\nclass E(frozenset, enum.Enum):\n"
        "    SAFE_DUNDERS = (frozenset({'__globals__', '__name__', '__class__'}),)\n"
        "E.__module__ = 'rlm_desktop.sandbox.guard'\nenum.global_enum(E)\n"
        "exec('g = FINAL.__globals__')\nglobals()['g']['sys']" + MARK,
    ),
    (
        "shadow-write-check-globals",  # the checks are names: rebind one, and it is gone
        "globals()['__sandbox_target__'] = lambda o, d, n: o\n" + PATCH_AND_FORMAT,
    ),
    (
        "shadow-write-check-builtins",  # the builtins every exec runs with, from exec's dict
        "g = {}\nexec('x = 1', g)\n"
        "g['__builtins__']['__sandbox_target__'] = lambda o, d, n: o\n" + PATCH_AND_FORMAT,
    ),
    (
        "shadow-write-check-parameter",
        "def f(__sandbox_target__=lambda o, d, n: o):\n"
        "    import ast\n    ast.NodeTransformer.generic_visit = lambda s, n: n\nf()\n"
        "exec(\"g = '{0.__globals__[__name__]}'.format(FINAL)\")\n"
        "assert g == 'rlm_desktop.sandbox.worker'" + MARK,
    ),
    (
        "library-getattr-raw-format",  # a library reads str.format for the model, unchecked
        "import ast\nclass S(str):\n    _fields = ('format',)\n"
        "f = dict(ast.iter_fields(S('{0.__globals__[__name__]}')))['format']\n"
        "assert f(FINAL) == 'rlm_desktop.sandbox.worker'" + MARK,
    ),
    (
        "library-getattr-raw-setattr",  # ... or type.__setattr__, to change a library class
        "import ast\nclass Meta(type):\n    _fields = ('__setattr__',)\n"
        "raw = dict(ast.iter_fields(Meta))['__setattr__']\n"
        "raw(ast.NodeTransformer, 'generic_visit', lambda s, n: n)\n"
        "exec(\"g = '{0.__globals__[__name__]}'.format(FINAL)\")\n"
        "assert g == 'rlm_desktop.sandbox.worker'" + MARK,
    ),
    (
        "shadow-write-check-exec-locals",  # exec's locals come first when a name is looked up
        "exec(" + repr(PATCH_AND_FORMAT) + ", {}, {'__sandbox_target__': lambda o, d, n: o})",
    ),
    (
        "shadow-write-check-mid-exec",  # the dict exec runs in, changed while it runs
        "g = {}\ndef inject():\n    g['__sandbox_target__'] = lambda o, d, n: o\n"
        "g['inject'] = inject\nexec('inject()\\n' + " + repr(PATCH_AND_FORMAT) + ", g)",
    ),
    (
        "shadow-write-check-prepare",  # a class body reads names from what __prepare__ made
        "import types, ast\nfake = {'__sandbox_target__': lambda o, d, n: o}\n"
        "m = types.SimpleNamespace(__prepare__=lambda name, bases: fake)\ntry:\n"
        "    class X(metaclass=m):\n        ast.NodeTransformer.generic_visit = lambda s, n: n\n"
        "except TypeError:\n    pass\n"
        "exec(\"g = '{0.__globals__[__name__]}'.format(FINAL)\")\n"
        "assert g == 'rlm_desktop.sandbox.worker'" + MARK,
    ),
]
