"""Putting files in place safely: copy via a `.part` file, fsync, atomic rename; quarantine."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from rlm_desktop.cancel import CancelToken

CHUNK = 4 << 20
QUARANTINE_DIR = "quarantine"


def part_path(target: Path) -> Path:
    return target.with_name(target.name + ".part")


def fsync_file(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def place(part: Path, target: Path) -> None:
    """Atomically move a finished `.part` file onto its final name (same folder)."""
    fsync_file(part)
    os.replace(part, target)
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open folders; the rename is still atomic there
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def copy_atomic(
    src: Path,
    dst: Path,
    on_progress: Callable[[int], object] | None = None,
    cancel: CancelToken | None = None,
) -> None:
    """Copy `src` to `dst` through `dst.part`; `dst` appears only when complete.

    On cancel (raises Cancelled) or error the partial copy is removed.
    """
    part = part_path(dst)
    done = 0
    try:
        with src.open("rb") as fin, part.open("wb") as fout:
            while block := fin.read(CHUNK):
                if cancel:
                    cancel.raise_if_cancelled()
                fout.write(block)
                done += len(block)
                if on_progress:
                    on_progress(done)
        place(part, dst)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Mapping[str, object]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def quarantine(path: Path, reason: str) -> Path:
    """Move a damaged file into `<folder>/quarantine/` with a note beside it; never delete."""
    folder = path.parent / QUARANTINE_DIR
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.name.removesuffix('.part')}.{stamp}.bad"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.name.removesuffix('.part')}.{stamp}-{n}.bad"
    os.replace(path, target)
    note = target.with_name(target.name + ".txt")
    note.write_text(reason + "\n", encoding="utf-8")
    return target
