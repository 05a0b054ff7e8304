"""Downloads against the stand-in hub on 127.0.0.1: byte-exact, resumed, verified, refused."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from rlm_desktop.cancel import Cancelled, CancelToken
from rlm_desktop.hub.download import Downloader, DownloadProgress, partial_downloads
from rlm_desktop.hub.errors import DownloadError, IntegrityError
from rlm_desktop.hub.installed import list_installed, read_sidecar, resolve_model
from tests.hub.conftest import DEMO_NAME, DEMO_REPO, SMALL_NAME, SMALL_REPO
from tests.hub.fake_hub import COMMIT, FakeHub, running_hub


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            x, y = fa.read(4 << 20), fb.read(4 << 20)
            if x != y:
                return False
            if not x:
                return True


def test_full_download_of_the_real_model(hub: FakeHub, models: Path, demo_gguf: Path) -> None:
    seen: list[DownloadProgress] = []
    path = Downloader(progress_interval=0).download(
        DEMO_REPO, DEMO_NAME, on_progress=seen.append, catalog_id="smollm2-135m"
    )
    assert path == models / DEMO_NAME
    assert _same_bytes(path, demo_gguf)
    assert not list(models.glob("*.part*"))
    assert hub.range_requests() == []
    # progress: moving forward, with a total, a speed and an end
    downloading = [p for p in seen if p.phase == "downloading"]
    assert len(downloading) > 10
    assert [p.downloaded for p in downloading] == sorted(p.downloaded for p in downloading)
    assert all(p.total == demo_gguf.stat().st_size for p in seen)
    assert any(p.speed > 0 and p.eta is not None for p in downloading)
    assert seen[-1].phase == "done" and seen[-1].fraction == 1.0
    meta = read_sidecar(path)
    assert meta["repo"] == DEMO_REPO and meta["commit"] == COMMIT
    assert meta["source"] == "downloaded" and meta["catalog_id"] == "smollm2-135m"
    # installed: listed under its catalogue id, preferred over the bundled copy
    (model,) = [m for m in list_installed() if m.id == "smollm2-135m"]
    assert model.source == "downloaded" and model.path == path
    assert resolve_model("smollm2-135m") == path
    # HEAD then one GET through the real huggingface_hub client
    assert [r.method for r in hub.requests if "/resolve/" in r.path] == ["HEAD", "GET"]
    assert "hf_hub" in hub.requests[0].headers.get("user-agent", "")


def test_second_download_is_a_no_op(hub: FakeHub, models: Path) -> None:
    downloader = Downloader()
    first = downloader.download(SMALL_REPO, SMALL_NAME)
    gets = len(hub.gets())
    assert downloader.download(SMALL_REPO, SMALL_NAME) == first
    assert len(hub.gets()) == gets


def test_cut_connection_is_resumed_with_range(hub: FakeHub, models: Path, demo_gguf: Path) -> None:
    hub.cut_after = 30_000_000
    path = Downloader(retry_wait=0.01).download(DEMO_REPO, DEMO_NAME)
    assert hub.range_requests() == ["bytes=30000000-"]
    assert _same_bytes(path, demo_gguf)


def test_cut_connection_then_restart_resumes_the_part(
    hub: FakeHub, models: Path, small_gguf: Path
) -> None:
    hub.cut_after = 1_000_000
    with pytest.raises(DownloadError) as info:
        Downloader(max_retries=0, retry_wait=0.01).download(SMALL_REPO, SMALL_NAME)
    assert "kept" in str(info.value) and info.value.retryable
    assert partial_downloads() == {SMALL_NAME: 1_000_000}
    assert not (models / SMALL_NAME).exists()
    # "restart": a brand-new downloader picks up the .part
    path = Downloader().download(SMALL_REPO, SMALL_NAME)
    assert hub.range_requests() == ["bytes=1000000-"]
    assert _same_bytes(path, small_gguf)
    assert partial_downloads() == {}


def test_through_the_cdn_redirect_with_an_expired_link_on_resume(
    hub: FakeHub, models: Path, small_gguf: Path
) -> None:
    """As on the real hub: /resolve/ redirects to a signed CDN link. When the link has expired
    by the time a cut connection is resumed, the hub is asked for a fresh one."""
    hub.cdn = True
    hub.cut_after = 1_000_000

    def cut_and_expire(p: DownloadProgress) -> None:
        if p.downloaded >= 1_000_000 and hub.token == 1:
            hub.expire_links()  # once: the link given first is dead from now on

    path = Downloader(progress_interval=0, retry_wait=0.01).download(
        SMALL_REPO, SMALL_NAME, on_progress=cut_and_expire
    )
    assert _same_bytes(path, small_gguf)
    seen = [(r.method, r.path.split("/")[1:3], r.headers.get("range")) for r in hub.requests]
    resolve, cdn1, cdn2 = SMALL_REPO.split("/"), ["cdn", "1"], ["cdn", "2"]
    assert seen == [
        ("HEAD", resolve, None),  # 302 to /cdn/1/…, followed (the stand-in CDN is on the
        ("HEAD", cdn1, None),  # hub's host; the real one is not, and is not followed)
        ("GET", cdn1, None),  # cut after 1 MB, then the link expires
        ("GET", cdn1, "bytes=1000000-"),  # 403: expired
        ("HEAD", resolve, None),  # a fresh link
        ("HEAD", cdn2, None),
        ("GET", cdn2, "bytes=1000000-"),
    ]


def test_cancel_keeps_the_part_and_a_new_downloader_resumes(
    hub: FakeHub, models: Path, demo_gguf: Path
) -> None:
    hub.throttle = 0.002
    token = CancelToken()

    def progress(p: DownloadProgress) -> None:
        if p.downloaded > 5_000_000:
            token.cancel()

    with pytest.raises(Cancelled):
        Downloader(progress_interval=0).download(
            DEMO_REPO, DEMO_NAME, on_progress=progress, cancel=token
        )
    kept = partial_downloads()[DEMO_NAME]
    assert 5_000_000 < kept < demo_gguf.stat().st_size
    assert not (models / DEMO_NAME).exists()
    hub.throttle = 0.0
    path = Downloader().download(DEMO_REPO, DEMO_NAME)
    assert hub.range_requests() == [f"bytes={kept}-"]
    assert _same_bytes(path, demo_gguf)


def test_part_of_another_version_is_not_resumed(hub: FakeHub, models: Path) -> None:
    models.mkdir(parents=True)
    (models / (SMALL_NAME + ".part")).write_bytes(b"x" * 1000)
    (models / (SMALL_NAME + ".part.json")).write_text('{"url_etag": "old"}')
    path = Downloader().download(SMALL_REPO, SMALL_NAME)
    assert hub.range_requests() == []
    assert read_sidecar(path)["sha256"]


def test_wrong_etag_is_quarantined(hub: FakeHub, models: Path) -> None:
    hub.wrong_etag = True
    with pytest.raises(IntegrityError) as info:
        Downloader().download(SMALL_REPO, SMALL_NAME)
    message = str(info.value)
    assert "checksum" in message and "try the download again" in message
    assert "\n" not in message and info.value.retryable
    bad = info.value.quarantined
    assert bad.parent == models / "quarantine" and bad.stat().st_size > 0
    assert bad.with_name(bad.name + ".txt").read_text().startswith(SMALL_NAME)
    assert not (models / SMALL_NAME).exists()
    assert partial_downloads() == {}
    assert [m for m in list_installed() if m.source != "bundled"] == []
    hub.wrong_etag = False  # the retry the message offers works
    assert Downloader().download(SMALL_REPO, SMALL_NAME).is_file()


@pytest.mark.parametrize(
    ("repo", "name", "expected"),
    [
        ("nobody/nothing", "x.gguf", "no model repository 'nobody/nothing'"),
        (SMALL_REPO, "missing.gguf", f"'{SMALL_REPO}' has no file 'missing.gguf'"),
    ],
)
def test_not_found(hub: FakeHub, models: Path, repo: str, name: str, expected: str) -> None:
    with pytest.raises(DownloadError) as info:
        Downloader().download(repo, name)
    assert expected in str(info.value)
    assert not info.value.retryable
    assert not list(models.glob("*.gguf*"))


def test_server_down(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    with running_hub(monkeypatch) as hub:
        url = hub.url
    monkeypatch.setenv("HF_ENDPOINT", url)
    with pytest.raises(DownloadError) as info:
        Downloader(endpoint=url).download(SMALL_REPO, SMALL_NAME)
    assert "cannot reach the model hub at 127.0.0.1" in str(info.value)
    assert info.value.retryable


def test_not_enough_disk_space(hub: FakeHub, models: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.disk_usage

    def tiny_disk(path: object) -> object:
        usage = real(path)  # type: ignore[arg-type]
        return type(usage)(usage.total, usage.total - 10_000_000, 10_000_000)

    monkeypatch.setattr(shutil, "disk_usage", tiny_disk)
    with pytest.raises(DownloadError) as info:
        Downloader().download(DEMO_REPO, DEMO_NAME)
    assert "not enough free disk space" in str(info.value)
    assert hub.gets() == []  # refused before any byte moved
    assert not list(models.glob("*.part"))


def test_models_folder_is_not_a_folder(home: Path, hub: FakeHub) -> None:
    (home / "data").mkdir(parents=True)
    (home / "data" / "models").write_text("oops")
    with pytest.raises(DownloadError) as info:
        Downloader().download(SMALL_REPO, SMALL_NAME)
    assert "cannot use the models folder" in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_models_folder_not_writable(hub: FakeHub, models: Path) -> None:
    models.mkdir(parents=True)
    models.chmod(0o500)
    try:
        with pytest.raises(DownloadError) as info:
            Downloader().download(SMALL_REPO, SMALL_NAME)
        assert "no permission" in str(info.value)
    finally:
        models.chmod(0o700)


def test_sharded_download(hub: FakeHub, models: Path, tmp_path: Path) -> None:
    from tests.llm.gguf_craft import tiny_metadata, write_gguf

    names = [f"shard-model-{i:05d}-of-00002.gguf" for i in (1, 2)]
    meta = tiny_metadata(**{"split.count": 2, "split.no": 0})
    first = write_gguf(tmp_path / names[0], meta)
    second = write_gguf(tmp_path / names[1], {"general.architecture": "llama", "split.count": 2})
    hub.add("org/sharded", names[0], first)
    hub.add("org/sharded", names[1], second)
    seen: list[DownloadProgress] = []
    path = Downloader(progress_interval=0).download("org/sharded", names, on_progress=seen.append)
    assert path == models / names[0] and (models / names[1]).is_file()
    assert {p.file_index for p in seen} == {0, 1}
    (model,) = [m for m in list_installed() if m.path == path]
    assert len(model.shards) == 2
    assert model.size_bytes == first.stat().st_size + second.stat().st_size
    gets = len(hub.gets())
    Downloader().download("org/sharded", names)
    assert len(hub.gets()) == gets  # both shards known and verified: nothing fetched again


def test_sharded_download_cancelled_in_the_second_shard(
    hub: FakeHub, models: Path, tmp_path: Path
) -> None:
    """No half model is ever listed: the first shard waits, whole and verified, as a .part;
    the next run fetches only the rest of the second."""
    from tests.llm.gguf_craft import tiny_metadata, write_gguf

    names = [f"cut-model-{i:05d}-of-00002.gguf" for i in (1, 2)]
    meta = tiny_metadata(**{"split.count": 2, "split.no": 0})
    first = write_gguf(tmp_path / names[0], meta, tensors=[("a", (512, 1024))])
    second = write_gguf(
        tmp_path / names[1],
        {"general.architecture": "llama", "split.count": 2},
        tensors=[("b", (1024, 1024))],
    )
    hub.add("org/sharded", names[0], first)
    hub.add("org/sharded", names[1], second)
    hub.throttle = 0.002
    token = CancelToken()

    def progress(p: DownloadProgress) -> None:
        if p.file_index == 1 and p.downloaded > first.stat().st_size + 300_000:
            token.cancel()

    with pytest.raises(Cancelled):
        Downloader(progress_interval=0).download(
            "org/sharded", names, on_progress=progress, cancel=token
        )
    assert not list(models.glob("*.gguf"))
    assert [m for m in list_installed() if m.source != "bundled"] == []
    kept = partial_downloads()
    assert kept[names[0]] == first.stat().st_size
    assert 300_000 < kept[names[1]] < second.stat().st_size
    hub.throttle = 0.0
    gets = len(hub.gets())
    path = Downloader().download("org/sharded", names)
    assert [r.path.rsplit("/", 1)[1] for r in hub.gets()[gets:]] == [names[1]]
    assert hub.range_requests() == [f"bytes={kept[names[1]]}-"]
    assert _same_bytes(path, first) and _same_bytes(models / names[1], second)
    (model,) = [m for m in list_installed() if m.path == path]
    assert len(model.shards) == 2 and partial_downloads() == {}


def test_disk_full_mid_download_keeps_the_part(
    hub: FakeHub, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while writing (simulated: no small tmpfs here) is a sentence, not a traceback."""
    import errno

    import rlm_desktop.hub.transfer as transfer

    real = transfer._stream

    def fill_then_fail(remote, part, state, *args):  # type: ignore[no-untyped-def]
        hub.cut_after = 500_000
        with contextlib.suppress(Exception):
            real(remote, part, state, *args)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(transfer, "_stream", fill_then_fail)
    with pytest.raises(DownloadError) as info:
        Downloader().download(SMALL_REPO, SMALL_NAME)
    assert str(info.value).startswith("the disk is full: free some space at")
    assert partial_downloads() == {SMALL_NAME: 500_000}


def test_permission_error_on_the_models_folder(
    hub: FakeHub, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root, chmod cannot forbid anything, so the refusal itself is simulated."""
    real_mkdir = Path.mkdir

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        if self == models:
            raise PermissionError(13, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(DownloadError) as info:
        Downloader().download(SMALL_REPO, SMALL_NAME)
    assert str(info.value) == f"no permission to write to the models folder {models}"
    assert not info.value.retryable


def test_one_download_of_a_file_at_a_time(hub: FakeHub, models: Path) -> None:
    from rlm_desktop.hub.transfer import exclusive

    models.mkdir(parents=True)
    busy = exclusive(models / (SMALL_NAME + ".part"))  # as if another window were downloading
    with busy, pytest.raises(DownloadError, match="already being downloaded"):
        Downloader().download(SMALL_REPO, SMALL_NAME)
    assert Downloader().download(SMALL_REPO, SMALL_NAME).is_file()
    assert not list(models.glob("*.lock"))


def test_hub_offline_mode_is_a_sentence(
    hub: FakeHub, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DownloadError) as info:
        Downloader().download(SMALL_REPO, SMALL_NAME)
    assert str(info.value) == "downloads are switched off because HF_HUB_OFFLINE is set"
    assert hub.requests == []
