"""Folders: recursion, order, noise, links and loops, caps, duplicates, vanishing files."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from rlm_desktop.documents.ingest import (
    IngestLimits,
    IngestProgress,
    context_from_records,
    ingest_paths,
)
from rlm_desktop.documents.model import boundary_line


def make_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def test_folder_recursion_order_and_noise(tmp_path: Path) -> None:
    root = tmp_path / "project"
    make_tree(
        root,
        {
            "b.txt": "bee\n",
            "A.md": "ay\n",
            "sub/c.py": "print('c')\n",
            "sub/deeper/d.json": '{"d": 1}\n',
            ".hidden.txt": "secret\n",
            ".git/config": "[core]\n",
            "node_modules/pkg/index.js": "module.exports = 1\n",
            "__pycache__/x.txt": "cache\n",
            "venv/pyvenv.cfg": "home = /usr\n",
            "venv/lib/site.py": "venv\n",
            "~$lock.docx": "lock",
            "pic.heic": b"\x00\x00\x00\x18ftypheic" + b"\x00" * 50,
            "blob": b"\x00\xff" * 100,
        },
    )
    records = ingest_paths([root], workers=0)
    rel = [os.path.relpath(r.path, root) for r in records]
    assert rel == ["A.md", "b.txt", "sub/c.py", "sub/deeper/d.json", "."]
    note = records[-1]
    assert note.kind == "folder" and note.ok and note.document is None
    assert note.warnings == [
        "skipped 2 files that are not documents the app can read (blob, pic.heic)"
    ]
    context = context_from_records(records)
    assert [d.name for d in context.documents] == [
        "project/A.md",
        "project/b.txt",
        "project/sub/c.py",
        "project/sub/deeper/d.json",
    ]
    assert context.text.startswith(boundary_line(1, 4, "project/A.md") + "\nay\n")
    assert boundary_line(4, 4, "project/sub/deeper/d.json") + '\n{"d": 1}\n' in context.text


def test_explicit_files_keep_argument_order(tmp_path: Path) -> None:
    make_tree(tmp_path, {"z.txt": "zed\n", "a.txt": "ay\n"})
    records = ingest_paths([tmp_path / "z.txt", str(tmp_path / "a.txt")], workers=0)
    assert [Path(r.path).name for r in records] == ["z.txt", "a.txt"]
    assert [r.document.name for r in records if r.document] == ["z.txt", "a.txt"]


def test_same_names_get_unique_document_names(tmp_path: Path) -> None:
    make_tree(tmp_path, {"one/notes.txt": "first\n", "two/notes.txt": "second\n"})
    records = ingest_paths([tmp_path / "one/notes.txt", tmp_path / "two/notes.txt"], workers=0)
    assert [d.name for d in context_from_records(records).documents] == [
        "notes.txt",
        "notes (2).txt",
    ]


def test_missing_path_broken_link_and_link_loops(tmp_path: Path) -> None:
    root = tmp_path / "links"
    make_tree(root, {"real.txt": "real\n"})
    (root / "broken.txt").symlink_to(root / "gone.txt")
    (root / "self.txt").symlink_to(root / "self.txt")
    (root / "up").symlink_to(root)
    (root / "zlink.txt").symlink_to(root / "real.txt")
    records = ingest_paths([root, tmp_path / "nowhere.pdf"], workers=0)
    by_name = {os.path.basename(r.path): r for r in records}
    assert by_name["broken.txt"].error == "broken link: the file it points to does not exist"
    assert by_name["self.txt"].error.startswith("symlink loop:")
    assert by_name["up"].kind == "folder" and by_name["up"].error.startswith("symlink loop:")
    assert by_name["nowhere.pdf"].error == "no such file or folder"
    # The link to real.txt is the same file: loaded once, with a note on the second.
    assert by_name["zlink.txt"].ok and by_name["zlink.txt"].document is None
    assert by_name["zlink.txt"].warnings[0].startswith("same content as ")
    assert [d.text for d in context_from_records(records).documents] == ["real\n"]


def test_duplicate_content_is_loaded_once(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {"a/report.txt": "same words\n", "b/copy.txt": "same words\n", "c.txt": "other words"},
    )
    records = ingest_paths([tmp_path], workers=0)
    first, second, other = records
    assert first.ok and first.document is not None and first.warnings == []
    assert second.ok and second.document is None and second.chars == 0
    assert second.warnings == [
        f"same content as {first.path}, which is loaded; this copy was not loaded again"
    ]
    assert other.document is not None
    assert len(context_from_records(records).documents) == 2


def test_file_count_cap_is_told(tmp_path: Path) -> None:
    make_tree(tmp_path, {f"f{i:02d}.txt": f"file {i}\n" for i in range(10)})
    records = ingest_paths([tmp_path], workers=0, limits=IngestLimits(max_files=4))
    assert [r.ok for r in records] == [True] * 4 + [False]
    assert records[-1].kind == "folder"
    assert records[-1].error == (
        "stopped at 4 files (the limit for one drop); this and any later files were not read"
    )
    assert records[-1].path.endswith("f04.txt")


def test_total_size_cap_is_told(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.txt": "a" * 600, "b.txt": "b" * 600, "c.txt": "c" * 10})
    records = ingest_paths([tmp_path], workers=0, limits=IngestLimits(max_total_bytes=1000))
    assert [r.ok for r in records] == [True, False, True]
    assert records[1].error == (
        "not read: the files dropped together are over the 1 KB total size limit"
    )


def test_huge_sparse_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.log"
    with open(path, "wb") as handle:
        handle.truncate(10 * 1000**3)  # 10 GB, sparse: no disk used
    record = ingest_paths([path], workers=0)[0]
    assert not record.ok
    assert record.error == (
        "too large: 10 GB is over the 512 MB limit for one file, so it was not read"
    )


@pytest.mark.parametrize("second", ["b.txt", "b.pdf", "b.docx"])
@pytest.mark.parametrize("workers", [0, 1])
def test_file_vanishing_before_it_is_read(tmp_path: Path, workers: int, second: str) -> None:
    from rlm_desktop.documents.pdfwrite import write_pdf

    make_tree(tmp_path, {"a.txt": "first\n", "b.txt": "second\n", "b.docx": b"PK\x03\x04"})
    write_pdf(tmp_path / "b.pdf", ["second"])
    for other in {"b.txt", "b.pdf", "b.docx"} - {second}:
        (tmp_path / other).unlink()

    def delete_second(progress: IngestProgress) -> None:
        if progress.files_total == 2:  # listed, not yet read
            (tmp_path / second).unlink(missing_ok=True)

    records = ingest_paths([tmp_path], workers=workers, progress=delete_second)
    assert records[0].ok
    assert not records[1].ok
    assert records[1].error == "the file disappeared before it could be read"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_file_and_folder(tmp_path: Path) -> None:
    from rlm_desktop.documents.pdfwrite import write_pdf

    make_tree(tmp_path, {"locked.txt": "x\n", "closed/inside.txt": "y\n", "open.txt": "z\n"})
    write_pdf(tmp_path / "locked.pdf", ["text"])
    (tmp_path / "locked.txt").chmod(0)
    (tmp_path / "locked.pdf").chmod(0)
    (tmp_path / "closed").chmod(0)
    try:
        records = {Path(r.path).name: r for r in ingest_paths([tmp_path], workers=0)}
    finally:
        (tmp_path / "closed").chmod(0o755)
    for name in ("locked.txt", "locked.pdf"):
        assert records[name].error == (
            "permission denied: the app is not allowed to read this file"
        )
    assert records["closed"].error == (
        "permission denied: the app is not allowed to read this folder"
    )
    assert records["open.txt"].ok


def test_permission_denied_as_the_os_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated (tests may run as root): the OS refuses to open one file with EACCES."""
    import rlm_desktop.documents.fileio as fileio
    from rlm_desktop.documents.pdfwrite import write_pdf

    make_tree(tmp_path, {"locked.txt": "x\n", "open.txt": "z\n"})
    write_pdf(tmp_path / "locked.pdf", ["text"])
    real_open = os.open

    def refuse(path: str, flags: int, *args: int) -> int:
        if Path(path).stem == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(fileio.os, "open", refuse)
    records = ingest_paths([tmp_path], workers=0)
    assert [Path(r.path).name for r in records] == ["locked.pdf", "locked.txt", "open.txt"]
    for record in records[:2]:
        assert record.error == "permission denied: the app is not allowed to read this file"
    assert records[2].ok


def _ingest_as_nobody(folder: Path) -> list[list[str | None]]:
    """(name, error) of each record, read in a forked child that has dropped root."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            found = [[Path(r.path).name, r.error] for r in ingest_paths([folder], workers=0)]
            os.write(write, json.dumps(found).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")
def test_permission_denied_for_real_as_an_ordinary_user(tmp_path: Path) -> None:
    """As root, a forked child becomes 'nobody' so that real file modes apply, for files
    the app opens itself and files a library (pdfium, python-docx) would open."""
    from rlm_desktop.documents.pdfwrite import write_pdf
    from tests.documents.test_ingest_office import make_docx

    samples = tmp_path / "samples"
    samples.mkdir()
    write_pdf(samples / "s.pdf", ["warm"])
    make_docx(samples / "s.docx")
    (samples / "s.txt").write_text("warm\n")
    ingest_paths([samples], workers=0)  # readers imported now: the child cannot read /root
    folder = Path(tempfile.mkdtemp(prefix="rlm-perm-"))
    try:
        folder.chmod(0o755)
        make_tree(folder, {"locked.txt": "x\n", "closed/inside.txt": "y\n", "open.txt": "z\n"})
        write_pdf(folder / "locked.pdf", ["text"])
        make_docx(folder / "locked.docx")
        for name in ("locked.txt", "locked.pdf", "locked.docx"):
            (folder / name).chmod(0)
        (folder / "open.txt").chmod(0o644)
        (folder / "closed").chmod(0)
        found = dict(_ingest_as_nobody(folder))
    finally:
        (folder / "closed").chmod(0o755)
        shutil.rmtree(folder)
    denied = "permission denied: the app is not allowed to read this "
    assert found == {
        "closed": denied + "folder",
        "locked.docx": denied + "file",
        "locked.pdf": denied + "file",
        "locked.txt": denied + "file",
        "open.txt": None,
    }


def test_folder_permission_denied_as_the_os_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated (tests may run as root): the OS refuses to list one folder with EACCES."""
    import rlm_desktop.documents.walk as walk

    make_tree(tmp_path, {"closed/inside.txt": "x\n", "open.txt": "z\n"})
    real_scandir = os.scandir

    def refuse(path: str) -> object:
        if str(path).endswith("closed"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(walk.os, "scandir", refuse)
    records = ingest_paths([tmp_path], workers=0)
    assert [(Path(r.path).name, r.kind, r.ok) for r in records] == [
        ("closed", "folder", False),
        ("open.txt", "text", True),
    ]
    assert records[0].error == "permission denied: the app is not allowed to read this folder"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    (tmp_path / "a.txt").write_text("a\n")
    records = ingest_paths([fifo, tmp_path], workers=0)
    assert records[0].error == "not a regular file (a pipe, device or socket)"
    assert [Path(r.path).name for r in records[1:]] == ["a.txt"]  # quietly skipped in folders


def test_progress_while_listing_a_big_folder(tmp_path: Path) -> None:
    make_tree(tmp_path, {f"d{i // 100}/f{i:03d}.txt": f"file {i}\n" for i in range(450)})
    seen: list[IngestProgress] = []
    records = ingest_paths([tmp_path], workers=0, progress=seen.append)
    assert len(records) == 450 and all(r.ok for r in records)
    listing = [p for p in seen if p.bytes_total == 0]
    assert [p.files_total for p in listing] == [200, 400]
    assert all(p.files_done == 0 for p in listing)
    reading = seen[len(listing) :]
    assert reading[0].files_total == 450 and reading[0].files_done == 0
    assert reading[-1].files_done == 450
