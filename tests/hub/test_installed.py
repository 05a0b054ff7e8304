"""Installed models: import (validated, atomic), list, resolve an id or a path, remove."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlm_desktop.cancel import Cancelled, CancelToken
from rlm_desktop.hub.catalog import Catalog, load_catalog
from rlm_desktop.hub.errors import HubError, ModelImportError, ModelNotFoundError
from rlm_desktop.hub.installed import (
    DEMO_FILE,
    demo_model_path,
    find_installed,
    import_model,
    list_installed,
    remove_model,
    resolve_model,
)
from rlm_desktop.store.paths import dev_models_dir
from tests.llm.gguf_craft import tiny_metadata, write_gguf


def test_bundled_demo_is_listed_and_resolvable(home: Path, demo_gguf: Path) -> None:
    (demo,) = [m for m in list_installed() if m.source == "bundled"]
    assert demo.id == "smollm2-135m" and demo.path == demo_gguf and not demo.removable
    assert resolve_model("smollm2-135m") == demo_gguf
    assert resolve_model("demo") == demo_gguf
    assert resolve_model(demo_gguf.name) == demo_gguf
    assert resolve_model(str(demo_gguf)) == demo_gguf
    assert resolve_model(demo_gguf) == demo_gguf
    assert demo_model_path() == demo_gguf
    with pytest.raises(HubError, match="cannot be removed"):
        remove_model("smollm2-135m")


def test_the_demo_lookup_follows_the_catalogue(home: Path) -> None:
    """The catalogue's bundled entry names the demo file (the fallback name agrees with it);
    a catalogue without a demo has no demo model."""
    demo = load_catalog().demo
    assert demo is not None and demo.first_file == DEMO_FILE
    assert demo_model_path(catalog=Catalog(entries=())) is None


def test_import_list_resolve_remove(home: Path, models: Path, tmp_path: Path) -> None:
    src = write_gguf(tmp_path / "My-Model.Q8_0.gguf")
    progress: list[tuple[int, int]] = []
    model = import_model(src, on_progress=lambda done, total: progress.append((done, total)))
    assert model.id == "my-model.q8_0" and model.source == "imported"
    assert model.path == models / src.name and model.path.read_bytes() == src.read_bytes()
    assert progress[-1] == (src.stat().st_size, src.stat().st_size)
    assert not list(models.glob("*.part"))
    assert src.exists()  # a copy, the user's file stays
    assert find_installed("MY-MODEL.Q8_0") == model
    assert resolve_model("my-model.q8_0") == model.path
    assert import_model(src) == model  # importing again is harmless
    removed = remove_model("my-model.q8_0")
    assert removed.path == model.path and not model.path.exists()
    assert not (models / (src.name + ".json")).exists()
    with pytest.raises(ModelNotFoundError):
        remove_model("my-model.q8_0")


def test_import_rejects_bad_files(home: Path, models: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    with pytest.raises(ModelImportError, match=r"cannot import notes\.gguf: not a GGUF"):
        import_model(text)
    odd = write_gguf(tmp_path / "odd.gguf", tiny_metadata("frobnicator"))
    with pytest.raises(ModelImportError, match="unsupported architecture 'frobnicator'"):
        import_model(odd)
    assert not models.exists() or not list(models.iterdir())


def test_import_name_clash(home: Path, models: Path, tmp_path: Path) -> None:
    import_model(write_gguf(tmp_path / "same.gguf"))
    other = tmp_path / "other"
    other.mkdir()
    bigger = write_gguf(other / "same.gguf", tensors=[("w", (128, 128))])
    with pytest.raises(ModelImportError, match="already installed"):
        import_model(bigger)


def test_import_sharded(home: Path, models: Path, tmp_path: Path) -> None:
    meta = tiny_metadata(**{"split.count": 2, "split.no": 0})
    first = write_gguf(tmp_path / "big-00001-of-00002.gguf", meta)
    write_gguf(tmp_path / "big-00002-of-00002.gguf", {"general.architecture": "llama"})
    model = import_model(first)
    assert model.id == "big" and len(model.shards) == 2
    assert all(p.parent == models and p.is_file() for p in model.shards)
    assert [m.id for m in list_installed(include_bundled=False)] == ["big"]
    remove_model("big")
    assert not list(models.glob("*.gguf"))


def test_import_sharded_cancelled_in_the_second_shard(
    home: Path, models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No half model is left behind: the shards already copied are removed again."""
    meta = tiny_metadata(**{"split.count": 2, "split.no": 0})
    first = write_gguf(tmp_path / "half-00001-of-00002.gguf", meta)
    write_gguf(
        tmp_path / "half-00002-of-00002.gguf",
        {"general.architecture": "llama"},
        tensors=[("w", (1024, 3072))],
    )
    token = CancelToken()

    def progress(done: int, total: int) -> None:
        if done > first.stat().st_size:
            token.cancel()

    monkeypatch.setattr("rlm_desktop.hub.placement.CHUNK", 1 << 20)  # several progress calls
    with pytest.raises(Cancelled):
        import_model(first, on_progress=progress, cancel=token)
    assert list(models.iterdir()) == []
    assert list_installed(include_bundled=False) == []


def test_import_refuses_without_room(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rlm_desktop.hub.installed as installed

    monkeypatch.setattr(installed, "free_disk", lambda path: 10)
    with pytest.raises(ModelImportError, match="not enough free disk space"):
        import_model(write_gguf(tmp_path / "m.gguf"))


def test_resolve_errors(home: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="not installed; download it with"):
        resolve_model("qwen2.5-coder-7b")
    with pytest.raises(ModelNotFoundError, match="model file not found"):
        resolve_model(str(tmp_path / "nope.gguf"))
    with pytest.raises(ModelNotFoundError, match="model file not found"):
        resolve_model("nope.gguf")
    with pytest.raises(ModelNotFoundError, match="no model file or installed model named"):
        resolve_model("something-else")
    with pytest.raises(ModelNotFoundError, match="is a folder"):
        resolve_model(tmp_path)
    with pytest.raises(ModelNotFoundError, match="no model given"):
        resolve_model(" ")


def test_remove_refuses_outside_the_models_folder(home: Path) -> None:
    assert dev_models_dir() != home
    with pytest.raises(ModelNotFoundError):
        remove_model(str(dev_models_dir() / "SmolLM2-135M-Instruct.Q4_1.gguf"))
