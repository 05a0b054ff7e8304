"""The accuracy suite's parts without a model: seeded generators, scoring, the report (table,
protocol figures, plot) and the command line's checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rlm_desktop.bench.accuracy import report
from rlm_desktop.bench.accuracy.methods import Outcome, Protocol, score
from rlm_desktop.bench.accuracy.tasks import FAMILIES, aggregate, lookup, needle, rank, suite

REPO = Path(__file__).resolve().parents[2]


def test_generators_are_seeded_and_sized() -> None:
    for chars in (8_000, 32_000, 128_000, 512_000):
        task = needle(chars, 1)
        text = "\n".join(d.text for d in task.documents)
        assert abs(len(text) - chars) < chars * 0.02
        assert 1 <= len(task.documents) <= 4
        assert text.count(task.answer) == 1 and task.answer not in task.question
        assert f"vault is {task.answer}." in text
        assert needle(chars, 1) == task and needle(chars, 0) != task
    for count in (20, 100):
        task = lookup(count, 0)
        assert len(task.documents) == count
        target = task.question.removeprefix("What is the archive key of ").rstrip("?")
        keyed = [d for d in task.documents if f"\n{target}'s archive key is" in d.text]
        assert len(keyed) == 1 and f"is {task.answer}." in keyed[0].text
        bird = target.removeprefix("Project ")
        near = {f"Project {bird}s", f"Project Great {bird}", f"Project {bird[:-1]}"}
        assert sum(any(n + "'s archive" in d.text for d in task.documents) for n in near) >= 2


def test_aggregate_answers_are_the_true_counts_and_ranks() -> None:
    task = aggregate(300, 1)
    lines = task.documents[0].text.splitlines()
    assert len(lines) == 300 and task.scoring == "count"
    from rlm_desktop.bench.accuracy.tasks import COMPLAINTS

    late = sum(any(s in line for s in COMPLAINTS["delivery"]) for line in lines)
    assert int(task.answer) == late
    ranked = rank(300, 1)
    lines = ranked.documents[0].text.splitlines()
    counts = {k: sum(any(s in line for s in v) for line in lines) for k, v in COMPLAINTS.items()}
    best = sorted(counts.values())
    assert best[-1] > best[-2] and counts[ranked.answer] == best[-1]
    assert ranked.scoring == "choice" and set(ranked.choices) == set(COMPLAINTS)
    # the winning label changes with size and seed: always guessing one label cannot pass
    assert {rank(n, s).answer for n in (100, 300) for s in (0, 1)} == set(COMPLAINTS)


def test_scores() -> None:
    count = aggregate(100, 0)
    n = int(count.answer)
    assert score(count, f"There are {n} of them.") == 1.0
    assert score(count, f"{n + 2}") == pytest.approx(0.75**2)
    assert score(count, f"{n - 3:,}") == pytest.approx(0.75**3)
    assert score(count, "many") == 0.0
    exact = needle(8_000, 0)
    assert score(exact, f"The code is **{exact.answer}**.") == 1.0
    assert score(exact, "I do not know.") == 0.0
    choice = rank(100, 0)
    assert score(choice, f"{choice.answer.capitalize()}.") == 1.0
    assert score(choice, "delivery, quality or praise") == 0.0  # every option is no answer
    wrong = next(c for c in choice.choices if c != choice.answer)
    assert score(choice, wrong) == 0.0


def test_the_quick_subset_and_family_choice() -> None:
    full = suite(False)
    assert {t.family for t in full} == set(FAMILIES)
    sizes = {(t.family, t.size) for t in full}
    assert ("needle", "512k") in sizes and ("lookup", "100 docs") in sizes
    assert len(full) == 2 * len(sizes)  # two seeds
    quick = suite(True, {"needle"})
    assert [t.size for t in quick] == ["8k", "128k"]


def _outcome(family: str, method: str, s: float, proto: Protocol | None) -> Outcome:
    task = needle(8_000, 0) if family == "needle" else lookup(20, 0)
    return Outcome(task, method, "x", s, 2.0, 1500, protocol=proto)


def test_report_table_protocol_and_plot(tmp_path: Path) -> None:
    outcomes = [
        _outcome("needle", "rlm", 1.0, Protocol(2, 2, 1, 1, True, 0)),
        _outcome("needle", "rlm", 0.0, Protocol(3, 2, 2, 1, False, 2)),
        _outcome("needle", "direct", 0.0, None),
        _outcome("lookup", "rlm", 1.0, Protocol(1, 1, 0, 0, True, 0)),
    ]
    rows = report.cells(outcomes)
    by = {(r["family"], r["method"]): r for r in rows}
    assert by[("needle", "rlm")]["score"] == 0.5 and by[("needle", "rlm")]["tasks"] == 2
    assert by[("needle", "rlm")]["mean_tokens"] == 1500
    table = report.markdown(rows)
    assert "| family | size | rlm score (s, tokens) | direct score (s, tokens) |" in table
    assert "| needle | 8k | 0.50 (2, 1,500) | 0.00 (2, 1,500) |" in table
    figures = report.protocol_figures(outcomes)["rlm"]
    assert figures == {
        "runs": 3,
        "turns": 6,
        "parse_rate": 0.833,
        "valid_code_rate": 0.667,
        "final_rate": 0.667,
        "mean_iterations": 2.0,
        "subcalls_per_run": 0.67,
    }
    assert report.plot(rows, tmp_path / "a.png", "test")
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rlm_desktop", "bench", "accuracy", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def test_unknown_families_or_methods_are_refused() -> None:
    out = _bench("--families", "needle,needles")
    assert out.returncode == 2 and "unknown needles" in out.stderr
    out = _bench("--methods", "rlm,best")
    assert out.returncode == 2 and "unknown best" in out.stderr


def test_nothing_to_run_is_one_line_not_a_crash() -> None:
    out = _bench("--families", "aggregate", "--seeds", "0", "--methods", "rlm")
    assert out.returncode == 1 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing to run" in lines[0] and "0 seeds" in lines[0]


def test_a_bad_model_is_one_line(tmp_path: Path) -> None:
    out = _bench("--model", str(tmp_path / "none.gguf"), "--families", "needle")
    assert out.returncode == 1 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "not found" in lines[0]


def test_the_helpers_shown_are_chosen_and_recorded(tmp_path: Path) -> None:
    out = _bench("--helpers", "grep,grepp")
    assert out.returncode == 2 and "unknown grepp" in out.stderr
    out = _bench("--helpers", "grep", "--no-helpers")
    assert out.returncode == 2 and "not allowed with argument" in out.stderr
    turn = "Let me look.\n```repl\nprint(grep('archive key'))\n```"
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"responses": [turn, "FINAL(x)"] * 3}), encoding="utf-8")
    args = ["--backend", f"replay:{replay}", "--quick", "--families", "needle", "--methods"]
    args += ["rlm", "--prompt", "small", "--helpers", "chunks,grep", "--chunk-chars", "5000"]
    out = _bench(*args, "--out", str(tmp_path / "out"), "--json")
    assert out.returncode == 0, out.stderr
    settings = json.loads(out.stdout)["settings"]
    assert settings["helpers"] == settings["helpers_in_prompt"] == ["grep", "chunks"]
    assert settings["chunk_chars"] == 5000
