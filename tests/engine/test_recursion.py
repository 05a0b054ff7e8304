"""Sub-calls: llm_query, llm_query_batched, and a three-level rlm_query recursion."""

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from replay_run import look, replay

from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.engine import RlmEngine
from rlm_desktop.engine.events import SubcallStarted
from rlm_desktop.llm.base import estimate_tokens
from rlm_desktop.llm.replay import ReplayBackend

REPO = Path(__file__).resolve().parents[2]


def test_llm_query_batched_takes_responses_in_list_order() -> None:
    code = "answers = llm_query_batched(['one?', 'two?', 'three?'])\nprint(answers)"
    run = replay([look(code), "1", "2", "3", "FINAL(ok)"])
    assert "['1', '2', '3']" in run.prompt_of_call(4)
    prompts = [r.messages[0]["content"] for r in run.backend.requests[1:4]]
    assert prompts == ["one?", "two?", "three?"]
    assert run.result.subcalls == 3


def test_llm_query_inside_a_loop_stays_out_of_the_root_context() -> None:
    code = "res = [llm_query(f'part {i}') for i in range(3)]\nprint(len(res))"
    run = replay([look(code), "long answer " * 50, "b", "c", "FINAL(ok)"])
    assert "long answer" not in run.prompt_of_call(4)


def _three_levels(tmp_path: Path) -> dict:
    responses = [
        look("print(rlm_query('level one?', context))"),
        look("print(rlm_query('level two?', context[:30]))"),
        look("print(llm_query('leaf at depth 3'))"),
        "leaf says hi",
        "FINAL(two done)",
        "FINAL(one done)",
        "FINAL(root done)",
    ]
    replay_file = tmp_path / "three.json"
    replay_file.write_text(json.dumps({"responses": responses}))
    doc = tmp_path / "doc.txt"
    doc.write_text("The magic number is 42.\n")
    out = subprocess.run(
        [
            *(sys.executable, "-m", "rlm_desktop", "ask", "Go deep", "--doc", str(doc)),
            *("--backend", f"replay:{replay_file}", "--json"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _kinds(node: dict) -> list:
    return [node["kind"], [_kinds(c) for c in node["children"]]]


def test_three_level_recursion_tree_in_json(tmp_path: Path) -> None:
    data = _three_levels(tmp_path)
    assert (data["status"], data["answer"]) == ("ok", "root done")
    assert data["subcalls"] == 3 and data["iterations"] == 2
    tree = data["tree"]
    turn1 = tree["children"][0]
    sub1 = turn1["children"][0]["children"][0]
    assert (sub1["kind"], sub1["subcall_kind"], sub1["depth"]) == ("subcall", "rlm_query", 1)
    sub2 = sub1["children"][0]["children"][0]["children"][0]
    assert (sub2["subcall_kind"], sub2["depth"], sub2["answer"]) == ("rlm_query", 2, "two done")
    leaf = sub2["children"][0]["children"][0]["children"][0]
    assert (leaf["subcall_kind"], leaf["depth"], leaf["answer"]) == ("llm_query", 3, "leaf says hi")
    assert _kinds(tree) == [
        "run",
        [
            [
                "iteration",
                [
                    [
                        "cell",
                        [
                            [
                                "subcall",
                                [
                                    [
                                        "iteration",
                                        [
                                            [
                                                "cell",
                                                [
                                                    [
                                                        "subcall",
                                                        [
                                                            [
                                                                "iteration",
                                                                [["cell", [["subcall", []]]]],
                                                            ],
                                                            ["iteration", []],
                                                        ],
                                                    ]
                                                ],
                                            ]
                                        ],
                                    ],
                                    ["iteration", []],
                                ],
                            ]
                        ],
                    ]
                ],
            ],
            ["iteration", []],
        ],
    ]
    statuses = {n["status"] for n in _walk(tree)}
    assert statuses == {"done"}


def _walk(node: dict) -> list:
    return [node] + [n for c in node["children"] for n in _walk(c)]


def test_child_rlm_has_its_own_fresh_repl() -> None:
    responses = [
        look("secret = 1\nprint(rlm_query('q', 'sub text'))"),
        look("print('secret' in dir(), context)"),
        "FINAL(child)",
        "FINAL(root)",
    ]
    run = replay(responses)
    assert "False sub text" in run.prompt_of_call(2)


def test_batched_sub_calls_say_which_one_of_how_many() -> None:
    from rlm_desktop.engine.narrate import narrate
    from rlm_desktop.engine.tree import RunTree

    code = "print(llm_query_batched(['a?', 'b?', 'c?']))"
    run = replay([look(code), "1", "2", "3", "FINAL(ok)"])
    tree, lines = RunTree(), []
    for event in run.events:
        tree.apply(event)
        lines.append(narrate(event, tree))
    asked = [line for line in lines if line and line.startswith("Asking")]
    assert asked == [f"Asking the model helper questions, {i} of 3…" for i in (1, 2, 3)]


class SizeRecordingReplay(ReplayBackend):
    """The replay backend, noting the size of every text it is asked to count."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counted: list[int] = []

    def count_tokens(self, text: str) -> int:
        self.counted.append(len(text))
        return super().count_tokens(text)


def test_a_huge_llm_query_prompt_is_cut_to_the_window_without_counting_it_whole() -> None:
    big = Context([Document(name="big.txt", text="word " * 2_000_000)])  # 10 MB
    responses = [look("print(llm_query(context)[:10])"), "leaf reply", "FINAL(ok)"]
    backend = SizeRecordingReplay(responses, context_window=4096)
    result = RlmEngine(backend, EngineConfig()).run("Q?", big)
    assert (result.status, result.answer) == ("ok", "ok")
    leaf = backend.requests[1]
    prompt = leaf.messages[0]["content"]
    assert prompt.startswith("word word")
    assert prompt.endswith("[... prompt cut to fit the model's window ...]")
    assert estimate_tokens(prompt) + leaf.max_tokens <= 4096
    assert max(backend.counted) <= 4096 * 16


def test_final_var_of_a_value_whose_str_asks_the_model() -> None:
    """FINAL_VAR(x) as text, where str(x) calls llm_query: the sub-call is served (below the
    turn that named x) and its answer is the run's answer; the reply is never mistaken for
    the variable's value."""
    code = "class Named:\n    def __str__(self):\n        return llm_query('who?')\nx = Named()"
    run = replay([look(code), "FINAL_VAR(x)", "Alice"])
    assert (run.result.status, run.result.answer) == ("ok", "Alice")
    assert run.result.subcalls == 1
    turn = run.result.tree.to_dict()["children"][1]
    assert [c["kind"] for c in turn["children"]] == ["subcall"]
    assert turn["children"][0]["answer"] == "Alice"


def test_the_sub_call_bridge_does_not_import_the_loop() -> None:
    """The child RLM is spawned by a function the loop hands in (no import cycle)."""
    source = (REPO / "rlm_desktop" / "engine" / "subcalls.py").read_text()
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "rlm_desktop.engine.loop" not in imported
    assert "current_cell" not in source


def test_the_tree_keeps_a_prompts_head_tail_and_size_not_all_of_it() -> None:
    code = "big = 'h' * 5000 + 'm' * 3_000_000 + 't' * 2000\nprint(len(llm_query(big)))"
    run = replay([look(code), "leaf reply", "FINAL(ok)"])
    assert run.result.status == "ok"
    (started,) = [e for e in run.events if isinstance(e, SubcallStarted)]
    assert len(started.prompt) < 6000
    assert started.prompt.startswith("h" * 4000) and started.prompt.endswith("t" * 1000)
    assert "3,007,000 in all" in started.prompt
    node = run.result.tree.nodes[started.node_id]
    assert node.text == started.prompt


def test_a_batch_stops_when_its_cells_sub_call_time_is_spent() -> None:
    """A cell's sub-calls share a wall budget (30 cell timeouts: 6 s here), checked between the
    prompts of one batch too; the cell sees a RuntimeError and the run goes on."""
    code = "try:\n    llm_query_batched(['q'] * 12)\nexcept RuntimeError as e:\n    print(e)"
    # about a second at 0.05 s a piece; also the root's next turn, whichever call takes it
    slow = "FINAL(ok)\n" + "word " * 20
    run = replay([look(code)] + [slow] * 13, token_delay_s=0.05, cell_timeout=0.2)
    assert (run.result.status, run.result.answer) == ("ok", "ok")
    asked = [e for e in run.events if isinstance(e, SubcallStarted)]
    assert 2 <= len(asked) < 12
    cell = next(e for e in run.events if type(e).__name__ == "CellFinished")
    assert "this cell's sub-calls have used their 6 s" in cell.output


def test_a_bad_sub_call_is_the_cells_exception_and_the_run_goes_on() -> None:
    code = (
        "for bad in (lambda: llm_query_batched(5), lambda: llm_query_batched(['q'] * 6000),\n"
        "            lambda: rlm_query('q', {str(i): '' for i in range(6000)})):\n"
        "    try:\n        bad()\n    except Exception as e:\n"
        "        print(type(e).__name__, str(e)[:60])"
    )
    run = replay([look(code), "FINAL(still here)"])
    assert (run.result.status, run.result.answer) == ("ok", "still here")
    assert run.result.subcalls == 0
    fed_back = run.prompt_of_call(1)
    assert "TypeError" in fed_back
    assert "RuntimeError llm_query refused: too many prompts in one call" in fed_back
    assert "RuntimeError rlm_query refused: too many documents in one call" in fed_back
