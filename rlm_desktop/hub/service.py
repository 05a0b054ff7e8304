"""`HubService`: one object the CLI and the model manager dialog use for everything models.

It holds settings (models folder, hub endpoint, context size), not state worth sharing: the
catalogue is read once, the hardware probed once (call `refresh_hardware()` to re-probe), and
every listing is read fresh from disk. Nothing here touches the network except `download`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rlm_desktop.cancel import CancelToken
from rlm_desktop.hub.catalog import Catalog, CatalogEntry, load_catalog
from rlm_desktop.hub.download import Downloader, ProgressCallback, partial_downloads
from rlm_desktop.hub.errors import DownloadError
from rlm_desktop.hub.fit import Assessment, assess, recommend
from rlm_desktop.hub.hardware import Hardware, detect_hardware
from rlm_desktop.hub.installed import (
    InstalledModel,
    import_model,
    list_installed,
    remove_model,
    resolve_model,
)
from rlm_desktop.store.paths import models_dir

_FIRST_SHARD = re.compile(r"^(?P<stem>.+)-00001-of-(?P<count>\d{5})\.gguf$")


@dataclass(frozen=True)
class CatalogRow:
    """A catalogue entry as the UI shows it: its verdict here, and whether it is on disk."""

    assessment: Assessment
    installed: InstalledModel | None
    partial_bytes: int  # bytes of an unfinished download waiting to resume

    @property
    def entry(self) -> CatalogEntry:
        return self.assessment.entry


@dataclass(frozen=True)
class DownloadPlan:
    repo: str
    files: tuple[str, ...]
    revision: str = "main"
    catalog_id: str | None = None


class HubService:
    def __init__(
        self,
        models_path: Path | None = None,
        catalog: Catalog | None = None,
        endpoint: str | None = None,
        hardware: Hardware | None = None,
        n_ctx: int | None = None,
        probe_llama: bool = True,
    ) -> None:
        self._models_path = models_path
        self.catalog = catalog or load_catalog()
        self.endpoint = endpoint
        self.n_ctx = n_ctx or self.catalog.default_context
        self._probe_llama = probe_llama
        self._hardware = hardware

    @property
    def models_path(self) -> Path:
        return self._models_path or models_dir()

    @property
    def hardware(self) -> Hardware:
        if self._hardware is None:
            self._hardware = detect_hardware(self.models_path, self._probe_llama)
        return self._hardware

    def refresh_hardware(self) -> Hardware:
        self._hardware = None
        return self.hardware

    def installed(self) -> list[InstalledModel]:
        return list_installed(self._models_path, self.catalog)

    def rows(self) -> list[CatalogRow]:
        """Every catalogue entry with its verdict on this machine and its install state."""
        on_disk = {m.catalog_id: m for m in self.installed() if m.catalog_id}
        partial = partial_downloads(self._models_path)
        hw = self.hardware
        return [
            CatalogRow(
                assess(entry, hw, self.n_ctx),
                on_disk.get(entry.id),
                sum(partial.get(Path(f).name, 0) for f in entry.files),
            )
            for entry in self.catalog.entries
        ]

    def recommend(self) -> Assessment | None:
        return recommend(self.catalog, self.hardware, self.n_ctx)

    def resolve(self, path_or_id: str | Path) -> Path:
        return resolve_model(path_or_id, self._models_path, self.catalog)

    def plan(self, id_or_repo: str, filename: str | None = None) -> DownloadPlan:
        """What `download ID_OR_REPO [FILE]` means: a catalogue entry, or a repo and file(s)."""
        entry = self.catalog.get(id_or_repo)
        if entry is None and "/" in id_or_repo and not filename:
            entries = self.catalog.by_repo(id_or_repo)
            entry = entries[0] if len(entries) == 1 else None
        if entry is not None and not filename:
            return DownloadPlan(entry.repo, entry.files, entry.revision, entry.id)
        repo = entry.repo if entry else id_or_repo
        if "/" not in repo:
            raise DownloadError(
                f"'{id_or_repo}' is neither a catalogue model nor a hub repository "
                "(see: rlm-desktop models list)",
                retryable=False,
            )
        if not filename:
            raise DownloadError(
                f"name the file to download from {repo}, e.g.: "
                f"rlm-desktop models download {repo} MODEL-Q4_K_M.gguf",
                retryable=False,
            )
        known = self.catalog.by_filename(Path(filename).name)
        return DownloadPlan(repo, _shards_of(filename), "main", known.id if known else None)

    def download(
        self,
        id_or_repo: str,
        filename: str | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Path:
        plan = self.plan(id_or_repo, filename)
        downloader = Downloader(self._models_path, endpoint=self.endpoint)
        return downloader.download(
            plan.repo, plan.files, plan.revision, on_progress, cancel, plan.catalog_id
        )

    def import_file(
        self,
        path: Path,
        on_progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> InstalledModel:
        return import_model(path, self._models_path, self.catalog, on_progress, cancel)

    def remove(self, model_id: str) -> InstalledModel:
        return remove_model(model_id, self._models_path, self.catalog)


def _shards_of(filename: str) -> tuple[str, ...]:
    """A first shard's name expands to every shard's name; anything else stays as is."""
    folder, _, name = filename.rpartition("/")
    match = _FIRST_SHARD.match(name)
    if not match:
        return (filename,)
    count = int(match["count"])
    prefix = f"{folder}/" if folder else ""
    return tuple(
        f"{prefix}{match['stem']}-{i:05d}-of-{count:05d}.gguf" for i in range(1, count + 1)
    )
