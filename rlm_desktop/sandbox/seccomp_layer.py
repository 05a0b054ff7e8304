"""The seccomp layer (Linux): a system call filter that holds even if Python is subverted.

Built with `pyseccomp` over Debian's libseccomp2 (`import` it before hardening; the layer
reports itself inactive where either is missing). Default: allow; refused with EPERM: the calls
in `policy.DENIED_SYSCALLS` (processes, signals, sockets, opening/changing/listing files, the
kernel's administrative calls, rlimit changes), plus:
- mmap/mprotect/pkey_mprotect with PROT_EXEC: no new native code can be mapped;
- prlimit64 that sets a limit (reading one stays allowed);
- newfstatat/statx on a path (without AT_EMPTY_PATH): no probing for files.
Other architectures (i386/x32 system calls on x86-64) kill the process.
"""

from __future__ import annotations

import contextlib
import errno
import sys
from typing import Any

from rlm_desktop.sandbox.policy import AT_EMPTY_PATH, DENIED_SYSCALLS, PROT_EXEC


def load_binding() -> Any | None:
    """The pyseccomp module, or None where it (or libseccomp) is not available."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import pyseccomp
    except (ImportError, OSError, RuntimeError):
        return None
    return pyseccomp


def _rule(filt: Any, action: int, name: str, *args: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # a call this kernel or arch does not have
        filt.add_rule(action, name, *args)


def build(sc: Any) -> Any:
    deny = sc.ERRNO(errno.EPERM)
    filt = sc.SyscallFilter(sc.ALLOW)
    filt.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)
    for name in DENIED_SYSCALLS:
        _rule(filt, deny, name)
    for name in ("mmap", "mprotect", "pkey_mprotect"):
        _rule(filt, deny, name, sc.Arg(2, sc.MASKED_EQ, PROT_EXEC, PROT_EXEC))
    _rule(filt, deny, "prlimit64", sc.Arg(2, sc.NE, 0))
    _rule(filt, deny, "newfstatat", sc.Arg(3, sc.MASKED_EQ, AT_EMPTY_PATH, 0))
    _rule(filt, deny, "statx", sc.Arg(2, sc.MASKED_EQ, AT_EMPTY_PATH, 0))
    return filt


def apply(binding: Any | None) -> bool:
    """Load the filter into this process; False where seccomp is not available."""
    if binding is None:
        return False
    try:
        build(binding).load()
    except OSError:
        return False
    return True
