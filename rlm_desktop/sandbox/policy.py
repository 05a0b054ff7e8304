"""The sandbox policy as data: what model code may import, touch and call (stdlib only).

Every layer reads its rules from here, so the policy can be reviewed in one place:
- the Python layer (`restricted`, `guard`, `audit`): the module allow-list, the names hidden in
  allowed modules, the attributes code may not reach, the audit events allowed after start-up;
- the kernel layers (`seccomp_layer`, `landlock_layer`): the system calls refused.
"""

from __future__ import annotations

from types import MappingProxyType

LAYER_NAMES = ("rlimits", "audit-hook", "seccomp", "landlock")

# --- modules ----------------------------------------------------------------------------------
# Pure computation on in-memory data. Each is imported before the hook goes on; model code gets
# a copy that holds only its public names (see `restricted`).
ALLOWED_MODULES = frozenset(
    {
        "abc",
        "array",
        "ast",
        "base64",
        "binascii",
        "bisect",
        "calendar",
        "cmath",
        "collections",
        "collections.abc",
        "contextlib",
        "copy",
        "csv",
        "dataclasses",
        "datetime",
        "decimal",
        "difflib",
        "enum",
        "fnmatch",
        "fractions",
        "functools",
        "hashlib",
        "heapq",
        "html",
        "html.parser",
        "io",
        "itertools",
        "json",
        "keyword",
        "math",
        "numbers",
        "operator",
        "pprint",
        "random",
        "re",
        "secrets",
        "shlex",
        "statistics",
        "string",
        "struct",
        "textwrap",
        "time",
        "types",
        "typing",
        "unicodedata",
        "urllib",
        "urllib.parse",
        "zlib",
    }
)
# Stand-ins with only the harmless parts (`os.path` string functions, `sys.maxsize`, ...).
SHIM_MODULES = frozenset({"os", "os.path", "sys"})

# Public names removed from an allowed module's copy: file access, or a way back to real
# objects through a name given as a string.
# Read-only mappings, like every table here: nothing the worker holds can rewrite the policy.
HIDDEN_NAMES: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        "io": frozenset({"open", "open_code", "FileIO", "BufferedReader", "BufferedWriter"}),
        "contextlib": frozenset({"chdir"}),
        "string": frozenset({"Formatter"}),
        "typing": frozenset({"get_type_hints", "ForwardRef"}),
        "dataclasses": frozenset({"FunctionType"}),
        "operator": frozenset({"attrgetter", "methodcaller"}),  # replaced by guarded versions
    }
)
# Only these names are kept in the copy of the module.
ONLY_NAMES: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {"types": frozenset({"SimpleNamespace", "MappingProxyType", "GenericAlias", "NoneType"})}
)
OS_PATH_NAMES = frozenset(
    {"basename", "dirname", "join", "split", "splitext", "normpath", "isabs", "commonprefix"}
)
OS_NAMES = frozenset({"sep", "linesep", "curdir", "pardir", "extsep", "altsep"})
SYS_NAMES = frozenset(
    {"maxsize", "getsizeof", "version", "version_info", "float_info", "int_info", "byteorder"}
)
SYS_DYNAMIC = frozenset({"stdout", "stderr"})

# Warmed up before the hook: lazily imported codecs and helpers the allowed modules use.
WARM_MODULES = (
    "encodings.ascii",
    "encodings.latin_1",
    "encodings.cp1252",
    "encodings.utf_16",
    "encodings.utf_32",
    "encodings.unicode_escape",
    "encodings.raw_unicode_escape",
    "encodings.base64_codec",
    "encodings.hex_codec",
    "_strptime",
)

# --- builtins and attributes -----------------------------------------------------------------
REMOVED_BUILTINS = frozenset(
    {"open", "input", "breakpoint", "help", "exit", "quit", "copyright", "credits", "license"}
)
# Dunder attributes model code may name; every other `__x__` is refused (a class's
# `__subclasses__`, a function's `__globals__`, `__closure__`, `__code__`, `__builtins__`, ...).
# Not `__dict__`: `type.__dict__["__subclasses__"]` would get round the check (`vars()` filters).
SAFE_DUNDERS = frozenset(
    {
        "__name__",
        "__qualname__",
        "__doc__",
        "__module__",
        "__class__",
        "__slots__",
        "__annotations__",
        "__all__",
        "__version__",
        "__match_args__",
        "__dataclass_fields__",
        "__init__",
        "__post_init__",
        "__new__",
        "__setattr__",
        "__delattr__",
        "__str__",
        "__repr__",
        "__format__",
        "__hash__",
        "__bool__",
        "__len__",
        "__iter__",
        "__next__",
        "__reversed__",
        "__contains__",
        "__getitem__",
        "__setitem__",
        "__delitem__",
        "__missing__",
        "__call__",
        "__enter__",
        "__exit__",
        "__eq__",
        "__ne__",
        "__lt__",
        "__le__",
        "__gt__",
        "__ge__",
        "__add__",
        "__radd__",
        "__iadd__",
        "__sub__",
        "__rsub__",
        "__mul__",
        "__rmul__",
        "__truediv__",
        "__floordiv__",
        "__mod__",
        "__pow__",
        "__neg__",
        "__pos__",
        "__abs__",
        "__int__",
        "__float__",
        "__index__",
        "__round__",
        "__and__",
        "__or__",
        "__xor__",
        "__invert__",
    }
)
# Plain attribute names that reach frames, code or the interpreter's internals.
DENIED_ATTRIBUTES = frozenset(
    {
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "cr_await",
        "ag_frame",
        "ag_code",
        "ag_await",
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_code",
        "f_trace",
        "tb_frame",
        "tb_next",
        "mro",
    }
)
# Attribute names model code may not write or delete, whatever the route (a cell's `x.a = v`,
# `setattr`, `delattr`, the state `copy`/`deepcopy` restores): the denied names above, and a
# code object's fields. `__code__` is also refused by the audit hook, so
# `object.__setattr__(f, "__code__", c)` fails too (DENIED_AUDITED_WRITES).
DENIED_WRITE_PREFIXES = ("co_",)
# `str.format` and `format_map` read attributes named in the template ("{0.__globals__}"): a
# cell's `x.format` is rewritten to a call of FORMAT_GUARD, a builtin that checks the template's
# fields like attribute names; `getattr` and `vars` hand out the same checked versions.
FORMAT_METHODS = frozenset({"format", "format_map"})
FORMAT_GUARD = "__sandbox_attr__"
# Read through FORMAT_GUARD as well: `__setattr__`/`__delattr__` (`object.__setattr__`,
# `super().__setattr__`, a library's own) come back as versions that check the target (no
# library class) and the name, like `setattr`. None of these may be named as a string.
GUARDED_METHODS = FORMAT_METHODS | {"__setattr__", "__delattr__"}
# A cell's `x.a = v` / `del x.a` becomes `WRITE_GUARD(x, delete).a = v`: x must be writable.
WRITE_GUARD = "__sandbox_target__"
# Private names (`_x`, not `__x__`) model code reads only where its own classes define them: a
# library's are its internals (`enum.Enum._convert_` reads any loaded module's globals). A
# cell's `x._y` is rewritten to a call of PRIVATE_GUARD (see `private`); getattr, hasattr,
# vars, attrgetter and methodcaller check the same way. Documented names with an underscore:
PRIVATE_GUARD = "__sandbox_private__"
PUBLIC_UNDERSCORE = frozenset(
    {
        *("_asdict", "_replace", "_fields", "_make", "_field_defaults"),  # namedtuple
        *("_value_", "_name_", "_missing_", "_generate_next_value_", "_ignore_", "_order_"),
        "_attributes",  # ast nodes
    }
)
# Names a cell may not use at all.
DENIED_NAMES = frozenset(
    {"__builtins__", "__import__", "__loader__", "__spec__", FORMAT_GUARD, PRIVATE_GUARD}
    | {WRITE_GUARD}
)

# --- audit events -----------------------------------------------------------------------------
# After start-up the hook allows only these events; everything else (open, os.*, socket.*,
# subprocess.Popen, ctypes.*, import, marshal.*, pickle.find_class, code.__new__, gc.*, ...)
# is refused. `sys._getframe` is refused with a ValueError so that namedtuple, typing and enum
# fall back to their defaults.
ALLOWED_EVENTS = frozenset(
    {
        "compile",
        "exec",
        "builtins.id",
        "object.__setattr__",
        "object.__delattr__",
        "object.__getattr__",
        "time.sleep",
        "array.__new__",
        "sys.unraisablehook",
        "sys.excepthook",
        "cpython.PyInterpreterState_Clear",
        "cpython._PySys_ClearAuditHooks",
    }
)
FRAME_EVENTS = frozenset({"sys._getframe"})
# `object.__getattr__` events for these names are refused (suspended frames of generators).
DENIED_AUDITED_ATTRIBUTES = frozenset({"gi_frame", "cr_frame", "ag_frame"})
# `object.__setattr__`/`__delattr__` events for these names are refused (and for any name that
# is not a plain `str`): swapping a function's code, by any route, would run model code with
# the worker's own globals. (Not `__defaults__`: namedtuple sets it, and defaults run nothing.)
DENIED_AUDITED_WRITES = frozenset({"__code__"})
EVENT_REASONS = (
    ("open", "model code cannot read or write files"),
    ("os.", "model code cannot use the operating system"),
    ("shutil.", "model code cannot read or write files"),
    ("glob.", "model code cannot list files"),
    ("socket.", "model code cannot use the network"),
    ("subprocess.", "model code cannot start programs"),
    ("pty.", "model code cannot start programs"),
    ("ctypes.", "model code cannot load native code"),
    ("import", "only the allowed modules can be imported"),
    ("marshal.", "model code cannot load code objects"),
    ("pickle.", "model code cannot load code objects"),
    ("code.", "model code cannot build code objects"),
    ("function.", "model code cannot build code objects"),
)

# --- system calls -----------------------------------------------------------------------------
# Refused with EPERM once start-up is done (names unknown to the running kernel are skipped).
DENIED_SYSCALLS = (
    # processes and signals
    *("fork", "vfork", "clone", "clone3", "execve", "execveat", "kill", "tkill", "tgkill"),
    *("rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal", "pidfd_getfd"),
    *("ptrace", "process_vm_readv", "process_vm_writev", "setsid", "setpgid"),
    # network
    *("socket", "socketpair", "connect", "bind", "listen", "accept", "accept4"),
    # files: open, change, delete, list, look up
    *("open", "openat", "openat2", "creat", "open_by_handle_at", "name_to_handle_at"),
    *("unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir"),
    *("link", "linkat", "symlink", "symlinkat", "mknod", "mknodat", "truncate", "ftruncate"),
    *("chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat"),
    *("utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr"),
    *("removexattr", "lremovexattr", "fremovexattr", "chdir", "fchdir", "chroot"),
    *("stat", "lstat", "access", "faccessat", "faccessat2", "readlink", "readlinkat"),
    *("statfs", "getdents", "getdents64", "memfd_create", "inotify_init", "inotify_init1"),
    *("fanotify_init", "io_uring_setup", "io_uring_enter", "io_uring_register"),
    # the kernel, privileges and the sandbox itself
    *("bpf", "perf_event_open", "userfaultfd", "mount", "umount2", "pivot_root", "unshare"),
    *("setns", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick"),
    *("mount_setattr", "init_module", "finit_module", "delete_module", "kexec_load"),
    *("kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl", "keyctl"),
    *("add_key", "request_key", "setrlimit", "prctl", "seccomp", "personality", "capset"),
    *("setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups"),
    *("shmget", "shmat", "msgget", "semget", "mq_open", "settimeofday", "clock_settime"),
    *("adjtimex", "sethostname", "setdomainname", "syslog", "vhangup", "iopl", "ioperm"),
    *("modify_ldt", "uselib", "lookup_dcookie", "nfsservctl", "msgsnd", "msgrcv", "msgctl"),
    *("semop", "semtimedop", "semctl", "shmctl", "shmdt", "kcmp", "process_madvise"),
    # other processes of the same user: priorities, CPUs, memory placement
    *("setpriority", "sched_setaffinity", "sched_setscheduler", "sched_setparam"),
    *("sched_setattr", "ioprio_set", "migrate_pages", "move_pages"),
)
PROT_EXEC = 0x4
AT_EMPTY_PATH = 0x1000
