"""The run tree model owns its tree: `apply` takes engine events off the backlog, inserts the
new rows (one insert per parent and batch) and signals the changed ones itself; everything
else reads the tree through the model."""

from __future__ import annotations

from collections import deque

from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.qtbot import QtBot

from rlm_desktop.engine import events as ev
from rlm_desktop.ui.icons import StatusIcons
from rlm_desktop.ui.tree_model import NODE_ID_ROLE, RunTreeModel


def test_apply_inserts_rows_and_signals_changes_itself(qtbot: QtBot) -> None:
    model = RunTreeModel(StatusIcons())
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    inserted: list[tuple[str | None, int, int]] = []
    model.rowsInserted.connect(
        lambda parent, first, last: inserted.append((parent.data(NODE_ID_ROLE), first, last))
    )
    changed: list[str] = []
    model.dataChanged.connect(lambda top, bottom, roles: changed.append(top.data(NODE_ID_ROLE)))
    backlog: deque[ev.Event] = deque(
        [
            ev.RunStarted("r", None, question="Why?", documents=2, context_chars=1200),
            ev.IterationStarted("t1", "r", index=0),
            ev.TokenStreamed("t1", "r", text="Let me "),
            ev.TokenStreamed("t1", "r", text="look."),
        ]
    )

    first = model.apply(backlog)

    assert not backlog  # taken off the backlog
    assert first.added == ["r", "t1"] and inserted == [(None, 0, 0), ("r", 0, 0)]
    assert first.changed == {"r", "t1"}
    assert first.line == "Step 1: the model is thinking…"
    assert [type(e).__name__ for e, _ in first.steps] == [
        "RunStarted",
        "IterationStarted",
        "TokenStreamed",
        "TokenStreamed",
    ]
    turn = model.get("t1")
    assert turn is not None and turn.text == "Let me look." and turn.status == "running"
    assert set(changed) == {"r", "t1"}

    inserted.clear()
    changed.clear()
    backlog.extend(
        [
            ev.IterationFinished("t1", "r", text="Let me look.", completion_tokens=4),
            ev.CellStarted("c1", "t1", code="print(1)"),
            ev.CellStarted("c2", "t1", code="print(2)", index=1),
            ev.CellFinished("c1", "t1", output="1"),
        ]
    )
    second = model.apply(backlog)
    assert second.added == ["c1", "c2"] and inserted == [("t1", 0, 1)]  # one insert for both
    assert second.changed == {"t1", "c1", "c2"} and "c1" in changed and "t1" in changed
    assert model.rowCount(model.index_of("t1")) == 2
    assert [n.id for n in model.walk()] == ["r", "t1", "c1", "c2"]
    assert model.root_id == "r" and model.node_count() == 4

    finished = ev.RunFinished("r", None, "ok", "42", answer_verified=True)
    backlog.extend([ev.FinalAnswer("r", None, answer="42"), finished])
    last = model.apply(backlog)
    assert last.added == [] and last.line == "Answer found."  # only with a verified source
    root = model.get("r")
    assert root is not None and root.status == "done" and root.answer == "42"
    del tester


def test_apply_stops_at_its_time_budget_and_leaves_the_rest(qtbot: QtBot) -> None:
    model = RunTreeModel(StatusIcons())
    backlog: deque[ev.Event] = deque([ev.RunStarted("r", None, question="Q")])
    backlog.extend(ev.IterationStarted(f"t{i}", "r", index=i) for i in range(50))
    applied = model.apply(backlog, budget_s=0.0)
    assert applied.steps == [] and len(backlog) == 51  # nothing within a zero budget
    while backlog:
        model.apply(backlog, budget_s=0.001)
    assert model.node_count() == 51 and model.rowCount(model.index(0, 0)) == 50
    model.reset()
    assert model.root_id is None and model.rowCount() == 0 and model.node_count() == 0


def test_apply_without_rows_keeps_new_steps_back_until_a_later_call(qtbot: QtBot) -> None:
    """The run controller inserts rows at most every ROWS_S: events still change the tree at
    once, the new steps become rows on the next call that asks for them."""
    model = RunTreeModel(StatusIcons())
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    backlog: deque[ev.Event] = deque(
        [
            ev.RunStarted("r", None, question="Why?", documents=1, context_chars=10),
            ev.IterationStarted("t1", "r", index=0),
        ]
    )
    assert model.apply(backlog).added == ["r", "t1"]
    backlog.extend(
        [ev.CellStarted("c1", "t1", code="x = 1"), ev.CellFinished("c1", "t1", output="")]
    )

    held = model.apply(backlog, rows=False)

    assert held.added == [] and not backlog
    assert model.get("c1") is not None  # in the tree already …
    assert not model.index_of("c1").isValid()  # … but not yet a row
    assert model.rowCount(model.index_of("t1")) == 0
    assert model.publish_rows() == ["c1"]
    assert model.index_of("c1").isValid() and model.rowCount(model.index_of("t1")) == 1
