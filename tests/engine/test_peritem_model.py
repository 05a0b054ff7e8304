"""The per-item helpers with the real demo model through the app's llama.cpp backend and the
real sandbox process: every answer is an allowed value, generated under its grammar (never
"unknown" for a choice, a number or yes/no there). The root turns are recorded (the model
under test answers the per-item sub-calls, which run in the `leaf` session)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from rlm_desktop.backends import open_llama
from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.engine import RlmEngine
from rlm_desktop.engine.events import CellFinished, Event
from rlm_desktop.llm.llama import LlamaBackend
from tests.llm.llama_helpers import ScriptedRoot

LABELS = ["delivery", "quality", "praise"]
REVIEWS = [
    "Review 1: The parcel turned up two weeks late.",
    "Review 2: The handle snapped off at once.",
    "Review 3: The parcel turned up two weeks late.",
]


@pytest.fixture(scope="module")
def model(demo_model: Path) -> Iterator[LlamaBackend]:
    backend = open_llama(demo_model, n_ctx=2048)
    yield backend
    backend.close()


@pytest.mark.model
@pytest.mark.timeout(600)  # about 20 s on a quiet machine; minutes when the cores are shared
def test_the_real_model_answers_only_allowed_values(model: LlamaBackend) -> None:
    code = (
        "xs = items()\n"
        f"print(repr(classify(xs, {LABELS!r})))\n"
        'print(repr(ask_yes_no(xs, "Was it late?")))\n'
        'print(repr(ask_number(xs[:1], "How many weeks?")))\n'
        'print(repr(extract(xs[:1], "What arrived?")))'
    )
    backend = ScriptedRoot(model, [f"```repl\n{code}\n```", "FINAL(done)"])
    outputs: list[str] = []

    def on_event(event: Event) -> None:
        if isinstance(event, CellFinished):
            outputs.append(event.output)

    ctx = Context([Document(name="reviews.txt", text="\n".join(REVIEWS))])
    config = EngineConfig(prompt_variant="large")
    result = RlmEngine(backend, config).run("How are the reviews?", ctx, on_event)  # type: ignore[arg-type]
    assert result.status == "ok", result.error
    labels, yes_no, numbers, spans = map(ast.literal_eval, outputs[0].strip().split("\n"))
    assert len(labels) == len(yes_no) == 3 and len(numbers) == len(spans) == 1
    assert set(labels) <= set(LABELS)  # the grammar: never anything else, never "unknown"
    assert set(yes_no) <= {"yes", "no"}
    assert all(isinstance(n, int) for n in numbers)
    texts = [r.split(": ", 1)[1].lower() for r in REVIEWS[:1]]
    assert all(s == "unknown" or s.lower() in t for s, t in zip(spans, texts, strict=True))
    assert labels[0] == labels[2] and yes_no[0] == yes_no[2]  # the repeat got the same answer
    # 2 distinct reviews per map over 3; the one-item lists have no repeats
    assert result.to_json()["repeats_skipped"] == 2
    assert len(backend.leaf_grammars) == 2 + 2 + 1 + 1
    assert all(g and g.startswith("root ::=") for g in backend.leaf_grammars)
