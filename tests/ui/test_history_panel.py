"""The history panel over a real history database (written by `Chat` with the replay backend
and the real sandbox): listing with previews, full-text search, opening a conversation
read-only with its tree, deleting one and all; a run a crash left shows `interrupted`; an
official rlm log opens read-only in the same viewer (`trace view`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine import events as ev
from rlm_desktop.llm.replay import ReplayBackend
from rlm_desktop.store.chat import Chat
from rlm_desktop.store.history import HistoryStore
from rlm_desktop.ui.history_panel import Target, day_heading
from rlm_desktop.ui.main_window import MainWindow
from tests.ui.conftest import MakeWindow, ask, wait_model

REPO = Path(__file__).resolve().parents[2]
DOCS = Context([Document(name="a.txt", text="The heron nests in the marsh.")])


def look(code: str) -> str:
    return f"Let me look.\n```repl\n{code}\n```"


def record(question: str, code: str, answer: str) -> int:
    """One conversation in the history, asked for real; its id."""
    with HistoryStore.open() as store:
        chat = Chat.start(ReplayBackend([look(code), f"FINAL({answer})"]), None, DOCS, store)
        try:
            asked = chat.ask(question)
        finally:
            chat.close()
        assert asked.result.status == "ok" and asked.conversation_id is not None
        return asked.conversation_id


@pytest.fixture
def two_conversations() -> tuple[int, int]:
    first = record("Where does the heron nest?", "where = 'marsh'\nprint(where)", "In the marsh.")
    second = record("How long is it?", "cormorant_lookup = len(context)\nprint(1)", "29 chars.")
    return first, second


def history_window(qtbot: QtBot, make_window: MakeWindow) -> MainWindow:
    window = make_window(responses=[look("x = 1"), "FINAL(new)"])
    window.actions.show_history.trigger()
    assert window.conversation.dock.isVisible()
    return window


def test_the_panel_lists_searches_and_opens_a_conversation_read_only(
    qtbot: QtBot, make_window: MakeWindow, two_conversations: tuple[int, int]
) -> None:
    first, second = two_conversations
    window = history_window(qtbot, make_window)
    panel = window.conversation.panel
    entries = panel.entries()
    assert [t.conversation_id for _, t in entries] == [second, first]  # newest first
    assert entries[1][0].startswith("Where does the heron nest?\n")
    assert "In the marsh." in entries[1][0]
    assert panel.list.item(0).text() == "Today"  # a heading per day

    panel.search.setText("cormorant_lookup")  # a word only in the code of a cell
    qtbot.waitUntil(lambda: len(panel.entries()) == 1, timeout=3000)
    ((text, target),) = panel.entries()
    assert target.conversation_id == second and "in the code" in text

    panel.search.clear()
    qtbot.waitUntil(lambda: len(panel.entries()) == 2, timeout=3000)
    assert panel.select(first)
    panel.open_button.click()

    view = window.thread_view
    assert view.readonly and "read-only" in view.note.text()
    (turn,) = view.turns
    assert (turn.question, turn.answer, turn.status) == (
        "Where does the heron nest?",
        "In the marsh.",
        "ok",
    )
    assert window.answer.answer == "In the marsh."
    assert window.tree_model.tree is turn.tree and turn.tree is not None
    outputs = [n.output for n in window.tree_model.walk() if n.kind == "cell"]
    assert outputs == ["marsh\n"]
    assert window.side.tree.model().rowCount() == 1


def test_a_question_asked_after_opening_starts_a_new_conversation(
    qtbot: QtBot, make_window: MakeWindow, two_conversations: tuple[int, int]
) -> None:
    first, _ = two_conversations
    window = history_window(qtbot, make_window)
    wait_model(qtbot, window)
    window.conversation.open_recorded(Target(first))
    assert ask(qtbot, window, "Something new?").answer == "new"
    (turn,) = window.thread_view.turns
    assert not window.thread_view.readonly and turn.question == "Something new?"
    qtbot.waitUntil(lambda: turn.conversation_id is not None, timeout=10_000)
    assert turn.conversation_id not in two_conversations
    qtbot.waitUntil(lambda: len(window.conversation.panel.entries()) == 3, timeout=3000)


def test_delete_one_and_delete_all_ask_first(
    qtbot: QtBot,
    make_window: MakeWindow,
    two_conversations: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = two_conversations
    window = history_window(qtbot, make_window)
    panel = window.conversation.panel
    window.conversation.open_recorded(Target(first))
    asked: list[str] = []
    answers = iter([False, True, False, True])

    def confirm(question: str) -> bool:
        asked.append(question)
        return next(answers)

    monkeypatch.setattr(panel, "confirm", confirm)
    assert panel.select(first)
    panel.delete_button.click()  # cancelled
    assert len(panel.entries()) == 2
    panel.delete_button.click()
    assert [t.conversation_id for _, t in panel.entries()] == [second]
    assert window.thread_view.turns == []  # the deleted conversation is not kept on screen
    panel.delete_all_button.click()  # cancelled
    assert len(panel.entries()) == 1
    panel.delete_all_button.click()
    assert panel.entries() == [] and "deleted" in panel.message.text()
    assert len(asked) == 4 and "every conversation" in asked[2]
    with HistoryStore.open() as store:
        assert store.conversations() == []


def test_a_run_the_app_did_not_finish_shows_interrupted(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    with HistoryStore.open() as store:
        conversation = store.new_conversation("Killed?")
        run_id = store.begin_run(conversation, "Killed mid-run?")
        recorder = store.recorder(run_id)
        for event in (
            ev.RunStarted("r", None, question="Killed mid-run?"),
            ev.IterationStarted("t0", "r", index=0),
            ev.CellStarted("c0", "t0", code="print('half way')"),
            ev.CellFinished("c0", "t0", output="half way\n"),
        ):
            recorder(event)
        recorder.close()
        gone = subprocess.Popen(["true"])
        gone.wait()
        store.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (gone.pid, run_id))

    window = history_window(qtbot, make_window)  # its history store marks the run
    ((text, target),) = window.conversation.panel.entries()
    assert text.endswith("interrupted")
    window.conversation.open_recorded(target)

    (turn,) = window.thread_view.turns
    assert turn.status == "interrupted"
    assert not window.answer.banner.isHidden() and "stopped before" in window.answer.banner.text()
    statuses = {n.kind: n.status for n in window.tree_model.walk()}
    assert statuses["cell"] == "done" and statuses["iteration"] == "interrupted"


def test_trace_view_shows_an_official_rlm_log_read_only(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    child = [_iteration(1, "print('child')", [_call("leaf?", "leaf!")], "from child")]
    lines = [
        {"type": "metadata", "root_model": "m", "max_depth": 2, "max_iterations": 5},
        {"type": "run_context", "root_prompt": "Where is the heron?"},
        _iteration(1, "print(context[:10])", []),
        _iteration(2, "y = rlm_query('sub')", [_call("sub", "from child", child)], "Marsh"),
    ]
    path = tmp_path / "rlm.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    window = make_window(backend="llama", own_model=True)

    window.view_trace(str(path))

    qtbot.waitUntil(lambda: bool(window.thread_view.turns), timeout=5000)
    (turn,) = window.thread_view.turns
    assert (turn.question, turn.answer) == ("Where is the heron?", "Marsh")
    assert window.thread_view.readonly and "rlm.jsonl" in window.thread_view.note.text()
    assert not window.thread_view.cards[0].again_button.isHidden()
    depths = {n.depth for n in window.tree_model.walk()}
    assert {0, 1, 2} <= depths  # the child RLM and its own sub-call, nested
    root = window.tree_model.index_of(window.tree_model.root_id or "")
    assert window.side.tree.isExpanded(root)


def test_the_trace_view_command_opens_the_window(tmp_path: Path) -> None:
    path = tmp_path / "rlm.jsonl"
    lines = [{"type": "metadata", "root_model": "m"}, _iteration(1, "print(1)", [], "One")]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "rlm_desktop", "trace", "view", str(path), "--quit-when-ready"],
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ready")


def test_day_headings() -> None:
    today = time.localtime()
    now = time.mktime(today)
    assert day_heading(now) == "Today"
    assert day_heading(now - 86_400 - 60 * 0) in ("Yesterday", "Today")  # DST-safe enough
    assert day_heading(time.mktime((2026, 3, 4, 12, 0, 0, 0, 0, -1))) == "4 March 2026"


def _iteration(number: int, code: str, calls: list[dict], final: str | None = None) -> dict:
    result = {"stdout": "out\n", "stderr": "", "locals": {}, "execution_time": 0.5}
    return {
        "type": "iteration",
        "iteration": number,
        "timestamp": "2026-01-01T10:00:00",
        "prompt": [{"role": "user", "content": "go"}],
        "response": f"```repl\n{code}\n```",
        "code_blocks": [{"code": code, "result": {**result, "rlm_calls": calls}}],
        "final_answer": final,
        "iteration_time": 1.5,
    }


def _call(prompt: str, response: str, iterations: list[dict] | None = None) -> dict:
    call: dict = {"prompt": prompt, "response": response, "execution_time": 0.25}
    if iterations is not None:
        call["metadata"] = {"iterations": iterations}
    return call
