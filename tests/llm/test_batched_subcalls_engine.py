"""`llm_query_batched` from a real sandbox cell, served by the real llama.cpp backend decoding
the prompts together: the tree shows them as sibling sub-calls that all start before any
finishes, each with its own reply, tokens and time.

The root's turns are scripted (a small model seldom writes the batched call itself); every
sub-call goes to the real model through `complete_batch`.
"""

from __future__ import annotations

import pytest

from rlm_desktop.cancel import CancelToken
from rlm_desktop.documents.model import Context, Document
from rlm_desktop.engine.config import EngineConfig
from rlm_desktop.engine.engine import RlmEngine
from rlm_desktop.engine.events import Event, SubcallFinished, SubcallStarted
from rlm_desktop.engine.tree import RunTree
from rlm_desktop.llm.llama import LlamaBackend
from tests.llm.llama_helpers import ScriptedRoot

pytestmark = pytest.mark.model

CODE = (
    "parts = ['Shipment 4012 reached depot K.', 'Shipment 4025 reached depot B.', "
    "'Shipment 4038 reached depot Q.']\n"
    "answers = llm_query_batched(['Which depot? ' + p for p in parts])\n"
    "print(len(answers))"
)


def test_llm_query_batched_runs_as_sibling_subcalls_decoded_together(
    llama: LlamaBackend,
) -> None:
    backend = ScriptedRoot(llama, [f"Let me ask.\n```repl\n{CODE}\n```", "FINAL(done)"])
    events: list[Event] = []
    tree = RunTree()

    def on_event(event: Event) -> None:
        events.append(event)
        tree.apply(event)

    config = EngineConfig(max_iterations=4, subcall_max_tokens=12)
    context = Context([Document(name="log.txt", text="Shipment 4012 reached depot K.")])
    result = RlmEngine(backend, config).run("Which depots?", context, on_event, CancelToken())
    assert result.answer == "done" and result.subcalls == 3
    assert backend.batches == [3]  # one batch of three, not three calls
    kinds = [type(e) for e in events if isinstance(e, SubcallStarted | SubcallFinished)]
    assert kinds == [SubcallStarted] * 3 + [SubcallFinished] * 3  # all running at once
    starts = [e for e in events if isinstance(e, SubcallStarted)]
    assert [s.batch_index for s in starts] == [0, 1, 2] and {s.batch_size for s in starts} == {3}
    assert len({s.parent_id for s in starts}) == 1  # siblings under the one cell
    nodes = [tree.nodes[s.node_id] for s in starts]
    for node in nodes:
        assert node.status == "done" and node.answer  # streamed, then its own reply
        assert node.completion_tokens > 0 and node.prompt_tokens > 0 and node.seconds > 0
    finished = {e.node_id: e for e in events if isinstance(e, SubcallFinished)}
    assert all(finished[n.id].result == n.answer for n in nodes)
    assert result.usage.completion_tokens >= sum(n.completion_tokens for n in nodes)
