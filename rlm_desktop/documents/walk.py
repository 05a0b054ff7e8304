"""Folders and arguments to a flat, stable list of files: noise skipped, links and caps handled."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.fileio import ReadError, os_error_sentence, read_head
from rlm_desktop.documents.kinds import (
    SNIFF_BYTES,
    kind_from_content,
    kind_from_name,
    unsupported_reason,
)
from rlm_desktop.documents.limits import IngestLimits
from rlm_desktop.sizes import human_size

NOISE_DIRS = frozenset(
    {
        "node_modules",
        "__pycache__",
        "site-packages",
        "bower_components",
        "__MACOSX",
        "$RECYCLE.BIN",
        "System Volume Information",
        "lost+found",
    }
)
NOISE_FILES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db"})
FOLDER = "folder"
FOUND_REPORT_EVERY = 200


@dataclass
class Found:
    """One entry of the walk: a file to read, a file that cannot be read, or a folder note."""

    path: str
    name: str
    kind: str = ""
    size: int = 0
    key: tuple[int, int] = (0, 0)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def is_note(self) -> bool:
        return self.kind == FOLDER


@dataclass
class _Walk:
    limits: IngestLimits
    cancel: CancelToken | None
    on_found: Callable[[int, str], None] | None = None
    found: list[Found] = field(default_factory=list)
    files: int = 0
    stopped: bool = False
    skipped: list[str] = field(default_factory=list)


def _sort_key(entry: os.DirEntry[str]) -> tuple[str, str]:
    return (entry.name.casefold(), entry.name)


def _is_noise_dir(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith(".") or name in NOISE_DIRS or name.endswith((".egg-info", ".dist-info")):
        return True
    return os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))  # a virtualenv


def _is_noise_file(name: str) -> bool:
    lower = name.lower()
    return (
        name.startswith((".", "~$"))
        or lower in NOISE_FILES
        or lower.endswith(("~", ".tmp", ".swp", ".bak"))
    )


def _classify(path: str, explicit: bool) -> tuple[str | None, str | None]:
    """(kind, None) for a readable type, (None, reason) for a known-unreadable one,
    ("", reason) when the file cannot even be looked at, and (None, None) for binary data of
    no known type. Inside folders the two (None, …) cases are only counted, not listed.
    """
    kind = kind_from_name(path)
    if kind:
        return kind, None
    reason = unsupported_reason(path)
    if reason:
        return None, reason
    try:
        sample = read_head(path, SNIFF_BYTES)
    except ReadError as exc:
        return "", str(exc)
    except OSError as exc:
        return "", os_error_sentence(exc)
    if not sample:
        return "text", None  # reading says "the file is empty"
    kind = kind_from_content(sample)
    if kind:
        return kind, None
    return None, ("not a document the app can read (binary data)" if explicit else None)


def _add_file(w: _Walk, path: str, name: str, st: os.stat_result, explicit: bool) -> None:
    if w.files >= w.limits.max_files:
        w.found.append(
            Found(
                path,
                name,
                FOLDER,
                error=f"stopped at {w.limits.max_files:,} files (the limit for one drop); "
                "this and any later files were not read",
            )
        )
        w.stopped = True
        return
    kind, reason = _classify(path, explicit)
    if kind is None and (reason is None or not explicit):
        w.skipped.append(os.path.basename(path))
        return
    w.files += 1
    if w.on_found is not None and w.files % FOUND_REPORT_EVERY == 0:
        w.on_found(w.files, path)
    entry = Found(path, name, kind or "", st.st_size, (st.st_dev, st.st_ino))
    if reason:
        entry.error = reason
    elif st.st_size > w.limits.max_file_bytes:
        entry.error = (
            f"too large: {human_size(st.st_size)} is over the "
            f"{human_size(w.limits.max_file_bytes)} limit for one file, so it was not read"
        )
    w.found.append(entry)


def _walk_dir(w: _Walk, path: str, name: str, ancestors: set[tuple[int, int]]) -> None:
    if len(ancestors) > w.limits.max_depth:
        w.found.append(Found(path, name, FOLDER, error="folders nested this deep were not read"))
        return
    try:
        with os.scandir(path) as it:
            entries = sorted(it, key=_sort_key)
    except OSError as exc:
        sentence = os_error_sentence(exc).replace("this file", "this folder")
        w.found.append(Found(path, name, FOLDER, error=sentence))
        return
    for entry in entries:
        if w.stopped or (w.cancel is not None and w.cancel.cancelled):
            return
        child, child_name = entry.path, f"{name}/{entry.name}"
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if _is_noise_dir(entry):
                continue
            _enter(w, child, child_name, ancestors, explicit=False)
        elif not _is_noise_file(entry.name):
            _visit_file(w, child, child_name, explicit=False)


def _enter(w: _Walk, path: str, name: str, ancestors: set[tuple[int, int]], explicit: bool) -> None:
    try:
        st = os.stat(path)
    except OSError as exc:
        w.found.append(Found(path, name, FOLDER, error=os_error_sentence(exc, found=explicit)))
        return
    key = (st.st_dev, st.st_ino)
    if key in ancestors:
        w.found.append(
            Found(
                path,
                name,
                FOLDER,
                error="symlink loop: this link leads back into a folder already being read, "
                "so it was skipped",
            )
        )
        return
    _walk_dir(w, path, name, ancestors | {key})


def _visit_file(w: _Walk, path: str, name: str, explicit: bool) -> None:
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            sentence = os_error_sentence(exc)
        elif os.path.islink(path):
            sentence = "broken link: the file it points to does not exist"
        else:
            sentence = os_error_sentence(exc, found=not explicit)
        w.files += 1
        w.found.append(Found(path, name, kind_from_name(path) or "", error=sentence))
        return
    if not stat.S_ISREG(st.st_mode):
        if explicit:
            w.files += 1
            w.found.append(
                Found(
                    path,
                    name,
                    kind_from_name(path) or "",
                    error="not a regular file (a pipe, device or socket)",
                )
            )
        return
    _add_file(w, path, name, st, explicit)


def _skipped_sentence(names: list[str]) -> str:
    n = len(names)
    examples = ", ".join(names[:3]) + (", …" if n > 3 else "")
    if n == 1:
        return f"skipped 1 file that is not a document the app can read ({examples})"
    return f"skipped {n:,} files that are not documents the app can read ({examples})"


def walk_paths(
    paths: Sequence[str | os.PathLike[str]],
    limits: IngestLimits,
    cancel: CancelToken | None = None,
    on_found: Callable[[int, str], None] | None = None,
) -> list[Found]:
    """Every file found under `paths` (folders recursively), in argument then name order.

    `on_found(count, path)` hears every FOUND_REPORT_EVERY files, for progress on big folders.
    """
    w = _Walk(limits, cancel, on_found)
    for raw in paths:
        if w.stopped or (cancel is not None and cancel.cancelled):
            break
        path = os.fspath(raw)
        name = os.path.basename(os.path.normpath(os.path.abspath(path))) or path
        if os.path.isdir(path):
            w.skipped = []
            _enter(w, path, name, set(), explicit=True)
            if w.skipped:
                w.found.append(Found(path, name, FOLDER, warnings=[_skipped_sentence(w.skipped)]))
        else:
            _visit_file(w, path, name, explicit=True)
    return w.found
