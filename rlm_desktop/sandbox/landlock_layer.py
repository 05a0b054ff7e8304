"""The landlock layer (Linux 5.13+): the worker loses all file system access, and on newer
kernels TCP bind/connect and signals to processes outside its own domain.

The ruleset handles every access right the running kernel's ABI knows and grants none, so any
`open`, listing, write, delete or rename fails with EACCES, whatever the user (root included).
Descriptors opened before (the worker's two pipes) keep working. Called through libc's
`syscall` with ctypes; the same numbers on every architecture.
"""

from __future__ import annotations

import os

SYS_CREATE_RULESET = 444
SYS_RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1
# File system rights by ABI: 13 in ABI 1, REFER in 2, TRUNCATE in 3, IOCTL_DEV in 5.
FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_BIND_CONNECT_TCP = 0b11  # ABI 4
SCOPE_UNIX_AND_SIGNAL = 0b11  # ABI 6: abstract unix sockets, signals


def _fs_rights(abi: int) -> int:
    return FS_RIGHTS[max(k for k in FS_RIGHTS if k <= abi)]


def abi_version() -> int:
    """The kernel's landlock ABI, or 0 where there is none."""
    from rlm_desktop.sandbox.procctl import libc

    lib = libc()
    if lib is None:
        return 0
    import ctypes

    syscall = lib.syscall
    syscall.restype = ctypes.c_long
    abi = syscall(
        ctypes.c_long(SYS_CREATE_RULESET),
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(CREATE_RULESET_VERSION),
    )
    return max(0, int(abi))


def apply() -> bool:
    """Restrict this process; False where landlock is missing (old kernel, not Linux)."""
    abi = abi_version()
    if abi < 1:
        return False
    import ctypes

    from rlm_desktop.sandbox.procctl import PR_SET_NO_NEW_PRIVS, libc, prctl_call

    class Attr(ctypes.Structure):
        _fields_ = (
            ("handled_access_fs", ctypes.c_uint64),
            ("handled_access_net", ctypes.c_uint64),
            ("scoped", ctypes.c_uint64),
        )

    attr = Attr(
        _fs_rights(abi),
        NET_BIND_CONNECT_TCP if abi >= 4 else 0,
        SCOPE_UNIX_AND_SIGNAL if abi >= 6 else 0,
    )
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    lib = libc()
    if lib is None:  # abi_version found one: not reached
        return False
    syscall = lib.syscall
    syscall.restype = ctypes.c_long
    fd = syscall(
        ctypes.c_long(SYS_CREATE_RULESET),
        ctypes.byref(attr),
        ctypes.c_size_t(size),
        ctypes.c_uint32(0),
    )
    if fd < 0:
        return False
    try:
        if not prctl_call(lib, PR_SET_NO_NEW_PRIVS, 1):
            return False
        done = syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(fd), ctypes.c_uint32(0))
        return bool(done == 0)
    finally:
        os.close(fd)
