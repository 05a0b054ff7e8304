"""Export (JSON trace round trip, Markdown, HTML in a real headless Chromium) and the import
of the official rlm library's JSONL logs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from store_helpers import DOCS, cli, look

from rlm_desktop.llm.replay import ReplayBackend
from rlm_desktop.store.chat import Chat
from rlm_desktop.store.exporting import export_text
from rlm_desktop.store.history import HistoryStore
from rlm_desktop.store.trace_import import import_trace

RESPONSES = [
    look("for name in ['a', 'b']:\n    print(name)\nfound = grep('magic number')\nprint(found)"),
    look("sub = rlm_query('What is the key?', documents[1].text)\nprint(sub)"),
    look("print(context[:20])"),
    "FINAL(K-7731)",
    "FINAL(The key is K-7731)",
]


def _recorded(store: HistoryStore) -> tuple[int, int]:
    chat = Chat.start(ReplayBackend(RESPONSES), None, DOCS, store, "export")
    asked = chat.ask("What is the archive key?")
    chat.close()
    assert asked.result.status == "ok", asked.result.error
    assert asked.conversation_id is not None and asked.run_id is not None
    return asked.conversation_id, asked.run_id


def test_json_export_imports_back_to_the_same_tree(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        conversation, run = _recorded(store)
        path = tmp_path / "run.jsonl"
        path.write_text(export_text(store, conversation, "json"), encoding="utf-8")
        tree = store.load_tree(run)
    trace = import_trace(path)
    assert trace.format == "rlm-desktop" and trace.messages == []
    assert [r.answer for r in trace.runs] == ["The key is K-7731"]
    assert trace.runs[0].tree.to_dict() == tree.to_dict()
    kinds = {n.kind for n in tree.nodes.values()}
    assert kinds == {"run", "iteration", "cell", "subcall"}


def test_markdown_has_the_question_answer_and_code(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        conversation, _ = _recorded(store)
        text = export_text(store, conversation, "md")
    assert "## Question 1: What is the archive key?" in text
    assert "The key is K-7731" in text
    assert "```python\nsub = rlm_query('What is the key?', documents[1].text)" in text
    assert "> **Turn 1**" in text  # the child RLM's turns, quoted one level deeper


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_html_export_renders_in_headless_chromium(tmp_path: Path) -> None:
    from PIL import Image

    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        conversation, _ = _recorded(store)
        page = export_text(store, conversation, "html")
    assert "<script" not in page and "http" not in page.split("<body>")[0]
    html_file = tmp_path / "export.html"
    html_file.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    cmd = [
        "chromium",
        *("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"),
        *("--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars"),
        *(f"--screenshot={shot}", "--window-size=1000,1600", html_file.as_uri()),
    ]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert shot.exists(), "chromium wrote no screenshot"
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # text, not a blank page
    pixels = {c for _, c in colours}
    assert (0xEE, 0xF6, 0xEE) in pixels  # the answer's box
    green = [c for c in pixels if c[1] > 100 and c[0] < 40 and c[2] < 40]
    assert green, "no highlighted keyword (pygments' green) on the page"
    dom = subprocess.run(
        [*cmd[:-3], "--dump-dom", html_file.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    assert dom.count("<details") >= 8 and 'class="k"' in dom


def _iteration(number: int, code: str, calls: list[dict], final: str | None = None) -> dict:
    return {
        "type": "iteration",
        "iteration": number,
        "timestamp": "2026-01-01T10:00:00",
        "prompt": [{"role": "user", "content": "go"}],
        "response": f"```repl\n{code}\n```",
        "code_blocks": [
            {
                "code": code,
                "result": {
                    "stdout": "out\n",
                    "stderr": "",
                    "locals": {},
                    "execution_time": 0.5,
                    "rlm_calls": calls,
                },
            }
        ],
        "final_answer": final,
        "iteration_time": 1.5,
    }


def _call(prompt: str, response: str, iterations: list[dict] | None = None) -> dict:
    call = {
        "root_model": "m",
        "prompt": prompt,
        "response": response,
        "usage_summary": {
            "model_usage_summaries": {"m": {"total_input_tokens": 10, "total_output_tokens": 2}}
        },
        "execution_time": 0.25,
    }
    if iterations is not None:
        call["metadata"] = {"iterations": iterations}
    return call


def _rlm_log(path: Path) -> None:
    grandchild = [_iteration(1, "print('deepest')", [_call("leaf?", "leaf!")], "g")]
    child = [_iteration(1, "x = rlm_query('deeper')", [_call("deeper", "g", grandchild)], "c")]
    lines = [
        {"type": "metadata", "root_model": "m", "max_depth": 2, "max_iterations": 5},
        {"type": "run_context", "root_prompt": "First question?"},
        _iteration(1, "print(context[:10])", []),
        _iteration(2, "y = rlm_query('sub')", [_call("sub", "c", child)], "A1"),
        {"type": "run_context", "root_prompt": "Second question?"},
        _iteration(1, "print(2)", [], "A2"),
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")


def test_an_rlm_log_with_a_depth_2_child_imports_nested(tmp_path: Path) -> None:
    path = tmp_path / "rlm.jsonl"
    _rlm_log(path)
    trace = import_trace(path)
    assert trace.format == "rlm" and trace.messages == []
    assert [(r.question, r.answer, r.status) for r in trace.runs] == [
        ("First question?", "A1", "ok"),
        ("Second question?", "A2", "ok"),
    ]
    tree = trace.runs[0].tree.to_dict()
    turn2 = tree["children"][1]
    child = turn2["children"][0]["children"][0]
    assert (child["kind"], child["subcall_kind"], child["depth"]) == ("subcall", "rlm_query", 1)
    grandchild = child["children"][0]["children"][0]["children"][0]
    assert (grandchild["subcall_kind"], grandchild["depth"]) == ("rlm_query", 2)
    leaf = grandchild["children"][0]["children"][0]["children"][0]
    assert (leaf["subcall_kind"], leaf["answer"], leaf["depth"]) == ("llm_query", "leaf!", 3)
    assert (leaf["prompt_tokens"], leaf["completion_tokens"]) == (10, 2)
    out = cli("trace", "show", str(path), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["tree"] == tree


def test_a_truncated_malformed_old_log_imports_what_it_can(tmp_path: Path) -> None:
    path = tmp_path / "rlm.jsonl"
    _rlm_log(path)
    lines = path.read_text().splitlines()
    old = json.loads(lines[2])
    del old["iteration_time"], old["code_blocks"][0]["result"]["rlm_calls"]
    lines[2] = json.dumps(old)
    lines.insert(3, "{not json")
    del lines[0]  # no metadata line
    text = "\n".join(lines[:4]) + "\n" + lines[4][: len(lines[4]) // 2]  # cut mid-line
    path.write_text(text, encoding="utf-8")
    trace = import_trace(path)
    assert [(r.question, r.answer, r.status) for r in trace.runs] == [
        ("First question?", "A1", "ok")
    ]
    said = " | ".join(trace.messages)
    assert "not JSON" in said and "cut short" not in said  # two bad lines, not only the last
    assert "'iteration_time' missing 1 time(s)" in said and "no metadata line" in said
    cut = tmp_path / "cut.jsonl"
    cut.write_text(lines[0] + "\n" + lines[1][:40], encoding="utf-8")
    trace = import_trace(cut)
    assert [r.status for r in trace.runs] == []  # the only iteration was cut
    assert any("cut short" in m for m in trace.messages)
    out = cli("trace", "show", str(cut))
    assert out.returncode == 1 and "cut short" in out.stderr
