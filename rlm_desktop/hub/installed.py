"""Models on this computer: list, import a local .gguf, remove, and resolve an id or a path.

Installed models live flat in `models_dir()`, each with a small `<file>.json` sidecar saying
where it came from. The bundled demo model lives in `dev_models_dir()` and cannot be removed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rlm_desktop.cancel import CancelToken
from rlm_desktop.hub.catalog import Catalog, load_catalog
from rlm_desktop.hub.errors import HubError, ModelImportError, ModelNotFoundError
from rlm_desktop.hub.hardware import free_disk
from rlm_desktop.hub.placement import copy_atomic, write_json_atomic
from rlm_desktop.llm.gguf_info import GGUFError, read_gguf_info
from rlm_desktop.sizes import human_size
from rlm_desktop.store.paths import dev_models_dir, models_dir

log = logging.getLogger(__name__)
_LATER_SHARD = re.compile(r"-(\d{5})-of-\d{5}\.gguf$")
DEMO_ALIAS = "demo"
DEMO_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"  # the catalogue's bundled entry, when unreadable


@dataclass(frozen=True)
class InstalledModel:
    id: str
    name: str
    path: Path  # the file to load (the first shard of a sharded model)
    size_bytes: int  # all shards
    source: str  # "bundled", "downloaded" or "imported"
    catalog_id: str | None = None
    repo: str | None = None
    shards: tuple[Path, ...] = ()

    @property
    def removable(self) -> bool:
        return self.source != "bundled"

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "source": self.source,
            "catalog_id": self.catalog_id,
            "repo": self.repo,
            "shards": [str(p) for p in self.shards],
        }


def sidecar_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def read_sidecar(model: Path) -> dict[str, object]:
    try:
        data = json.loads(sidecar_path(model).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def list_installed(
    models_path: Path | None = None, catalog: Catalog | None = None, include_bundled: bool = True
) -> list[InstalledModel]:
    """Installed models, downloaded/imported first (sorted by name), then the bundled demo."""
    folder = models_path or models_dir()
    catalog = catalog or load_catalog()
    found: list[InstalledModel] = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.gguf")):
            shard = _LATER_SHARD.search(path.name)
            if path.is_file() and not (shard and shard.group(1) != "00001"):
                found.append(_describe(path, catalog))
    ids = {m.id for m in found}
    demo = catalog.demo
    bundled = dev_models_dir() / demo.first_file if demo else None
    if include_bundled and demo and bundled and bundled.is_file() and demo.id not in ids:
        size = bundled.stat().st_size
        found.append(
            InstalledModel(
                demo.id, demo.name, bundled, size, "bundled", demo.id, demo.repo, (bundled,)
            )
        )
    return found


def _describe(path: Path, catalog: Catalog) -> InstalledModel:
    meta = read_sidecar(path)
    entry = catalog.by_filename(path.name)
    shards = _shard_paths(path)
    size = sum(p.stat().st_size for p in shards if p.is_file())
    source = str(meta.get("source") or "imported")
    repo = meta.get("repo")
    if entry:
        return InstalledModel(
            entry.id, entry.name, path, size, source, entry.id, entry.repo, shards
        )
    model_id = _LATER_SHARD.sub("", path.name).removesuffix(".gguf").lower()
    repo_name = repo if isinstance(repo, str) else None
    return InstalledModel(model_id, path.stem, path, size, source, None, repo_name, shards)


def _shard_paths(first: Path) -> tuple[Path, ...]:
    match = re.search(r"-00001-of-(\d{5})\.gguf$", first.name)
    if not match:
        return (first,)
    count = int(match.group(1))
    stem = first.name[: match.start()]
    return tuple(
        first.with_name(f"{stem}-{i:05d}-of-{count:05d}.gguf") for i in range(1, count + 1)
    )


def find_installed(
    model_id: str, models_path: Path | None = None, catalog: Catalog | None = None
) -> InstalledModel | None:
    """An installed model by id, file name or stem (case-insensitive); "demo" is the demo."""
    catalog = catalog or load_catalog()
    key = model_id.strip().lower()
    if key == DEMO_ALIAS and catalog.demo:
        key = catalog.demo.id
    for model in list_installed(models_path, catalog):
        if key in (model.id, model.path.name.lower(), model.path.stem.lower()):
            return model
    return None


def demo_model_path(models_path: Path | None = None, catalog: Catalog | None = None) -> Path | None:
    """The bundled demo model's file if it is on this computer, else None: the app's one
    demo-model lookup (the CLI's default model, the window's first-run choice)."""
    try:
        catalog = catalog or load_catalog()
    except HubError as exc:  # a packaging bug: say so, and still find the known file
        log.warning("demo model: %s; looking for %s", exc, DEMO_FILE)
        path = dev_models_dir() / DEMO_FILE
        return path if path.is_file() else None
    found = find_installed(DEMO_ALIAS, models_path, catalog)
    return found.path if found is not None else None


def resolve_model(
    path_or_id: str | Path, models_path: Path | None = None, catalog: Catalog | None = None
) -> Path:
    """The model file to load for a `--model` value: an existing path, or an installed id.

    Raises ModelNotFoundError with a sentence saying what to do (e.g. download it first).
    """
    text = str(path_or_id).strip()
    if not text:
        raise ModelNotFoundError("no model given")
    candidate = Path(text).expanduser()
    if candidate.exists():
        if candidate.is_dir():
            raise ModelNotFoundError(f"{candidate} is a folder, not a .gguf model file")
        return candidate.resolve()
    if isinstance(path_or_id, Path) or "/" in text or os.sep in text:
        raise ModelNotFoundError(f"model file not found: {text}")
    catalog = catalog or load_catalog()
    model = find_installed(text, models_path, catalog)
    if model:
        return model.path
    if text.lower().endswith(".gguf"):
        raise ModelNotFoundError(f"model file not found: {text}")
    if catalog.get(text):
        raise ModelNotFoundError(
            f"model '{text}' is not installed; download it with: rlm-desktop models download {text}"
        )
    raise ModelNotFoundError(
        f"no model file or installed model named '{text}' (see: rlm-desktop models list)"
    )


def import_model(
    source: Path,
    models_path: Path | None = None,
    catalog: Catalog | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
) -> InstalledModel:
    """Validate a local .gguf (all shards) and copy it atomically into the models folder."""
    folder = models_path or models_dir()
    catalog = catalog or load_catalog()
    try:
        info = read_gguf_info(source)
    except GGUFError as exc:
        name = Path(source).name
        raise ModelImportError(
            f"cannot import {name}: {str(exc).removeprefix(name + ': ')}"
        ) from None
    if info.path.resolve().parent == folder.resolve():
        return _describe(info.path.resolve(), catalog)
    _check_room(folder, info.shards, info.file_size)
    copied: list[Path] = []
    try:
        _copy_shards(info.shards, folder, info.file_size, copied, on_progress, cancel)
    except BaseException:
        for path in copied:  # no half model is left behind (a cancel, a full disk)
            path.unlink(missing_ok=True)
        raise
    first = folder / info.shards[0].name
    write_json_atomic(
        sidecar_path(first),
        {"source": "imported", "original": str(info.path), "imported_at": time.time()},
    )
    return _describe(first, catalog)


def _copy_shards(
    shards: tuple[Path, ...],
    folder: Path,
    total: int,
    copied: list[Path],
    on_progress: Callable[[int, int], None] | None,
    cancel: CancelToken | None,
) -> None:
    """Copy each shard atomically into `folder`, appending to `copied` what it added."""
    done = 0
    for shard in shards:
        target = folder / shard.name
        if target.exists():
            if target.stat().st_size == shard.stat().st_size:
                done += shard.stat().st_size
                continue
            raise ModelImportError(
                f"a different model named {shard.name} is already installed; remove it first"
            )
        try:
            copy_atomic(shard, target, _shifted(on_progress, done, total), cancel)
        except PermissionError:
            raise ModelImportError(
                f"no permission to write to the models folder {folder}"
            ) from None
        except OSError as exc:
            raise ModelImportError(f"cannot copy {shard.name}: {exc.strerror or exc}") from None
        copied.append(target)
        done += shard.stat().st_size


def _shifted(
    on_progress: Callable[[int, int], None] | None, base: int, total: int
) -> Callable[[int], None] | None:
    """One shard's copy progress (bytes of it) as progress of the whole model."""
    if on_progress is None:
        return None
    return lambda n: on_progress(base + n, total)


def _check_room(folder: Path, shards: tuple[Path, ...], size: int) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise ModelImportError(f"no permission to create the models folder {folder}") from None
    free = free_disk(folder)
    missing = sum(s.stat().st_size for s in shards if not (folder / s.name).exists())
    if free is not None and missing > free:
        raise ModelImportError(
            f"not enough free disk space: {human_size(size)} needed, {human_size(free)} free "
            f"at {folder}"
        )


def remove_model(
    model_id: str, models_path: Path | None = None, catalog: Catalog | None = None
) -> InstalledModel:
    """Delete an installed model (all shards and its sidecar). The demo model cannot go."""
    folder = (models_path or models_dir()).resolve()
    model = find_installed(model_id, models_path, catalog)
    if model is None:
        raise ModelNotFoundError(
            f"no installed model named '{model_id}' (see: rlm-desktop models list)"
        )
    if not model.removable:
        raise HubError("the bundled demo model is part of the app and cannot be removed")
    for path in (*model.shards, sidecar_path(model.path)):
        if path.resolve().parent != folder:
            raise HubError(f"refusing to delete {path}: it is not in the models folder")
        try:
            path.unlink(missing_ok=True)
        except PermissionError:
            raise HubError(f"no permission to delete {path}") from None
    return model
