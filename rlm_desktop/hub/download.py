"""Resumable, verified model downloads into the models folder.

`Downloader.download(repo, files)` HEADs each file on the hub (size, sha256 etag, commit),
refuses to start without the free space, streams into `<file>.part` (with `<file>.part.json`
recording which version it holds), resumes with a Range request after a dropped connection or
an app restart, reports `DownloadProgress` through a callback, stops on a `CancelToken`
(keeping the `.part`), checks the sha256 against the hub's etag (a mismatch is quarantined,
never silently deleted), validates the GGUF header, and renames into place atomically: the
shards of a sharded model appear together, once every one is whole and verified.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rlm_desktop.cancel import CancelToken
from rlm_desktop.hub.errors import DownloadError, IntegrityError
from rlm_desktop.hub.hardware import free_disk
from rlm_desktop.hub.installed import read_sidecar, sidecar_path
from rlm_desktop.hub.placement import place, quarantine, write_json_atomic
from rlm_desktop.hub.remote import RemoteFile, endpoint_or_default, fetch_remote_file
from rlm_desktop.hub.transfer import Meter, exclusive, fetch_to_part, part_state_path
from rlm_desktop.llm.gguf_info import GGUFError, read_gguf_info
from rlm_desktop.sizes import human_size
from rlm_desktop.store.paths import models_dir

SPACE_MARGIN = 64 << 20  # keep this much free beyond the download itself


@dataclass(frozen=True)
class DownloadProgress:
    """Where a download stands, across all its files (shards)."""

    filename: str
    downloaded: int
    total: int
    speed: float  # bytes a second, over the last few seconds
    eta: float | None  # seconds left, None while the speed is unknown
    file_index: int = 0
    file_count: int = 1
    phase: str = "downloading"  # "checking", "downloading", "verifying", "done"

    @property
    def fraction(self) -> float:
        return self.downloaded / self.total if self.total else 0.0


ProgressCallback = Callable[[DownloadProgress], None]


def partial_downloads(models_path: Path | None = None) -> dict[str, int]:
    """Unfinished downloads in the models folder: file name -> bytes already there."""
    folder = models_path or models_dir()
    if not folder.is_dir():
        return {}
    return {p.name.removesuffix(".part"): p.stat().st_size for p in folder.glob("*.part")}


class Downloader:
    """Downloads hub files into the models folder. One object may run several downloads,
    one at a time; a new object (after a restart) resumes what an old one left in `.part`."""

    def __init__(
        self,
        models_path: Path | None = None,
        endpoint: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        retry_wait: float = 1.0,
        free_space: Callable[[Path], int | None] = free_disk,
        progress_interval: float = 0.1,
    ) -> None:
        self.models_path = models_path
        self.endpoint = endpoint_or_default(endpoint)
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_wait = retry_wait
        self.free_space = free_space
        self.progress_interval = progress_interval

    @property
    def folder(self) -> Path:
        return self.models_path or models_dir()

    def download(
        self,
        repo: str,
        files: str | Sequence[str],
        revision: str = "main",
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        catalog_id: str | None = None,
    ) -> Path:
        """Download `files` (one name, or all shards in order); returns the first file's path.

        Raises DownloadError (IntegrityError for a bad checksum) or Cancelled.
        """
        names = [files] if isinstance(files, str) else list(files)
        if not names:
            raise DownloadError("no file to download was named", False)
        folder = self._make_folder()
        remotes = [
            fetch_remote_file(repo, name, revision, self.endpoint, self.timeout) for name in names
        ]
        targets = [folder / Path(r.filename).name for r in remotes]
        sums = read_sidecar(targets[0]).get("sha256")
        known = sums if isinstance(sums, dict) else {}
        todo = [i for i, r in enumerate(remotes) if not _have(r, targets[i], known)]
        self._check_space(folder, [(remotes[i], targets[i]) for i in todo])
        done = sum(r.size for i, r in enumerate(remotes) if i not in todo)
        meter = Meter(sum(r.size for r in remotes), done, self.progress_interval)
        parts = {i: targets[i].with_name(targets[i].name + ".part") for i in todo}
        with contextlib.ExitStack() as locks:
            for part in parts.values():
                locks.enter_context(exclusive(part))
            for i in todo:
                self._fetch_one(remotes[i], parts[i], meter, i, len(remotes), on_progress, cancel)
            for i in todo:  # every shard is whole and verified: only now do they appear
                place(parts[i], targets[i])
                part_state_path(parts[i]).unlink(missing_ok=True)
        self._validate(targets)
        self._write_sidecar(targets, remotes, catalog_id)
        if on_progress:
            on_progress(
                DownloadProgress(
                    targets[-1].name,
                    meter.total,
                    meter.total,
                    0.0,
                    0.0,
                    len(remotes) - 1,
                    len(remotes),
                    "done",
                )
            )
        return targets[0]

    def _make_folder(self) -> Path:
        folder = self.folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except PermissionError:
            msg = f"no permission to write to the models folder {folder}"
            raise DownloadError(msg, False) from None
        except OSError as exc:
            msg = f"cannot use the models folder {folder}: {exc.strerror}"
            raise DownloadError(msg, False) from None
        return folder

    def _check_space(self, folder: Path, todo: list[tuple[RemoteFile, Path]]) -> None:
        need = 0
        for remote, target in todo:
            part = target.with_name(target.name + ".part")
            have = part.stat().st_size if part.exists() else 0
            need += max(0, remote.size - have)
        free = self.free_space(folder)
        if todo and free is not None and need + SPACE_MARGIN > free:
            raise DownloadError(
                f"not enough free disk space: the download needs {human_size(need)} and only "
                f"{human_size(free)} is free at {folder}",
                retryable=False,
            )

    def _fetch_one(
        self,
        remote: RemoteFile,
        part: Path,
        meter: Meter,
        index: int,
        count: int,
        on_progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> None:
        """Fill and verify `part` (held under `exclusive(part)` by the caller)."""
        name = part.name.removesuffix(".part")

        def report(done: int, phase: str) -> None:
            if on_progress and (meter.due() or phase != "downloading"):
                speed, eta = meter.rate(done)
                on_progress(
                    DownloadProgress(
                        name, meter.done_before + done, meter.total, speed, eta, index, count, phase
                    )
                )

        digest = fetch_to_part(
            remote,
            part,
            self.endpoint,
            self.timeout,
            self.max_retries,
            self.retry_wait,
            report,
            cancel,
        )
        report(remote.size, "verifying")
        _verify(remote, part, name, digest)
        meter.done_before += remote.size

    def _validate(self, targets: list[Path]) -> None:
        if not targets[0].name.endswith(".gguf"):
            return
        try:
            read_gguf_info(targets[0])
        except GGUFError as exc:
            for target in targets:
                if target.exists():
                    quarantine(target, f"downloaded but not loadable: {exc}")
            raise DownloadError(
                f"{targets[0].name} downloaded intact but cannot be used: {exc}", False
            ) from None

    def _write_sidecar(
        self, targets: list[Path], remotes: list[RemoteFile], cid: str | None
    ) -> None:
        write_json_atomic(
            sidecar_path(targets[0]),
            {
                "source": "downloaded",
                "repo": remotes[0].repo,
                "revision": remotes[0].revision,
                "commit": remotes[0].commit,
                "catalog_id": cid,
                "endpoint": self.endpoint,
                "files": [t.name for t in targets],
                "downloaded_at": time.time(),
                "sha256": {t.name: r.sha256 for t, r in zip(targets, remotes, strict=True)},
            },
        )


def _verify(remote: RemoteFile, part: Path, name: str, digest: str) -> None:
    """The hub's checksum must match; if not, quarantine the bytes and say so."""
    expected = remote.sha256 or remote.git_sha1
    if not expected or digest == expected:
        return
    reason = (
        f"{name}: sha256 {digest} does not match the hub's {expected} "
        f"({remote.repo}@{remote.commit or remote.revision})"
    )
    bad = quarantine(part, reason)
    part_state_path(part).unlink(missing_ok=True)
    raise IntegrityError(
        f"the downloaded {name} is damaged (its checksum does not match the hub's); "
        f"it was moved to {bad} — try the download again",
        bad,
    )


def _have(remote: RemoteFile, target: Path, known: dict[str, object]) -> bool:
    """Already downloaded and verified (same size and checksum as the hub's)?"""
    if not target.is_file() or target.stat().st_size != remote.size:
        return False
    return bool(remote.sha256 and known.get(target.name) == remote.sha256)


def sha256_of(path: Path, chunk: int = 4 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
