"""Opening the history database: WAL, migrations, a damaged or newer file moved aside, and the
runs a killed app left "running" marked `interrupted`.

A database that cannot be read (not a database, damaged) or that a newer app wrote is never
deleted: it is renamed next to itself with a reason and a time, one line says so, and a fresh
database is started.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from rlm_desktop.store.paths import data_dir
from rlm_desktop.store.schema import NewerSchema, migrate

log = logging.getLogger(__name__)
DB_FILE = "history.sqlite3"
BUSY_TIMEOUT_S = 10.0
INTERRUPTED = "interrupted"


def history_path() -> Path:
    return data_dir() / DB_FILE


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, foreign keys on."""
    conn = sqlite3.connect(
        str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a killed app loses nothing committed (the OS has the pages); a power cut
    # may lose the last transactions but never leaves a damaged database.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


@dataclass
class Opened:
    conn: sqlite3.Connection
    path: Path
    notice: str | None = None  # one line for the user when the old file was moved aside
    interrupted: int = 0  # runs marked interrupted at this open


def open_database(path: Path | None = None) -> Opened:
    path = path or history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    notice = None
    try:
        conn = _open_checked(path)
    except (sqlite3.DatabaseError, NewerSchema) as exc:
        moved = move_aside(path, "newer" if isinstance(exc, NewerSchema) else "damaged")
        why = "was written by a newer version" if isinstance(exc, NewerSchema) else "is damaged"
        notice = (
            f"The history database {why} ({exc}); it was moved to {moved.name} "
            "and a new one was started."
        )
        log.warning(notice)
        conn = _open_checked(path)
    return Opened(conn, path, notice, mark_interrupted(conn))


def _open_checked(path: Path) -> sqlite3.Connection:
    conn = connect(path)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        migrate(conn)
        conn.execute("SELECT count(*) FROM runs").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def move_aside(path: Path, reason: str) -> Path:
    """Rename the database (and its -wal/-shm files) to `NAME.REASON-TIME`; the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{reason}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{reason}-{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.replace(source, Path(f"{target}{suffix}"))
    return target


def _still_running(pid: int, started: float) -> bool:
    """Whether the process that started a run at `started` is still alive."""
    if pid == os.getpid():
        return True  # this process's own run, recorded by another connection
    try:
        proc = psutil.Process(pid)
        return proc.create_time() <= started + 1.0  # a reused pid started later
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


def mark_interrupted(conn: sqlite3.Connection) -> int:
    """Runs left "running" by a process that is gone become `interrupted`, with their nodes
    that were still running; everything they had done stays. How many were marked."""
    rows = conn.execute("SELECT id, pid, started FROM runs WHERE status = 'running'").fetchall()
    dead = [r["id"] for r in rows if not _still_running(int(r["pid"]), float(r["started"]))]
    if not dead:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for run_id in dead:
            conn.execute(
                "UPDATE runs SET status = ?, error = coalesce(error, ?) WHERE id = ?",
                (INTERRUPTED, "The app stopped before this run finished.", run_id),
            )
            conn.execute(
                "UPDATE nodes SET status = ? WHERE run_id = ? AND status = 'running'",
                (INTERRUPTED, run_id),
            )
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    return len(dead)
