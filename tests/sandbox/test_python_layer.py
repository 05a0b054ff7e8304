"""The Python layer on its own: what it leaves reachable, and what ordinary code still does.

The escape corpus (`test_escape_corpus`, `corpus.py` category "python-routes") checks each
route from outside. Here: the interpreter's state after the layer is on, seen by code that has
already got round it (a plain interpreter, so every object is in hand): no `ctypes`, no module
loader in `_imp`, no string annotation evaluated, no code swapped, a read-only policy. And the
ordinary Python a model writes that the tightened rules must not break.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.sandbox.host import Sandbox, SandboxConfig

REPO = Path(__file__).resolve().parents[2]
PYTHON_LAYER = ["rlimits", "audit-hook"]

AFTER_BYPASS = """
import sys
sys.path.insert(0, REPO)
from rlm_desktop.sandbox import hardening, policy, procctl
procctl.lock_down()  # what the process layer does first: on Linux, through ctypes
loaded_before = "ctypes" in sys.modules or not sys.platform.startswith("linux")
namespace = {"__name__": "__repl__"}
layers = hardening.apply({"layers": ["audit-hook"]}, namespace)
import importlib._bootstrap as bootstrap
import typing


def swap_code():
    def f():
        return 1
    object.__setattr__(f, "__code__", (lambda: 2).__code__)


def create_builtin():
    names = [n for n in sys.builtin_module_names if n not in sys.modules] or ["posix"]
    bootstrap._imp.create_builtin(bootstrap.ModuleSpec(names[0], None))


def write_policy():
    policy.HIDDEN_NAMES["io"] = frozenset()


attacks = {
    "import _ctypes": lambda: __import__("_ctypes"),
    "import ctypes": lambda: __import__("ctypes"),
    "_imp.create_builtin": create_builtin,
    "_imp.create_dynamic": lambda: bootstrap._imp.create_dynamic(None),
    "ForwardRef._evaluate": lambda: typing.ForwardRef("1")._evaluate({}, {}, frozenset()),
    "object.__setattr__ __code__": swap_code,
    "rewrite the policy": write_policy,
}
results = {}
for name, attack in attacks.items():
    try:
        attack()
        results[name] = "ran"
    except BaseException as exc:
        results[name] = type(exc).__name__
reachable = [n for n in ("ctypes", "_ctypes", "_imp", "pyseccomp") if n in sys.modules]
print(json.dumps({"layers": layers, "loaded_before": loaded_before, "reachable": reachable,
                  "results": results}))
"""


def test_after_a_bypass_no_ctypes_no_loader_no_code_swap() -> None:
    prelude = f"import json\nREPO = {str(REPO)!r}\n"
    done = subprocess.run(
        [sys.executable, "-I", "-c", prelude + textwrap.dedent(AFTER_BYPASS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["layers"] == ["audit-hook"]
    assert report["loaded_before"], "the control: on Linux the process layer loads ctypes"
    assert report["reachable"] == []
    assert [name for name, outcome in report["results"].items() if outcome == "ran"] == []


def test_the_allowed_modules_do_not_load_ctypes() -> None:
    """Off Linux nothing loads ctypes at all: not the worker, not its allowed modules."""
    code = (
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\n"
        "from rlm_desktop.sandbox import hardening, worker\nhardening.warm_up()\n"
        "print(sorted(n for n in sys.modules if 'ctypes' in n))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    context = Context([Document(name="a.txt", text="alpha\nbeta\n")])
    config = SandboxConfig(cell_timeout=10, limits={"layers": PYTHON_LAYER})
    with Sandbox(context, lambda request: ["answer"], config) as sandbox:
        assert sandbox.layers == ["process", *PYTHON_LAYER]
        yield sandbox


ORDINARY = [
    (
        "import functools\ndef deco(f):\n    @functools.wraps(f)\n    def w(*a):\n"
        "        return f(*a) + 1\n    return w\n@deco\ndef g(x):\n    'doc'\n    return x\n"
        "g(1), g.__name__, g.__doc__",
        "(2, 'g', 'doc')",
    ),
    (
        "from dataclasses import dataclass, asdict, replace, field\n"
        "@dataclass(frozen=True, order=True)\nclass P:\n    x: int\n    y: 'str' = 'a'\n"
        "    t: tuple = field(default=())\n"
        "p = P(1)\n(p, asdict(p), replace(p, x=2) > p, hash(p) == hash(P(1)))",
        "(P(x=1, y='a', t=()), {'x': 1, 'y': 'a', 't': ()}, True, True)",
    ),
    (
        "from dataclasses import dataclass\n@dataclass(slots=True)\nclass S:\n    a: int = 3\nS()",
        "S(a=3)",
    ),
    ("c = compile('1 + 1', 'f', 'eval')\neval(c), eval('x', {'x': 5})", "(2, 5)"),
    ("ns = {}\nexec(compile('z = 4', 'f', 'exec'), ns)\nexec('w = z + 1', ns)\nns['w']", "5"),
    (
        "import copy\nclass A:\n    def __init__(self):\n        self._v = [1]\n"
        "a = copy.deepcopy(A())\nsetattr(a, '_w', 2)\na._v, a._w",
        "([1], 2)",
    ),
    (
        "from dataclasses import dataclass\n@dataclass\nclass Pt:\n    x: int\n    y: int\n"
        "def f(v):\n    match v:\n        case Pt(x=0, y=y):\n            return y\n"
        "        case int() as n:\n            return n * 2\n        case [a, b]:\n"
        "            return a + b\n    return None\n[f(Pt(0, 7)), f(4), f([1, 2])]",
        "[7, 8, 3]",
    ),
    ("import sys\nprint('out', file=sys.stderr)\nsys.stdout.write('w\\n')\nNone", "out\nw"),
    ("import ast\nsum(isinstance(n, ast.Name) for n in ast.walk(ast.parse('a + b')))", "2"),
    (
        "import typing\nclass T(typing.NamedTuple):\n    a: int\n    b: 'str' = 'x'\nT(1)",
        "T(a=1, b='x')",
    ),
    (
        "import operator\noperator.attrgetter('real')(3), operator.methodcaller('upper')('a')",
        "(3, 'A')",
    ),
    (
        "class C:\n    def __init__(self):\n        self._v = 1\n        self.__w = 2\n"
        "    def both(self):\n        return self._v + self.__w + getattr(self, '_v')\n"
        "c = C()\nc.both(), c._C__w, sorted(vars(c))",
        "(4, 2, ['_C__w', '_v'])",
    ),
    (
        "import collections, enum\nP = collections.namedtuple('P', 'a b')\n"
        "class E(enum.Enum):\n    A = 1\nP(1, 2)._asdict(), P._fields, E.A._value_, E.A._name_",
        "({'a': 1, 'b': 2}, ('a', 'b'), 1, 'A')",
    ),
    (
        "import types\ndef f():\n    pass\nf.calls = 1\nns = types.SimpleNamespace(a=1)\nns.b = 2\n"
        "class C:\n    n = 0\n    def __setattr__(self, k, v):\n"
        "        super().__setattr__(k, v * 2)\nC.n += 1\nc = C()\nc.x = 3\n"
        "object.__setattr__(c, 'y', 1)\ndel c.y\nf.calls, ns.b, C.n, c.x",
        "(1, 2, 1, 6)",
    ),
    (
        "x = 1\n('x' in globals(), globals().get('documents') is documents, "
        "'__builtins__' in globals(), [k for k in globals() if k.startswith('__sandbox')])",
        "(True, True, False, [])",
    ),
    (
        "exec('z2 = 5', globals())\nns = {'a': 1}\nexec('b = a + 1\\ndel a', ns)\n"
        "z2, sorted(k for k in ns if k != '__builtins__'), eval('b * 2', ns, {'b': 4})",
        "(5, ['b'], 8)",
    ),
]


@pytest.mark.parametrize(("code", "expected"), ORDINARY, ids=range(len(ORDINARY)))
def test_ordinary_code_still_works(box: Sandbox, code: str, expected: str) -> None:
    result = box.run_cell(code)
    assert result.error is None, result.output
    assert result.output.strip() == expected


REFUSED = [
    ("globals()['x'] = 1", "does not support item assignment"),
    ("def f():\n    return locals()\nf()", "locals()"),
    (
        "import contextlib\nclass M(contextlib.redirect_stdout):\n    pass\n"
        "cm = contextlib.redirect_stdout(None)\ncm.__class__ = M",
        "(__class__)",
    ),
    ("import contextlib\ncm = contextlib.redirect_stdout(None)\ncm._stream = 'x'", "(_stream)"),
    (
        "import contextlib, copy\ncopy.deepcopy(contextlib.redirect_stdout(None), {})",
        "private state",
    ),
    ("import json\njson.JSONEncoder.encode = None", "changing 'JSONEncoder'"),
    ("import ast\nsetattr(ast.Attribute, '_fields', ())", "changing 'Attribute'"),
    ("import typing\ntyping.Counter.most_common = None", "changing '_SpecialGenericAlias'"),
    ("import enum\nclass E(enum.Enum):\n    A = 1\nenum.global_enum(E)", "global_enum"),
    ("match 3:\n    case int(n):\n        pass", "positional sub-patterns"),
    ("def f():\n    pass\nsetattr(f, 'co_name', 'x')", "changing attribute 'co_name'"),
    ("def f():\n    pass\nf.__defaults__ = (1,)", "attribute '__defaults__'"),
    (
        "c = compile('def f():\\n    return 1', 'x', 'exec')\n"
        "eval([k for k in c.co_consts if hasattr(k, 'co_code')][0])",
        "only code made by compile()",
    ),
    ("class D(dict):\n    pass\nexec('x = 1', D())", "plain dict"),
    ("import typing\ntyping.get_args(typing.List['int'])[0]._evaluate({}, {}, set())", "_evaluate"),
    ("import enum\nclass E(enum.Enum):\n    A = 1\nE._convert_", "private attribute '_convert_'"),
    ("import random\ngetattr(random.Random(), '_randbelow')", "private attribute"),
    ("import json\n'{0._x}'.format(json)", "private attribute '_x'"),
]


@pytest.mark.parametrize(("code", "reason"), REFUSED, ids=range(len(REFUSED)))
def test_refusals_say_why(box: Sandbox, code: str, reason: str) -> None:
    result = box.run_cell(code)
    assert result.error is not None and reason in result.error, result.output
    assert box.run_cell("6 * 7").output.strip() == "42"
