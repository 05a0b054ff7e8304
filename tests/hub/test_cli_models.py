"""`rlm-desktop models ...` through the command module's own parser, against the stand-in hub."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from rlm_desktop.commands import models as cmd
from rlm_desktop.hub.errors import DownloadError
from rlm_desktop.hub.service import HubService
from tests.hub.conftest import DEMO_NAME, DEMO_REPO, SMALL_NAME, SMALL_REPO
from tests.hub.fake_hub import FakeHub
from tests.llm.gguf_craft import write_gguf


def run_models(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="rlm-desktop")
    cmd.add_parser(parser.add_subparsers(dest="command"))
    return cmd.run(parser.parse_args(["models", *argv]))


def test_list_json(home: Path, demo_gguf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_models("list", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert [m["id"] for m in out["installed"]] == ["smollm2-135m"]
    verdicts = {r["id"]: r["verdict"] for r in out["catalog"]}
    assert set(verdicts.values()) <= {"recommended", "will be slow", "does not fit"}
    assert len(verdicts) >= 6 and out["hardware"]["total_ram"] > 0


def test_list_and_recommend_text(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_models("list") == 0
    assert "Catalogue" in capsys.readouterr().out
    assert run_models("recommend") == 0
    assert "rlm-desktop models download" in capsys.readouterr().out
    assert run_models("recommend", "--json", "--context", "4096") == 0
    assert json.loads(capsys.readouterr().out)["recommended"]["n_ctx"] <= 4096


def test_download_by_catalogue_id_with_progress_bar(
    hub: FakeHub, models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_models("download", "smollm2-135m") == 0
    captured = capsys.readouterr()
    assert "Downloaded and verified" in captured.out
    assert "100.0%" in captured.err and "[" + "#" * 30 + "]" in captured.err
    assert (models / DEMO_NAME).stat().st_size == 98362432
    assert run_models("list", "--installed", "--json") == 0
    (model,) = json.loads(capsys.readouterr().out)["installed"]
    assert model["source"] == "downloaded" and model["repo"] == DEMO_REPO


def test_download_repo_and_file_json(
    hub: FakeHub, models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_models("download", SMALL_REPO, SMALL_NAME, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and Path(out["path"]) == models / SMALL_NAME


def test_download_errors_are_one_line(
    hub: FakeHub, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_models("download", SMALL_REPO, "missing.gguf") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no file 'missing.gguf'" in err
    assert run_models("download", "not-a-model") == 1
    assert "neither a catalogue model nor a hub repository" in capsys.readouterr().err
    assert run_models("download", "someone/some-repo") == 1
    assert "name the file to download" in capsys.readouterr().err


def test_import_and_remove(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_gguf(tmp_path / "mine.gguf")
    assert run_models("import", str(src), "--json") == 0
    assert json.loads(capsys.readouterr().out)["id"] == "mine"
    assert run_models("remove", "mine") == 0
    assert "Removed mine" in capsys.readouterr().out
    assert run_models("remove", "mine") == 1
    assert "no installed model named 'mine'" in capsys.readouterr().err
    (tmp_path / "bad.gguf").write_text("hello")
    assert run_models("import", str(tmp_path / "bad.gguf")) == 1
    assert "not a GGUF" in capsys.readouterr().err


def test_python_dash_m_entry(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd.main(["list", "--installed"]) == 0
    assert "Installed" in capsys.readouterr().out


def test_plan_expands_shards(home: Path) -> None:
    service = HubService()
    plan = service.plan("org/repo", "q4/model-00001-of-00003.gguf")
    assert plan.files == tuple(f"q4/model-{i:05d}-of-00003.gguf" for i in (1, 2, 3))
    assert service.plan("qwen2.5-coder-32b").files[-1].endswith("00005-of-00005.gguf")
    assert service.plan("Qwen/Qwen2.5-Coder-32B-Instruct-GGUF").catalog_id == "qwen2.5-coder-32b"
    with pytest.raises(DownloadError, match="not a hub repository name"):
        service.download("bad repo/x y", "f.gguf")
