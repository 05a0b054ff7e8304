"""Follow-up questions in one REPL: in-process (the window's `Chat`) and `ask --continue`."""

from __future__ import annotations

import json
from pathlib import Path

from store_helpers import DOCS, cli, look, replay_file

from rlm_desktop.documents.model import Document
from rlm_desktop.llm.replay import ReplayBackend
from rlm_desktop.store.chat import Chat
from rlm_desktop.store.history import HistoryStore


def test_follow_up_uses_a_variable_the_first_question_made(tmp_path: Path) -> None:
    backend = ReplayBackend(
        [
            look("magic = int(grep('magic number')[0].text.split()[-1].rstrip('.'))\nprint(magic)"),
            "FINAL(42)",
            look("print(magic * 2)"),
            "FINAL(84)",
        ]
    )
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        chat = Chat.start(backend, None, DOCS, store, "magic")
        try:
            first = chat.ask("What is the magic number?")
            second = chat.ask("And twice that?")
        finally:
            chat.close()
        assert first.result.answer == "42", first.result.error
        cell = second.result.tree.to_dict()["children"][0]["children"][0]
        assert cell["output"].strip() == "84" and "error" not in cell
        # the model was told about the first question and the variable it made
        prompt = backend.requests[2].messages[1]["content"]
        assert "What is the magic number?" in prompt and "magic" in prompt
        assert prompt.rstrip().endswith("Question: And twice that?")
        # both runs recorded in one conversation, in order, with the variable's value
        record = store.conversation(first.conversation_id)
        assert record is not None
        assert [r.question for r in record.runs] == ["What is the magic number?", "And twice that?"]
        assert [r.status for r in record.runs] == ["ok", "ok"]
        assert {v.name: v.value for v in store.variables(first.run_id)} == {"magic": "42"}


def test_a_document_added_mid_conversation_joins_the_next_question() -> None:
    backend = ReplayBackend(
        [
            look("total = 40 + 2\nprint(len(documents))"),
            "FINAL(two)",
            look("print(len(documents), total, grep('Heron'))"),
            "FINAL(done)",
        ]
    )
    chat = Chat.start(backend, None, DOCS, None)
    try:
        chat.ask("How many documents?")
        added = chat.add_documents([Document(name="c.txt", text="The Heron file is blue.")])
        asked = chat.ask("What colour is the Heron file?")
    finally:
        chat.close()
    assert added == ["c.txt"] and asked.run_id is None  # history off: nothing recorded
    output = asked.result.tree.to_dict()["children"][0]["children"][0]["output"]
    assert output.startswith("3 42") and "c.txt" in output and "Heron file is blue" in output
    prompt = backend.requests[2].messages[1]["content"]
    assert "New documents since the last question: c.txt" in prompt
    assert "3 documents" in backend.requests[2].messages[0]["content"]  # the system prompt


def test_ask_continue_follows_up_in_a_later_process(tmp_path: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text("The magic number is 42.\n", encoding="utf-8")
    first = replay_file(
        tmp_path,
        [look("values = [40, 2]\nprint(context)"), "FINAL(42)"],
        "first.json",
    )
    out = cli("ask", "Magic?", "--doc", str(doc), "--backend", f"replay:{first}", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    conversation, run = data["conversation"], data["run"]
    assert isinstance(conversation, int) and isinstance(run, int)
    extra = tmp_path / "extra.txt"
    extra.write_text("Second file.\n", encoding="utf-8")
    second = replay_file(
        tmp_path, [look("print(sum(values), len(documents))"), "FINAL(ok)"], "second.json"
    )
    out = cli(
        "ask",
        "Sum?",
        *("--continue", str(conversation), "--doc", str(extra)),
        *("--backend", f"replay:{second}", "--json"),
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["conversation"] == conversation and data["run"] != run
    cell = data["tree"]["children"][0]["children"][0]
    assert cell["output"].strip() == "42 2"  # the variable re-made, the new file joined
    shown = json.loads(cli("history", "show", str(conversation), "--json").stdout)
    assert [r["question"] for r in shown["runs"]] == ["Magic?", "Sum?"]
    assert [d["name"] for d in shown["documents"]] == ["notes.txt", "extra.txt"]
    assert shown["documents"][1]["run_id"] == data["run"]


def test_no_history_writes_nothing(tmp_path: Path, _app_home: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text("The magic number is 42.\n", encoding="utf-8")
    replay = replay_file(tmp_path, [look("print(context)"), "FINAL(42)"])
    out = cli(
        "ask", "Q?", "--doc", str(doc), "--backend", f"replay:{replay}", "--json", "--no-history"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["conversation"] is None and data["run"] is None
    assert not list(_app_home.rglob("history.sqlite3*"))


def test_history_off_in_the_settings_writes_nothing(tmp_path: Path, _app_home: Path) -> None:
    from rlm_desktop.store.settings import Settings, save_settings

    save_settings(Settings(history=False), _app_home / "config" / "settings.json")
    doc = tmp_path / "notes.txt"
    doc.write_text("The magic number is 42.\n", encoding="utf-8")
    replay = replay_file(tmp_path, [look("print(context)"), "FINAL(42)"])
    out = cli("ask", "Q?", "--doc", str(doc), "--backend", f"replay:{replay}", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["run"] is None
    assert not list(_app_home.rglob("history.sqlite3*"))
    out = cli("ask", "Q?", "--continue", "1", "--backend", f"replay:{replay}")
    assert out.returncode == 1 and "history (it is off)" in out.stderr
