"""Reader processes: parallel reads, a crashed/slow/greedy reader costs one file, cancel."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil
import pytest

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.ingest import (
    CANCELLED,
    IngestLimits,
    IngestProgress,
    context_from_records,
    ingest_paths,
)
from rlm_desktop.documents.pdfwrite import write_pdf
from rlm_desktop.documents.pool import CRASHED, NO_READER, ReaderPool


def big_pdf(path: Path, pages: int = 300) -> Path:
    write_pdf(path, ["\n".join(f"line {n} of page {i}" for n in range(50)) for i in range(pages)])
    return path


@pytest.fixture
def reader_pids(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The process ids of every reader process started during the test."""
    pids: list[int] = []
    spawn = ReaderPool._spawn

    def spy(self: ReaderPool) -> object:
        worker = spawn(self)
        pids.append(worker.process.pid)
        return worker

    monkeypatch.setattr(ReaderPool, "_spawn", spy)
    return pids


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_pool_and_in_process_give_the_same_records(tmp_path: Path, reader_pids: list[int]) -> None:
    for i in range(3):
        write_pdf(tmp_path / f"doc{i}.pdf", [f"document {i} page {p}" for p in range(4)])
    (tmp_path / "notes.txt").write_text("plain notes\n")
    pooled = ingest_paths([tmp_path], workers=2)
    inline = ingest_paths([tmp_path], workers=0)
    assert [r.to_json() for r in pooled] == [r.to_json() for r in inline]
    assert context_from_records(pooled).text == context_from_records(inline).text
    assert [r.pages for r in pooled] == [4, 4, 4, 0]
    assert len(reader_pids) == 2  # two PDFs at a time on two readers
    assert not any(alive(pid) for pid in reader_pids)  # and none left behind


def test_a_crashed_reader_costs_only_its_file(tmp_path: Path, reader_pids: list[int]) -> None:
    victim = big_pdf(tmp_path / "a_crashes.pdf", pages=1500)
    write_pdf(tmp_path / "b_fine.pdf", ["still read"])
    killed: list[int] = []

    def kill_reader(progress: IngestProgress) -> None:
        if progress.current == str(victim) and not killed and progress.files_done == 0:
            os.kill(reader_pids[0], signal.SIGKILL)  # as if the PDF library had segfaulted
            killed.append(reader_pids[0])

    records = ingest_paths([tmp_path], workers=1, progress=kill_reader)
    assert killed and len(reader_pids) == 2  # a fresh reader took over
    assert [r.ok for r in records] == [False, True]
    assert records[0].error == CRASHED
    assert records[1].document is not None and "still read" in records[1].document.text


def test_a_slow_file_is_stopped_and_the_rest_still_load(tmp_path: Path) -> None:
    big_pdf(tmp_path / "a_slow.pdf", pages=3000)
    write_pdf(tmp_path / "b_quick.pdf", ["quick one"])
    limits = IngestLimits(max_seconds_per_file=0.5)
    records = ingest_paths([tmp_path], workers=2, limits=limits)
    assert records[0].error == "reading took longer than 0.5 seconds, so it was stopped"
    assert records[1].ok


def test_a_greedy_reader_is_stopped(tmp_path: Path) -> None:
    big_pdf(tmp_path / "big.pdf", pages=1500)
    limits = IngestLimits(max_worker_memory_bytes=1_000_000)
    record = ingest_paths([tmp_path / "big.pdf"], workers=1, limits=limits)[0]
    assert not record.ok
    assert record.error == "reading needed more than 1 MB of memory, so it was stopped"


def test_cancel_mid_ingest_keeps_what_was_read(tmp_path: Path, reader_pids: list[int]) -> None:
    write_pdf(tmp_path / "a_first.pdf", ["first file"])
    big_pdf(tmp_path / "b_big.pdf", pages=3000)
    big_pdf(tmp_path / "c_big.pdf", pages=3000)
    (tmp_path / "d.txt").write_text("text read in-process\n")
    cancel = CancelToken()

    def cancel_after_first(progress: IngestProgress) -> None:
        if progress.current.endswith("a_first.pdf") and progress.files_done >= 1:
            cancel.cancel()

    records = ingest_paths([tmp_path], workers=1, cancel=cancel, progress=cancel_after_first)
    by_name = {Path(r.path).name: r for r in records}
    assert by_name["a_first.pdf"].ok
    assert by_name["b_big.pdf"].error == CANCELLED
    assert by_name["c_big.pdf"].error == CANCELLED
    assert not by_name["b_big.pdf"].ok
    assert by_name["d.txt"].ok or by_name["d.txt"].error == CANCELLED
    assert len(records) == 4
    assert reader_pids and not any(alive(pid) for pid in reader_pids)


def test_cancel_before_start_reads_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    cancel = CancelToken()
    cancel.cancel()
    assert ingest_paths([tmp_path], cancel=cancel) == []


@pytest.mark.parametrize("workers", [None, 2])
def test_progress_counts_files_and_bytes(tmp_path: Path, workers: int | None) -> None:
    write_pdf(tmp_path / "a.pdf", ["pdf text"])
    (tmp_path / "b.txt").write_text("bee\n")
    (tmp_path / "c.txt").write_bytes(b"")
    seen: list[IngestProgress] = []
    ingest_paths([tmp_path], workers=workers, progress=seen.append)
    total = (tmp_path / "a.pdf").stat().st_size + 4
    assert seen[0].files_done == 0 and seen[0].files_total == 3 and seen[0].bytes_done == 0
    assert seen[0].bytes_total == total
    assert seen[-1].files_done == 3 and seen[-1].bytes_done == total
    assert [p.files_done for p in seen] == sorted(p.files_done for p in seen)
    assert {p.current for p in seen[1:]} == {str(tmp_path / n) for n in ("a.pdf", "b.txt", "c.txt")}


def test_no_reader_process_can_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: the OS refuses new processes (e.g. a process limit was hit)."""

    def refuse(self: ReaderPool) -> object:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(ReaderPool, "_spawn", refuse)
    write_pdf(tmp_path / "a.pdf", ["pdf"])
    (tmp_path / "b.txt").write_text("text still loads\n")
    records = ingest_paths([tmp_path])
    assert records[0].error == NO_READER
    assert records[1].ok
