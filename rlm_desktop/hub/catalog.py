"""The curated model catalogue (models/catalog.json), loaded into frozen dataclasses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rlm_desktop.hub.errors import HubError
from rlm_desktop.store.paths import dev_models_dir

CATALOG_FILE = "catalog.json"
DEFAULT_CONTEXT = 16384


@dataclass(frozen=True)
class CatalogEntry:
    """One downloadable model. `files` has one name, or every shard in order."""

    id: str
    name: str
    repo: str
    files: tuple[str, ...]
    size_bytes: int
    quantization: str
    context_length: int
    license: str
    good_for: str
    n_params: int
    architecture: str
    block_count: int
    embedding_length: int
    head_count: int
    head_count_kv: int
    head_dim: int
    active_params: int | None = None  # MoE: parameters used per token
    revision: str = "main"
    bundled: bool = False  # the demo model that ships with the app
    size_verified: bool = True  # False: size_bytes is rounded from the hub's listing

    @property
    def first_file(self) -> str:
        return self.files[0]

    @property
    def sharded(self) -> bool:
        return len(self.files) > 1

    @property
    def active_fraction(self) -> float:
        """Share of the weights read for each generated token (1.0 for dense models)."""
        if self.active_params and self.n_params:
            return min(1.0, self.active_params / self.n_params)
        return 1.0

    def kv_cache_bytes(self, n_ctx: int, bytes_per_element: int = 2) -> int:
        """f16 K+V cache for `n_ctx` tokens (same formula as GGUFInfo.kv_cache_bytes)."""
        per_token = self.block_count * self.head_count_kv * self.head_dim * 2
        return n_ctx * per_token * bytes_per_element

    def to_json(self) -> dict[str, object]:
        out = dict(self.__dict__)
        out["files"] = list(self.files)
        return out


@dataclass(frozen=True)
class Catalog:
    entries: tuple[CatalogEntry, ...]
    default_context: int = DEFAULT_CONTEXT

    def get(self, model_id: str) -> CatalogEntry | None:
        key = model_id.strip().lower()
        return next((e for e in self.entries if e.id == key), None)

    def by_filename(self, filename: str) -> CatalogEntry | None:
        """The entry whose (first) file is named `filename`, if any."""
        return next((e for e in self.entries if e.first_file == filename), None)

    def by_repo(self, repo: str) -> list[CatalogEntry]:
        return [e for e in self.entries if e.repo.lower() == repo.lower()]

    @property
    def demo(self) -> CatalogEntry | None:
        return next((e for e in self.entries if e.bundled), None)


def catalog_path() -> Path:
    return dev_models_dir() / CATALOG_FILE


def load_catalog(path: Path | None = None) -> Catalog:
    """Read the catalogue. A missing or malformed file is a HubError (a packaging bug)."""
    path = path or catalog_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = tuple(_entry(item) for item in raw["models"])
    except FileNotFoundError:
        raise HubError(f"the model catalogue is missing: {path}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HubError(f"the model catalogue {path} is unreadable: {exc}") from None
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise HubError(f"the model catalogue {path} repeats a model id")
    return Catalog(entries, int(raw.get("default_context", DEFAULT_CONTEXT)))


def _entry(item: dict[str, object]) -> CatalogEntry:
    fields = dict(item)
    files = fields.pop("files")
    if not isinstance(files, list) or not files:
        raise ValueError(f"entry {fields.get('id')!r} lists no files")
    return CatalogEntry(files=tuple(str(f) for f in files), **fields)  # type: ignore[arg-type]
