"""Each layer holds on its own: one bypass is not an escape.

The worker runs with a single kernel layer (`limits["layers"]`), so model code has the real
`os`, `ctypes` and `open`, as if it had got past the Python layer; the attacks must still fail.
The audit hook is tested alone in a plain interpreter that has every dangerous module in hand.
A control run with no layer at all shows that the checks do see an effect when one happens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from rlm_desktop.sandbox import landlock_layer, seccomp_layer
from rlm_desktop.sandbox.host import Sandbox, SandboxConfig
from tests.sandbox.arena import Arena
from tests.sandbox.corpus import MARK, Case
from tests.sandbox.test_escape_corpus import assert_no_effect, reply_to

REPO = Path(__file__).resolve().parents[2]
ABI = landlock_layer.abi_version()
HAS_SECCOMP = seccomp_layer.load_binding() is not None
CONNECT = (
    "import ctypes, struct\nlibc = ctypes.CDLL(None)\ns = libc.socket(2, 1, 0)\n"
    'addr = struct.pack("<H", 2) + struct.pack("!H", $PORT) + bytes([127, 0, 0, 1]) + bytes(8)\n'
    "assert libc.connect(s, addr, 16) == 0" + MARK
)
MMAP_EXEC = (
    "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.mmap.restype = ctypes.c_void_p\n"
    "p = libc.mmap(None, 4096, 7, 0x22, -1, 0)\nassert p not in (None, 2 ** 64 - 1)" + MARK
)
FS = {"seccomp", "landlock"}
# (name, code, the kernel layers that must each stop it alone)
RAW: list[tuple[str, str, set[str]]] = [
    ("read-secret", 'print(open("$SECRET").read())' + MARK, FS),
    ("write-canary", 'open("$CANARY", "w").write("x")' + MARK, FS),
    ("unlink-doc", 'import os\nos.unlink("$DOC")' + MARK, FS),
    ("rename-doc", 'import os\nos.rename("$DOC", "$CANARY")' + MARK, FS),
    ("truncate-doc", 'import os\nos.truncate("$DOC", 0)' + MARK, FS),
    ("utime-doc", 'import os\nos.utime("$DOC", (0, 0))' + MARK, {"seccomp"}),
    ("chmod-doc", 'import os\nos.chmod("$DOC", 0)' + MARK, {"seccomp"}),
    ("listdir", 'import os\nprint(os.listdir("$ARENA"))' + MARK, FS),
    ("stat-secret", 'import os\nos.stat("$SECRET")' + MARK, {"seccomp"}),
    ("system-touch", 'import os\nassert os.system("touch $CANARY") == 0' + MARK, FS),
    ("fork", "import os\npid = os.fork()\nif pid == 0:\n    os._exit(0)" + MARK, {"seccomp"}),
    ("kill-victim", "import os\nos.kill($VICTIM, 9)" + MARK, {"seccomp", "landlock-signal"}),
    ("connect", CONNECT, {"seccomp", "landlock-net"}),
    ("dlopen-new-library", 'import ctypes\nctypes.CDLL("libexpat.so.1")' + MARK, FS),
    ("mmap-exec", MMAP_EXEC, {"seccomp"}),
    ("environment", "import os\nprint(dict(os.environ))", {"seccomp", "landlock"}),
    ("prlimit-host", "import resource\nresource.prlimit($HOST, 7, (64, 64))" + MARK, {"seccomp"}),
    ("renice-host", "import os\nos.setpriority(os.PRIO_PROCESS, $HOST, 19)" + MARK, {"seccomp"}),
    ("affinity-host", "import os\nos.sched_setaffinity($HOST, {0})" + MARK, {"seccomp"}),
]


def _runs(layer: str) -> list[tuple[str, str]]:
    names = {"landlock": {"landlock", "landlock-signal" if ABI >= 6 else "", "landlock-net"}}
    if ABI < 4:
        names["landlock"].discard("landlock-net")
    wanted = names.get(layer, {layer})
    return [(name, code) for name, code, layers in RAW if layers & wanted]


def _sandbox(arena: Arena, layers: list[str]) -> Iterator[Sandbox]:
    config = SandboxConfig(cell_timeout=5, limits={"layers": layers})
    with Sandbox(arena.context(), reply_to, config) as box:
        yield box


@pytest.fixture(scope="module")
def seccomp_only(arena: Arena) -> Iterator[Sandbox]:
    if not HAS_SECCOMP:
        pytest.skip("pyseccomp or libseccomp2 is not installed")
    yield from _sandbox(arena, ["seccomp"])


@pytest.fixture(scope="module")
def landlock_only(arena: Arena) -> Iterator[Sandbox]:
    if ABI < 1:
        pytest.skip("this kernel has no landlock")
    yield from _sandbox(arena, ["landlock"])


def _check(arena: Arena, box: Sandbox, name: str, code: str) -> None:
    before = arena.snapshot()
    result = box.run_cell(arena.fill(code, name))
    assert_no_effect(Case(name, "raw", code, ""), arena, box, result)
    assert arena.snapshot() == before
    assert box.run_cell("6 * 7").output.strip() == "42"


@pytest.mark.parametrize(("name", "code"), _runs("seccomp"), ids=[n for n, _ in _runs("seccomp")])
def test_seccomp_alone(arena: Arena, seccomp_only: Sandbox, name: str, code: str) -> None:
    assert seccomp_only.layers == ["process", "seccomp"]
    _check(arena, seccomp_only, name, code)


@pytest.mark.parametrize(("name", "code"), _runs("landlock"), ids=[n for n, _ in _runs("landlock")])
def test_landlock_alone(arena: Arena, landlock_only: Sandbox, name: str, code: str) -> None:
    assert landlock_only.layers == ["process", "landlock"]
    _check(arena, landlock_only, name, code)


def test_without_layers_the_checks_see_the_effects(arena: Arena) -> None:
    """The control: with no layer, the same checks fail, so a pass above means something."""
    config = SandboxConfig(cell_timeout=5, limits={"layers": []})
    with Sandbox(arena.context(), reply_to, config) as box:
        assert box.layers == ["process"]
        for name in ("write-canary", "read-secret", "fork"):
            code = next(code for n, code, _ in RAW if n == name)
            result = box.run_cell(arena.fill(code, f"control-{name}"))
            with pytest.raises(AssertionError):
                assert_no_effect(Case(f"control-{name}", "raw", code, ""), arena, box, result)
            arena.canary(f"control-{name}").unlink(missing_ok=True)
    # the environment is scrubbed by the process layer, whatever else is on
    assert arena.env_token not in result.output


HOOK_SCRIPT = """
import gc, io, json, marshal, os, pickle, shutil, socket, subprocess, sys, types
sys.path.insert(0, REPO)
import ctypes
from rlm_desktop.sandbox import audit
audit.install()
seen = []


def added_hook_runs():
    sys.addaudithook(lambda *args: seen.append(1))
    id(seen)  # an allowed event: a hook that was added would see it
    if not seen:
        raise PermissionError("the hook was not added")


attacks = {
    "open": lambda: open(SECRET).read(),
    "io.FileIO": lambda: io.FileIO(SECRET).read(),
    "os.open": lambda: os.open(CANARY, os.O_CREAT | os.O_WRONLY),
    "os.system": lambda: os.system("touch " + CANARY),
    "subprocess": lambda: subprocess.run(["touch", CANARY]),
    "os.fork": lambda: os.fork(),
    "os.execv": lambda: os.execv("/bin/touch", ["touch", CANARY]),
    "os.kill": lambda: os.kill(VICTIM, 9),
    "os.remove": lambda: os.remove(DOC),
    "os.rename": lambda: os.rename(DOC, CANARY),
    "os.utime": lambda: os.utime(DOC, (0, 0)),
    "os.chmod": lambda: os.chmod(DOC, 0),
    "os.listdir": lambda: os.listdir(ARENA),
    "shutil.copy": lambda: shutil.copy(SECRET, CANARY),
    "socket": lambda: socket.create_connection(("127.0.0.1", PORT)),
    "ctypes": lambda: ctypes.CDLL(None).system(b"touch " + CANARY.encode()),
    "import": lambda: __import__("xml.dom.minidom"),
    "gc": lambda: gc.get_objects(),
    "getframe": lambda: sys._getframe(),
    "marshal": lambda: marshal.loads(marshal.dumps(1)),
    "pickle": lambda: pickle.loads(pickle.dumps(len)),
    "code": lambda: (lambda: 0).__code__.replace(co_consts=(1,)),
    "settrace": lambda: sys.settrace(None),
    "addaudithook": added_hook_runs,
}
results = {}
for name, attack in attacks.items():
    try:
        attack()
        results[name] = "ran"
    except BaseException as exc:
        results[name] = type(exc).__name__
print(json.dumps(results))
"""


def test_audit_hook_alone_with_every_module_in_hand(arena: Arena) -> None:
    values = {
        "REPO": str(REPO),
        "SECRET": str(arena.secret),
        "DOC": str(arena.document),
        "CANARY": str(arena.canary("hook")),
        "ARENA": str(arena.root),
        "PORT": arena.listener.port,
        "VICTIM": arena.victim.pid,
    }
    prelude = "".join(f"{k} = {v!r}\n" for k, v in values.items())
    before = arena.snapshot()
    done = subprocess.run(
        [sys.executable, "-I", "-c", prelude + textwrap.dedent(HOOK_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert [name for name, outcome in results.items() if outcome == "ran"] == []
    assert not arena.canary("hook").exists()
    assert arena.snapshot() == before
    assert arena.victim.poll() is None


def test_process_layer_alone(arena: Arena) -> None:
    """Own session, scrubbed environment, stdin closed, an empty private working folder."""
    config = SandboxConfig(cell_timeout=5, limits={"layers": []})
    with Sandbox(arena.context(), reply_to, config) as box:
        assert box.layers == ["process"] and box.pid is not None
        assert os.getsid(box.pid) == box.pid and os.getpgid(box.pid) == box.pid
        out = box.run_cell("import os\nprint(sorted(os.environ), os.listdir('.'))").output
        names, listing = out.strip().rsplit(" ", 1)
        allowed = {
            "LANG",
            "LC_ALL",
            "LC_CTYPE",
            "TZ",
            "PYTHONDONTWRITEBYTECODE",
            "PYTHONIOENCODING",
        }
        assert set(eval(names)) <= allowed and listing == "[]"
        assert "EOFError" in (box.run_cell("input()").error or "")


def test_rlimits_alone(arena: Arena) -> None:
    """Memory, file size and open files hold with only this layer (fork too, but not as
    root: the kernel exempts root from RLIMIT_NPROC, which seccomp covers)."""
    config = SandboxConfig(
        cell_timeout=10, limits={"layers": ["rlimits"], "memory_bytes": 512 << 20}
    )
    with Sandbox(arena.context(), reply_to, config) as box:
        assert box.layers == ["process", "rlimits"]
        pid = box.pid
        bomb = box.run_cell("b = []\nwhile True:\n    b.append(bytearray(10 ** 7))")
        assert "MemoryError" in (bomb.error or "") and box.pid == pid
        box.run_cell("del b")
        before = arena.snapshot()
        grow = box.run_cell(
            arena.fill('f = open("$DOC", "a")\nf.write("more")\nf.close()' + MARK, "grow")
        )
        assert "File too large" in grow.output and arena.snapshot() == before
        files = box.run_cell(
            "import os\nfds = [os.open('/dev/null', os.O_RDONLY) for _ in range(100)]"
        )
        assert "Too many open files" in (files.error or "")
        if os.getuid() != 0:
            fork = box.run_cell("import os\nos.fork()" + MARK)
            assert "ESCAPED" not in fork.output and fork.error
        assert box.run_cell("6 * 7").output.strip() == "42"
